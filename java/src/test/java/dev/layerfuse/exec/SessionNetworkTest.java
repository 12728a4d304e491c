package dev.layerfuse.exec;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.exec.java.JavaInterpreter;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.nn.Init;
import dev.layerfuse.nn.Module;
import dev.layerfuse.nn.models.AlexNetBn;
import dev.layerfuse.nn.models.MobileNetV2;
import dev.layerfuse.nn.models.ResNet;
import dev.layerfuse.tensor.Difference;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whole networks through sessions: fused and unfused, native and Java, batch 1 and 8, all agree
 * with each other and with the reference interpreter within 1e-4 relative.
 */
class SessionNetworkTest {
  static Stream<Arguments> networks() {
    List<Arguments> out = new ArrayList<>();
    Object[][] nets = {
        {"ResNet-18", (Supplier<Module>) () -> ResNet.resnet18(1000), new long[] {3, 224, 224}},
        {"MobileNetV2", (Supplier<Module>) () -> MobileNetV2.create(1000), new long[] {3, 224, 224}},
        {"AlexNet-BN", (Supplier<Module>) AlexNetBn::create, new long[] {3, 227, 227}},
        {"MLP-BN", (Supplier<Module>) AlexNetBn::mlp, new long[] {4096}}};
    for (Object[] n : nets) for (int batch : new int[] {1, 8}) out.add(Arguments.of(n[0], n[1], n[2], batch));
    return out.stream();
  }

  @ParameterizedTest(name = "{0} batch {3}")
  @MethodSource("networks")
  void fusedAndUnfusedAgreeOnBothBackends(String name, Supplier<Module> net, long[] chw, int batch) {
    long[] dims = new long[chw.length + 1];
    dims[0] = 1;
    System.arraycopy(chw, 0, dims, 1, chw.length);
    Graph g = Init.randomize(net.get(), 77).toGraph(Shape.of(dims));
    dims[0] = batch;
    Shape in = Shape.of(dims);
    SplittableRandom rng = new SplittableRandom(batch);
    float[] x = new float[(int) in.numel()];
    for (int i = 0; i < x.length; i++) x[i] = (float) (rng.nextDouble() * 2 - 1);
    Map<String, Tensor> inputs = Map.of("input", Tensor.wrap(in, x));
    float[] reference = null;
    if (batch == 1) reference = JavaInterpreter.runSingle(g, inputs.get("input")).toArray();
    List<Backend> backends = new ArrayList<>(List.of(Backend.JAVA));
    KernelVariants.requireNative();
    backends.add(0, Backend.NATIVE);
    for (Backend b : backends) {
      for (boolean fuse : new boolean[] {true, false}) {
        try (Session s = Session.create(g, b, fuse)) {
          float[] y = s.run(inputs).values().iterator().next().toArray();
          if (reference == null) {
            reference = y;
            continue;
          }
          Difference d = Difference.of(reference, y);
          assertTrue(d.within(1e-4), name + " batch " + batch + " " + s + ": " + d);
          assertTrue(d.maxReference() > 1e-3, "trivial output");
        }
      }
    }
  }
}
