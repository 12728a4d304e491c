package dev.layerfuse.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.layerfuse.exec.Backend;
import dev.layerfuse.exec.Session;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.onnx.OnnxExporter;
import dev.layerfuse.tensor.Shape;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One model on one engine, fused and unfused: layerfuse native or Java sessions (fused = default
 * rules, unfused = the same kernels with separate BN/activation/add passes), or ONNX Runtime on
 * the same graph exported as ONNX (fused = all graph optimisations, unfused = none), with
 * intra-op threads = {@code threads} and inter-op 1.
 */
public final class Engines implements AutoCloseable {
  public enum Engine { NATIVE, JAVA, ORT }

  private final Engine engine;
  private Session fused, unfused;
  private OrtSession ortFused, ortUnfused;
  private OrtEnvironment env;
  private long[] inputDims;
  private final Map<String, Shape> shapes;
  private final Map<String, float[]> inputs, outputs;
  private final String inputName;

  Engines(Graph g, Engine engine, int threads) {
    this.engine = engine;
    inputName = g.inputs().keySet().iterator().next();
    Shape in = g.inputs().get(inputName);
    float[] x = new float[(int) in.numel()];
    SplittableRandom r = new SplittableRandom(3);
    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
    shapes = Map.of(inputName, in);
    inputs = Map.of(inputName, x);
    String out = g.outputs().get(0);
    outputs = Map.of(out, new float[(int) g.shape(out).numel()]);
    try {
      switch (engine) {
        case NATIVE:
          // OpenBLAS stays single-threaded (-Dlayerfuse.blas.threads=1); the session splits work over its threads.
          fused = Session.create(g, Backend.NATIVE, true, threads);
          unfused = Session.create(g, Backend.NATIVE, false, threads);
          break;
        case JAVA:
          fused = Session.create(g, Backend.JAVA, true, threads);
          unfused = Session.create(g, Backend.JAVA, false, threads);
          break;
        default: {
          env = OrtEnvironment.getEnvironment();
          inputDims = in.dims();
          byte[] model = OnnxExporter.toBytes(g);
          ortFused = env.createSession(model, options(OrtSession.SessionOptions.OptLevel.ALL_OPT, threads));
          ortUnfused = env.createSession(model, options(OrtSession.SessionOptions.OptLevel.NO_OPT, threads));
        }
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime: " + e.getMessage(), e);
    }
  }

  private static OrtSession.SessionOptions options(OrtSession.SessionOptions.OptLevel level, int threads) throws OrtException {
    OrtSession.SessionOptions o = new OrtSession.SessionOptions();
    o.setOptimizationLevel(level);
    o.setIntraOpNumThreads(threads);
    o.setInterOpNumThreads(1);
    o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
    return o;
  }

  Object run(boolean fusedVariant) throws OrtException {
    if (engine == Engine.ORT) {
      // Like a request: the input array is copied into a new tensor each call (layerfuse copies it
      // into its arena), and the output is copied out of the result (layerfuse copies it into the
      // caller's array).
      try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(inputs.get(inputName)), inputDims);
           OrtSession.Result r = (fusedVariant ? ortFused : ortUnfused).run(Map.of(inputName, in))) {
        FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
        return fb.get(0);
      }
    }
    (fusedVariant ? fused : unfused).run(shapes, inputs, outputs);
    return outputs;
  }

  @Override
  public void close() throws OrtException {
    if (fused != null) fused.close();
    if (unfused != null) unfused.close();
    if (ortFused != null) ortFused.close();
    if (ortUnfused != null) ortUnfused.close();
  }
}
