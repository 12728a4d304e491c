package dev.layerfuse.onnx;

import dev.layerfuse.exec.Backend;
import dev.layerfuse.exec.Session;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.tensor.DType;
import dev.layerfuse.tensor.Tensor;
import dev.layerfuse.tensor.TypedArray;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX model ready to run: typed inputs and outputs, fused float32 compute on a backend.
 *
 * <p>Most models compile once: their graph inputs are float32 activations and everything else
 * (weights, shapes) is in the file. Some feed at run time what layerfuse must know when it
 * compiles: weights or shapes given as graph inputs (the ONNX node tests do this), integer or
 * bool inputs (evaluated on the host, as shape arithmetic is), or inputs to op forms only the
 * host evaluator implements (MaxPool's Indices output). Those inputs are <em>bound</em>: the
 * model is compiled for their values when they arrive, and the compiled form is cached (the
 * last {@value #CACHE} distinct bindings) so repeated values cost nothing. Symbolic dimensions
 * are resolved the same way from the fed shapes. Thread-safe: a compiled form evicted from the
 * cache, or the whole model closed, while runs still use it is freed when the last of them ends.
 * Close it to free the sessions.
 */
public final class OnnxModel implements AutoCloseable {
  static final int CACHE = 4;

  /** A graph input: name, declared type and dims (-1 where symbolic), and whether it is bound at run time. */
  public record Input(String name, DType type, long[] dims, String shape, boolean bound) {}

  private final OnnxProto.Model model;
  private final Path dir;
  private final Backend backend;
  private final boolean fuse;
  private final int threads;
  private final List<Input> inputs;
  private final List<String> outputs;
  private final Map<String, DType> outputTypes = new HashMap<>();
  private final Map<Key, Compiled> cache = new LinkedHashMap<>(8, 0.75f, true);
  private boolean closed;

  private record Key(Map<String, TypedArray> bound, Map<String, List<Long>> dims) {}

  private static final Key UNBOUND = new Key(Map.of(), Map.of());

  /** One compiled binding and the runs using it (both counts guarded by the model's lock). */
  private static final class Compiled {
    final OnnxImporter.Imported imported;
    final Session session; // null when everything was folded at compile time
    int users;
    boolean retired; // out of the cache: closed when the last user releases it

    Compiled(OnnxImporter.Imported imported, Session session) {
      this.imported = imported;
      this.session = session;
    }
  }

  private OnnxModel(OnnxProto.Model model, Path dir, Backend backend, boolean fuse, int threads) {
    if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    this.model = model;
    this.dir = dir;
    this.backend = backend;
    this.fuse = fuse;
    this.threads = threads;
    OnnxProto.Graph g = model.graph();
    Set<String> init = new HashSet<>();
    for (OnnxProto.Tensor t : g.initializers()) init.add(t.name());
    Set<String> structural = boundInputs(g, init);
    List<Input> in = new ArrayList<>();
    for (OnnxProto.ValueInfo vi : g.inputs()) {
      if (init.contains(vi.name())) continue;
      DType t;
      try {
        t = DType.fromOnnx(vi.elemType());
      } catch (IllegalArgumentException e) {
        throw new UnsupportedOperationException("graph input '" + vi.name() + "': unsupported element type " + vi.elemType());
      }
      in.add(new Input(vi.name(), t, vi.dims().clone(), OnnxImporter.describeDims(vi), structural.contains(vi.name()) || t != DType.FLOAT32));
    }
    this.inputs = List.copyOf(in);
    List<String> out = new ArrayList<>();
    for (OnnxProto.ValueInfo vi : g.outputs()) {
      out.add(vi.name());
      try {
        outputTypes.put(vi.name(), DType.fromOnnx(vi.elemType()));
      } catch (IllegalArgumentException e) {
        outputTypes.put(vi.name(), DType.FLOAT32);
      }
    }
    this.outputs = List.copyOf(out);
    Support.check(model);
    if (inputs.stream().noneMatch(Input::bound) && inputs.stream().allMatch(i -> concrete(i.dims()))) {
      release(acquire(Map.of(), Map.of())); // fail now, not at the first run, if the model does not import
    }
  }

  /** Loads {@code file} to run on {@code backend}, fused unless {@code fuse} is false. */
  public static OnnxModel load(Path file, Backend backend, boolean fuse) {
    return load(file, backend, fuse, 1);
  }

  /** Loads {@code file} to run on {@code backend} with {@code threads} intra-op threads per run. */
  public static OnnxModel load(Path file, Backend backend, boolean fuse, int threads) {
    return new OnnxModel(OnnxImporter.read(file), file.toAbsolutePath().getParent(), backend, fuse, threads);
  }

  /** Loads {@code file}, fused, on the default backend. */
  public static OnnxModel load(Path file) {
    return load(file, Backend.AUTO, true);
  }

  public static OnnxModel of(OnnxProto.Model model, Path modelDir, Backend backend, boolean fuse, int threads) {
    return new OnnxModel(model, modelDir, backend, fuse, threads);
  }

  /** The graph inputs to feed (those without an initializer), in model order. */
  public List<Input> inputs() {
    return inputs;
  }

  /** Graph output names in model order. */
  public List<String> outputs() {
    return outputs;
  }

  private static boolean concrete(long[] dims) {
    for (long d : dims) if (d < 0) return false;
    return true;
  }

  /**
   * The compiled float32 graph (fused if asked) for a model that needs no bindings; for others
   * the graph compiled for {@code feeds}.
   */
  public Graph graph(Map<String, TypedArray> feeds) {
    Compiled c = prepare(feeds);
    try {
      return c.session == null ? null : c.session.graph();
    } finally {
      release(c);
    }
  }

  /**
   * Runs the model. {@code feeds} holds one array per input of {@link #inputs()} (by name); the
   * result has one array per graph output, in model order, with the output's ONNX type.
   *
   * @throws IllegalArgumentException naming the input and the expected vs actual type or shape
   */
  public Map<String, TypedArray> run(Map<String, TypedArray> feeds) {
    Compiled c = prepare(feeds);
    Map<String, Tensor> got;
    try {
      Map<String, Tensor> runtime = new HashMap<>();
      for (Input i : inputs) {
        TypedArray v = feeds.get(i.name());
        if (!i.bound() && v.numel() > 0) runtime.put(i.name(), v.toTensor());
      }
      got = c.session == null ? Map.of() : c.session.run(runtime);
    } finally {
      release(c);
    }
    Map<String, TypedArray> result = new LinkedHashMap<>();
    for (String o : outputs) {
      TypedArray v = c.imported.constantOutputs().get(o);
      if (v == null) v = TypedArray.of(got.get(o));
      DType want = outputTypes.get(o);
      result.put(o, v.type() == want ? v : v.cast(want));
    }
    return result;
  }

  /** Whether {@link #runFloats} applies: every input a float32 tensor fed at run time, every output float32. */
  public boolean runsOnFloats() {
    return inputs.stream().noneMatch(Input::bound) && outputs.stream().allMatch(o -> outputTypes.get(o) == DType.FLOAT32);
  }

  /**
   * Runs a model whose inputs are all float32 tensors fed at run time, on float arrays, without
   * {@link TypedArray}'s conversions (what a server answering requests wants: MobileNetV2's run
   * took 0.7 ms less this way). {@code dims} and {@code inputs} hold each input's dims and values
   * by name (the dims resolve symbolic ones, as a fed array's would); every graph output must be
   * float32 and is written into {@code outputs}' array of that name, sized to the output.
   *
   * @throws IllegalArgumentException naming the input or output: an unknown or missing one, a
   *     bound (compile-time) or non-float32 input, dims that do not fit the declared shape or the
   *     array, an output that is not float32, a missing or wrongly sized output array
   */
  public void runFloats(Map<String, long[]> dims, Map<String, float[]> inputs, Map<String, float[]> outputs) {
    checkKnown(inputs.keySet());
    Map<String, long[]> symbolic = new HashMap<>();
    Map<String, dev.layerfuse.tensor.Shape> shapes = new HashMap<>();
    for (Input i : this.inputs) {
      if (i.bound()) {
        throw new IllegalArgumentException("input '" + i.name() + "' (" + i.type() + " " + i.shape()
            + ") is compiled into the model, not a float32 tensor fed at run time: use run(Map<String, TypedArray>)");
      }
    }
    for (Input i : this.inputs) {
      float[] v = inputs.get(i.name());
      long[] d = dims.get(i.name());
      if (v == null || d == null) {
        throw new IllegalArgumentException("missing " + (v == null ? "values" : "dims") + " of input '" + i.name() + "' ("
            + i.type() + " " + i.shape() + ")");
      }
      checkDims(i, d);
      int n = TypedArray.count(d);
      if (n != v.length) {
        throw new IllegalArgumentException("input '" + i.name() + "': dims " + Arrays.toString(d) + " need "
            + n + " floats, got " + v.length);
      }
      if (n == 0) {
        throw new IllegalArgumentException("input '" + i.name() + "': empty (dims " + Arrays.toString(d)
            + "); use run(Map<String, TypedArray>)");
      }
      if (!concrete(i.dims())) symbolic.put(i.name(), d.clone());
      shapes.put(i.name(), dev.layerfuse.tensor.Shape.of(d));
    }
    Compiled c = acquire(Map.of(), symbolic);
    try {
      runFloatsOn(c, inputs, outputs, shapes);
    } finally {
      release(c);
    }
  }

  private void runFloatsOn(Compiled c, Map<String, float[]> inputs, Map<String, float[]> outputs,
      Map<String, dev.layerfuse.tensor.Shape> shapes) {
    Map<String, float[]> computed = new HashMap<>();
    for (String o : outputs()) {
      if (outputTypes.get(o) != DType.FLOAT32) {
        throw new IllegalArgumentException("output '" + o + "' is " + outputTypes.get(o) + ", not float32: use run(Map<String, TypedArray>)");
      }
      float[] a = outputs.get(o);
      TypedArray constant = c.imported.constantOutputs().get(o);
      if (constant == null) {
        computed.put(o, a); // checked by the session (before it writes anything)
      } else if (a == null || a.length != constant.numel()) {
        throw new IllegalArgumentException("output '" + o + "': expected an array of " + constant.numel() + " floats, got "
            + (a == null ? "none" : a.length));
      }
    }
    if (!computed.isEmpty()) c.session.run(shapes, inputs, computed);
    for (String o : outputs()) {
      TypedArray constant = c.imported.constantOutputs().get(o);
      if (constant == null) continue;
      double[] d = constant.toDoubles();
      float[] a = outputs.get(o);
      for (int k = 0; k < d.length; k++) a[k] = (float) d[k];
    }
  }

  /**
   * Where the time of a run goes: the compiled graph's kernel calls in plan order with their
   * median times over {@code runs} runs of {@code feeds} (see {@link Session#profile}); empty
   * when everything was folded at compile time.
   */
  public java.util.List<Session.StepTime> profile(Map<String, TypedArray> feeds, int runs) {
    Compiled c = prepare(feeds);
    try {
      if (c.session == null) return java.util.List.of();
      Map<String, dev.layerfuse.tensor.Shape> shapes = new HashMap<>();
      Map<String, float[]> arrays = new HashMap<>();
      for (Input i : inputs) {
        TypedArray v = feeds.get(i.name());
        if (i.bound() || v.numel() == 0) continue;
        Tensor t = v.toTensor();
        shapes.put(i.name(), t.shape());
        arrays.put(i.name(), t.toArray());
      }
      return c.session.profile(shapes, arrays, runs);
    } finally {
      release(c);
    }
  }

  /** Checks {@code feeds} and acquires the form compiled for them (give it back with {@link #release}). */
  private Compiled prepare(Map<String, TypedArray> feeds) {
    checkKnown(feeds.keySet());
    Map<String, TypedArray> bound = new HashMap<>();
    Map<String, long[]> dims = new HashMap<>();
    for (Input i : inputs) {
      TypedArray v = feeds.get(i.name());
      if (v == null) throw new IllegalArgumentException("missing input '" + i.name() + "' (" + i.type() + " " + i.shape() + ")");
      if (v.type() != i.type()) {
        throw new IllegalArgumentException("input '" + i.name() + "': expected element type " + i.type() + ", got " + v.type());
      }
      checkDims(i, v.dims());
      // An empty tensor carries no data: compile it in (the engine plans only non-empty batches).
      if (i.bound() || v.numel() == 0) bound.put(i.name(), v);
      else if (!concrete(i.dims())) dims.put(i.name(), v.dims());
    }
    return acquire(bound, dims);
  }

  /** Fails naming the first of {@code names} that is not an input of the model. */
  private void checkKnown(Set<String> names) {
    for (String k : names) {
      if (inputs.stream().noneMatch(i -> i.name().equals(k))) {
        throw new IllegalArgumentException("unknown input '" + k + "'; the model's inputs are "
            + inputs.stream().map(Input::name).toList());
      }
    }
  }

  /** Fails unless {@code dims} fit input {@code i}'s declared shape (its rank, and every fixed dim). */
  private static void checkDims(Input i, long[] dims) {
    long[] want = i.dims();
    boolean rankOk = want.length == 0 || want.length == dims.length;
    for (int k = 0; rankOk && k < want.length; k++) rankOk = want[k] < 0 || want[k] == dims[k];
    if (!rankOk) {
      throw new IllegalArgumentException("input '" + i.name() + "': expected shape " + i.shape() + ", got " + Arrays.toString(dims));
    }
  }

  /**
   * The form compiled for {@code bound} values and symbolic {@code dims} (compiled now if the
   * cache does not hold it), counted as in use until {@link #release}: evicting it meanwhile only
   * retires it, so a run never finds its session closed under it.
   */
  private synchronized Compiled acquire(Map<String, TypedArray> bound, Map<String, long[]> dims) {
    if (closed) throw new IllegalStateException("OnnxModel is closed");
    Key key = UNBOUND;
    if (!bound.isEmpty() || !dims.isEmpty()) {
      Map<String, List<Long>> dimKey = new HashMap<>();
      dims.forEach((k, v) -> dimKey.put(k, Arrays.stream(v).boxed().toList()));
      key = new Key(Map.copyOf(bound), dimKey);
    }
    Compiled c = cache.get(key);
    if (c == null) {
      OnnxImporter.Imported imp = OnnxImporter.importModel(model, dir, bound, dims);
      Session s = imp.graph() == null ? null : Session.create(imp.graph(), backend, fuse, threads);
      c = new Compiled(imp, s);
      cache.put(key, c);
      if (cache.size() > CACHE) {
        Map.Entry<Key, Compiled> eldest = cache.entrySet().iterator().next();
        cache.remove(eldest.getKey());
        retire(eldest.getValue());
      }
    }
    c.users++;
    return c;
  }

  /** Ends one use of {@code c}; the last use of a retired form closes its session. */
  private synchronized void release(Compiled c) {
    if (--c.users == 0 && c.retired && c.session != null) c.session.close();
  }

  /** Takes {@code c} out of service: its session is closed now, or by the release of its last user. */
  private void retire(Compiled c) {
    c.retired = true;
    if (c.users == 0 && c.session != null) c.session.close();
  }

  /** Closes the model: sessions not in use now, the others when their runs in progress end. */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    for (Compiled c : cache.values()) retire(c);
    cache.clear();
  }

  // ---- which inputs must be bound ----------------------------------------------------------

  /** Inputs of each op that must be known when the model is compiled (weights, shapes, axes). */
  private static final Map<String, int[]> COMPILE_TIME = Map.ofEntries(
      Map.entry("Conv", new int[] {1, 2}), Map.entry("ConvTranspose", new int[] {1, 2}),
      Map.entry("BatchNormalization", new int[] {1, 2, 3, 4}), Map.entry("Reshape", new int[] {1}),
      Map.entry("Pad", new int[] {1, 2, 3}), Map.entry("Squeeze", new int[] {1}), Map.entry("Unsqueeze", new int[] {1}),
      Map.entry("Slice", new int[] {1, 2, 3, 4}), Map.entry("Split", new int[] {1}), Map.entry("Expand", new int[] {1}),
      Map.entry("ConstantOfShape", new int[] {0}), Map.entry("Tile", new int[] {1}), Map.entry("Resize", new int[] {1, 2, 3}),
      Map.entry("Upsample", new int[] {1}), Map.entry("Range", new int[] {0, 1, 2}), Map.entry("ReduceMean", new int[] {1}),
      Map.entry("ReduceMax", new int[] {1}), Map.entry("ReduceSum", new int[] {1}), Map.entry("Gather", new int[] {1}));

  /**
   * Graph inputs whose values must be known to compile: those that reach a compile-time input
   * position, or a node only the host evaluator runs. Shape and Size stop the walk, since they
   * need only the (static) shape of their input.
   */
  static Set<String> boundInputs(OnnxProto.Graph g, Set<String> initializers) {
    Map<String, OnnxProto.Node> producer = new HashMap<>();
    for (OnnxProto.Node n : g.nodes()) for (String o : n.outputs()) if (!o.isEmpty()) producer.put(o, n);
    Set<String> graphInputs = new HashSet<>();
    for (OnnxProto.ValueInfo vi : g.inputs()) if (!initializers.contains(vi.name())) graphInputs.add(vi.name());
    Deque<String> work = new ArrayDeque<>();
    for (OnnxProto.Node n : g.nodes()) {
      if (hostOnly(n)) {
        for (String v : n.inputs()) if (!v.isEmpty()) work.add(v);
        continue;
      }
      int[] pos = COMPILE_TIME.get(n.opType());
      if (pos == null || !n.domain().isEmpty()) continue;
      for (int k : pos) if (k < n.inputs().size() && !n.inputs().get(k).isEmpty()) work.add(n.inputs().get(k));
    }
    Set<String> seen = new HashSet<>(), out = new HashSet<>();
    while (!work.isEmpty()) {
      String v = work.pop();
      if (!seen.add(v)) continue;
      if (graphInputs.contains(v)) out.add(v);
      OnnxProto.Node p = producer.get(v);
      if (p == null || p.opType().equals("Shape") || p.opType().equals("Size")) continue;
      for (String in : p.inputs()) if (!in.isEmpty()) work.add(in);
    }
    return Collections.unmodifiableSet(out);
  }

  /** Op forms the fused float32 graph does not express but the host evaluator does. */
  private static boolean hostOnly(OnnxProto.Node n) {
    return n.opType().equals("MaxPool") && n.outputs().size() > 1 && !n.outputs().get(1).isEmpty();
  }

  @Override
  public String toString() {
    return "OnnxModel[inputs " + inputs.stream().map(i -> i.name() + (i.bound() ? " (bound)" : "")).toList() + ", outputs "
        + outputs + "]";
  }
}
