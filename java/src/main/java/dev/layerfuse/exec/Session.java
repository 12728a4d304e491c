package dev.layerfuse.exec;

import dev.layerfuse.fuse.Fuser;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Runs a graph on one backend. Parameters are uploaded once (off-heap for native); each input
 * shape (batch size) gets a compiled {@link Plan}; each concurrent caller borrows a workspace
 * (arena, scratch, bound kernel calls) from a pool, so {@code run} is safe from many threads at
 * once and allocates no intermediates in steady state.
 *
 * <p>With more than one thread, compiling a plan also chooses each step's thread count: the steps
 * are timed at the session's count and on the caller alone (synthetic inputs, runs alternated,
 * within {@link #TUNE_NANOS}), and those clearly faster alone run alone, if whole runs are then
 * faster too. On a two-vCPU virtual machine whose cores share no cache, a small memory-bound
 * step (a depthwise conv, a 1x1 conv on a 28 x 28 map) loses more reading the other core's half
 * of its input than it gains from a second core. The count is never raised above the session's;
 * {@link #profile} reports each step's.
 *
 * <p>{@code close()} frees all native memory, waits for runs in progress, is idempotent; any
 * later call throws {@link IllegalStateException}.
 */
public final class Session implements AutoCloseable {
  /**
   * The time a plan's per-step thread choice may take when it is compiled (system property
   * {@code layerfuse.tune.millis}, default 250; 0 runs every step at the session's count). A plan
   * whose run is too slow for five timed rounds within it is not tuned: its steps are large enough
   * to gain from every thread.
   */
  static final long TUNE_NANOS = Math.max(0, Long.getLong("layerfuse.tune.millis", 250)) * 1_000_000;
  private static final int TUNE_MIN_ROUNDS = 5, TUNE_MAX_ROUNDS = 15;
  private final String name;
  private final Graph graph;
  private final Kernels kernels;
  private final ParamLayout layout;
  private final FloatBuf params;
  private final String[] inputNames;
  private final Shape[] inputShapes;
  /** Plans by the inputs' leading dims: a Long for one input, a list for several. */
  private final Map<Object, Compiled> plans = new ConcurrentHashMap<>();
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final int threads;
  private volatile boolean closed;

  /** A plan, its pool of workspaces, and the thread count of each of its steps. */
  private final class Compiled {
    final Plan plan;
    final ConcurrentLinkedDeque<Workspace> pool = new ConcurrentLinkedDeque<>();
    final List<Workspace> all = java.util.Collections.synchronizedList(new ArrayList<>());
    /** Fixed by {@link #tune} before the plan is published; changed afterwards only by {@link #setStepThreads}. */
    final int[] stepThreads;

    Compiled(Plan plan) {
      this.plan = plan;
      stepThreads = new int[plan.steps().size()];
      java.util.Arrays.fill(stepThreads, threads);
    }

    /**
     * Chooses the steps that run on the caller alone (see the class comment). Every choice
     * computes the same outputs, within float rounding, so a failure here (a step rejecting the
     * synthetic values) only leaves every step at the session's count: real inputs report it.
     */
    void tune() {
      if (threads == 1 || TUNE_NANOS == 0 || stepThreads.length == 0) return;
      Workspace w = borrow();
      try {
        float[][] synthetic = new float[w.in.length][];
        for (int i = 0; i < synthetic.length; i++) {
          synthetic[i] = new float[(int) w.in[i].length()];
          java.util.SplittableRandom r = new java.util.SplittableRandom(i + 1);
          for (int j = 0; j < synthetic[i].length; j++) synthetic[i][j] = (float) (r.nextDouble() * 2 - 1);
        }
        int n = stepThreads.length;
        int[] all = stepThreads.clone(), alone = new int[n];
        java.util.Arrays.fill(alone, 1);
        long[] t = new long[n];
        timedRun(w, synthetic, all, t);  // first touch of the arena and scratch
        long run = timedRun(w, synthetic, all, t);
        // Two configurations per round, per step and then whole runs.
        int rounds = (int) Math.min(TUNE_MAX_ROUNDS, TUNE_NANOS / (4 * Math.max(1, run)));
        if (rounds < TUNE_MIN_ROUNDS) return;
        long[][] atAll = new long[n][rounds], atOne = new long[n][rounds];
        for (int r = 0; r < rounds; r++) {
          timedRun(w, synthetic, all, t);
          for (int i = 0; i < n; i++) atAll[i][r] = t[i];
          timedRun(w, synthetic, alone, t);
          for (int i = 0; i < n; i++) atOne[i][r] = t[i];
        }
        int[] choice = stepsAlone(atAll, atOne, threads);
        if (choice == null) return;
        // A step run alone reads the other core's share of its input: keep the choice only if
        // whole runs gain.
        long[] withChoice = new long[rounds], withAll = new long[rounds];
        for (int r = 0; r < rounds; r++) {
          withChoice[r] = timedRun(w, synthetic, choice, t);
          withAll[r] = timedRun(w, synthetic, all, t);
        }
        if (keepChoice(withChoice, withAll)) System.arraycopy(choice, 0, stepThreads, 0, n);
      } catch (RuntimeException e) {
        // stepThreads is written only by the last statement above: it is still all at the session's count.
      } finally {
        pool.addFirst(w);
      }
    }

    private long timedRun(Workspace w, float[][] inputs, int[] perStep, long[] stepNanos) {
      for (int i = 0; i < w.in.length; i++) w.in[i].buf().put(w.in[i].offset(), inputs[i]);
      long t0 = System.nanoTime();
      runCalls(w.calls, stepNanos, perStep);
      return System.nanoTime() - t0;
    }

    Workspace borrow() {
      Workspace w = pool.pollFirst();
      if (w == null) {
        w = new Workspace(plan, kernels, params);
        all.add(w);
      }
      return w;
    }
  }

  /** Memory and bound kernel calls for one run at a time. */
  private static final class Workspace {
    final FloatBuf arena, scratch;
    final Runnable[] calls;
    final Slice[] in, out;

    Workspace(Plan plan, Kernels k, FloatBuf params) {
      arena = k.allocate(plan.arenaFloats());
      try {
        scratch = k.allocate(plan.scratchFloats());
      } catch (RuntimeException | Error e) {
        arena.close();
        throw e;
      }
      List<Plan.Step> steps = plan.steps();
      calls = new Runnable[steps.size()];
      for (int i = 0; i < calls.length; i++) calls[i] = steps.get(i).bind(k, arena, params, scratch);
      in = new Slice[plan.inputs().size()];
      for (int i = 0; i < in.length; i++) {
        String v = plan.inputs().get(i);
        in[i] = new Slice(arena, plan.offset(v), plan.shapes().get(v).numel());
      }
      out = new Slice[plan.outputs().size()];
      for (int i = 0; i < out.length; i++) {
        String v = plan.outputs().get(i);
        out[i] = new Slice(arena, plan.offset(v), plan.shapes().get(v).numel());
      }
    }

    void close() {
      arena.close();
      scratch.close();
    }
  }

  private Session(String name, Graph graph, Kernels kernels, int threads) {
    if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    this.name = name;
    this.graph = graph;
    this.kernels = kernels;
    this.threads = threads;
    Plan.requireSupported(graph);
    this.inputNames = graph.inputs().keySet().toArray(new String[0]);
    this.inputShapes = graph.inputs().values().toArray(new Shape[0]);
    this.layout = new ParamLayout(graph, kernels.usesBlockedWeights());
    this.params = kernels.allocate(layout.size());
    try {
      layout.upload(params);
      params.freeze();
    } catch (RuntimeException e) {
      params.close();
      throw e;
    }
    Parallel.acquire(threads);
  }

  /**
   * A session over {@code graph}: fused with the default rules unless {@code fuse} is false (the
   * unfused baseline runs the original graph with the same kernels and separate BN, activation
   * and add passes).
   */
  public static Session create(Graph graph, Backend backend, boolean fuse) {
    return create(graph, backend, fuse, 1);
  }

  /**
   * As {@link #create(Graph, Backend, boolean)} with {@code threads} intra-op threads per run:
   * the caller plus {@code threads - 1} workers of the shared {@link Parallel} pool.
   */
  public static Session create(Graph graph, Backend backend, boolean fuse, int threads) {
    Graph g = fuse ? Fuser.withDefaults().fuse(graph).graph() : graph;
    Kernels k = Backends.kernels(backend);
    return new Session("session[" + k.describe() + (fuse ? ", fused" : ", unfused") + ", threads=" + threads + "]", g, k, threads);
  }

  /** A session that runs {@code graph} exactly as given on {@code kernels}. */
  public static Session of(Graph graph, Kernels kernels) {
    return of(graph, kernels, 1);
  }

  /** A session that runs {@code graph} exactly as given on {@code kernels} with {@code threads} intra-op threads. */
  public static Session of(Graph graph, Kernels kernels, int threads) {
    return new Session("session[" + kernels.describe() + ", threads=" + threads + "]", graph, kernels, threads);
  }

  /** The intra-op thread count of each run. */
  public int threads() {
    return threads;
  }

  /** The graph this session runs (the fused one when fusion was asked for). */
  public Graph graph() {
    return graph;
  }

  public Kernels kernels() {
    return kernels;
  }

  /** The plan for the given input shapes (compiled on first use). */
  public Plan plan(Map<String, Shape> inputShapes) {
    lock.readLock().lock();
    try {
      ensureOpen();
      return compiled(inputShapes).plan;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Sets the thread count of each step of the plan for these shapes, replacing its tuned choice
   * (tests run the mixed path with it). Each count is 1 or this session's; runs in progress may
   * see either choice, and every choice computes the same outputs within float rounding.
   */
  void setStepThreads(Map<String, Shape> inputShapes, int[] counts) {
    lock.readLock().lock();
    try {
      ensureOpen();
      Compiled c = compiled(inputShapes);
      if (counts.length != c.stepThreads.length) {
        throw new IllegalArgumentException("step thread counts: expected " + c.stepThreads.length + " (one per step), got "
            + counts.length);
      }
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] != 1 && counts[i] != threads) {
          throw new IllegalArgumentException("step " + i + " (" + c.plan.steps().get(i).node.name() + "): expected 1 or "
              + threads + " threads, got " + counts[i]);
        }
      }
      System.arraycopy(counts, 0, c.stepThreads, 0, counts.length);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The compiled plan for these shapes, compiled (and tuned, which runs kernels on this
   * session's memory) on first use. Callers hold the read lock and have checked that the
   * session is open, so {@link #close} cannot free that memory meanwhile.
   */
  private Compiled compiled(Map<String, Shape> shapes) {
    Object key = checkShapes(shapes);
    Compiled c = plans.get(key);
    return c != null ? c : plans.computeIfAbsent(key, b -> {
      Compiled fresh = new Compiled(Plan.compile(graph, shapes, layout));
      fresh.tune();
      return fresh;
    });
  }

  /**
   * Validates names and shapes (only each input's leading dimension may differ from the declared
   * one); returns the plan key.
   */
  private Object checkShapes(Map<String, Shape> shapes) {
    long[] lead = inputNames.length == 1 ? null : new long[inputNames.length];
    long single = -1;
    if (shapes.size() != inputNames.length) rejectUnknownNames(shapes);
    for (int k = 0; k < inputNames.length; k++) {
      String name = inputNames[k];
      Shape got = shapes.get(name), want = inputShapes[k];
      if (got == null) {
        rejectUnknownNames(shapes);
        throw new IllegalArgumentException("missing input '" + name + "' of shape " + batchless(want));
      }
      boolean ok = got.rank() == want.rank() && (got.rank() == 0 || got.dim(0) >= 1);
      for (int i = 1; ok && i < want.rank(); i++) ok = got.dim(i) == want.dim(i);
      if (!ok) {
        throw new IllegalArgumentException("input '" + name + "': expected shape " + batchless(want) + ", got " + got);
      }
      long d0 = got.rank() == 0 ? 1 : got.dim(0);
      if (lead == null) single = d0;
      else lead[k] = d0;
    }
    return lead == null ? (Object) single : java.util.Arrays.stream(lead).boxed().toList();
  }

  private void rejectUnknownNames(Map<String, Shape> shapes) {
    for (String n : shapes.keySet()) {
      if (!graph.inputs().containsKey(n)) {
        throw new IllegalArgumentException("unknown input name '" + n + "', expected one of " + graph.inputs().keySet());
      }
    }
  }

  private static String batchless(Shape s) {
    if (s.rank() == 0) return "[]";
    StringBuilder sb = new StringBuilder("[N");
    for (int i = 1; i < s.rank(); i++) sb.append(", ").append(s.dim(i));
    return sb.append(']').toString();
  }

  /** Runs the graph; inputs are copied in, outputs copied into new tensors. */
  public Map<String, Tensor> run(Map<String, Tensor> inputs) {
    Map<String, Shape> shapes = new HashMap<>();
    inputs.forEach((k, v) -> shapes.put(k, v.shape()));
    Map<String, float[]> in = new HashMap<>();
    inputs.forEach((k, v) -> in.put(k, v.toArray()));
    Map<String, float[]> out = new LinkedHashMap<>();
    Plan p;
    lock.readLock().lock();
    try {
      ensureOpen();
      p = compiled(shapes).plan;
    } finally {
      lock.readLock().unlock();
    }
    for (String o : p.outputs()) out.put(o, new float[(int) p.shapes().get(o).numel()]);
    run(shapes, in, out);
    Map<String, Tensor> result = new LinkedHashMap<>();
    out.forEach((k, v) -> result.put(k, Tensor.wrap(p.shapes().get(k), v)));
    return result;
  }

  /**
   * Runs with caller-owned buffers, heap or direct (off-heap): {@code inputs} hold exactly each
   * input's element count between position and limit; {@code outputs} have exactly each output's
   * count remaining and receive the results. Positions are not changed; nothing is retained, and
   * nothing is allocated in steady state.
   */
  public void runBuffers(Map<String, Shape> inputShapes, Map<String, java.nio.FloatBuffer> inputs,
                         Map<String, java.nio.FloatBuffer> outputs) {
    runWith(inputShapes, inputs, outputs, Io.BUFFERS);
  }

  /**
   * Runs with caller-owned arrays: {@code inputs} are read, {@code outputs} (one array of the
   * exact size per graph output) are written. Allocates nothing in steady state.
   */
  public void run(Map<String, Shape> inputShapes, Map<String, float[]> inputs, Map<String, float[]> outputs) {
    runWith(inputShapes, inputs, outputs, Io.ARRAYS);
  }

  /** How caller-owned inputs and outputs of one kind are measured and copied (stateless singletons). */
  private interface Io<T> {
    long length(T t);

    boolean writable(T t);

    void copyIn(FloatBuf buf, long offset, T t);

    void copyOut(FloatBuf buf, long offset, T t);

    Io<float[]> ARRAYS = new Io<>() {
      public long length(float[] a) { return a.length; }
      public boolean writable(float[] a) { return true; }
      public void copyIn(FloatBuf b, long off, float[] a) { b.put(off, a); }
      public void copyOut(FloatBuf b, long off, float[] a) { b.get(off, a); }
    };

    Io<java.nio.FloatBuffer> BUFFERS = new Io<>() {
      public long length(java.nio.FloatBuffer f) { return f.remaining(); }
      public boolean writable(java.nio.FloatBuffer f) { return !f.isReadOnly(); }
      public void copyIn(FloatBuf b, long off, java.nio.FloatBuffer f) { b.put(off, f); }
      public void copyOut(FloatBuf b, long off, java.nio.FloatBuffer f) { b.get(off, f); }
    };
  }

  /**
   * One kernel call of a profiled run: its node, kernel, median wall-clock milliseconds, and the
   * intra-op threads it runs on (the session's, or 1 where the plan's tuning chose the caller alone).
   */
  public record StepTime(String node, String kernel, double medianMs, int threads) {}

  /**
   * Runs {@code runs} times (after one untimed run) timing every kernel call, and returns the
   * calls in plan order with their median times: where a model's time goes. The timing itself
   * costs two clock reads per call.
   */
  public List<StepTime> profile(Map<String, Shape> inputShapes, Map<String, float[]> inputs, int runs) {
    if (runs < 1) throw new IllegalArgumentException("runs must be >= 1, got " + runs);
    Compiled c;
    lock.readLock().lock();
    try {
      ensureOpen();
      c = compiled(inputShapes);
    } finally {
      lock.readLock().unlock();
    }
    Plan p = c.plan;
    Map<String, float[]> out = new HashMap<>();
    for (String o : p.outputs()) out.put(o, new float[(int) p.shapes().get(o).numel()]);
    List<Plan.Step> steps = p.steps();
    long[][] nanos = new long[steps.size()][runs];
    long[] one = new long[steps.size()];
    runWith(inputShapes, inputs, out, Io.ARRAYS, one);
    for (int r = 0; r < runs; r++) {
      runWith(inputShapes, inputs, out, Io.ARRAYS, one);
      for (int i = 0; i < one.length; i++) nanos[i][r] = one[i];
    }
    List<StepTime> result = new ArrayList<>();
    for (int i = 0; i < steps.size(); i++) {
      long[] t = nanos[i];
      result.add(new StepTime(steps.get(i).node.name(), steps.get(i).kernel, median(t) / 1e6, c.stepThreads[i]));
    }
    return result;
  }

  private <T> void runWith(Map<String, Shape> inputShapes, Map<String, T> inputs, Map<String, T> outputs, Io<T> io) {
    runWith(inputShapes, inputs, outputs, io, null);
  }

  /** As the public runs; with {@code stepNanos} non-null, each call's wall-clock time is stored in it. */
  private <T> void runWith(Map<String, Shape> inputShapes, Map<String, T> inputs, Map<String, T> outputs, Io<T> io,
                           long[] stepNanos) {
    lock.readLock().lock();
    try {
      ensureOpen();
      Compiled c = compiled(inputShapes);
      Plan p = c.plan;
      for (int i = 0; i < p.inputs().size(); i++) {
        String n = p.inputs().get(i);
        T a = inputs.get(n);
        long want = p.shapes().get(n).numel();
        if (a == null || io.length(a) != want) {
          throw new IllegalArgumentException("input '" + n + "': expected " + want + " floats for shape "
              + p.shapes().get(n) + ", got " + (a == null ? "none" : io.length(a)));
        }
      }
      for (int i = 0; i < p.outputs().size(); i++) {
        String o = p.outputs().get(i);
        T a = outputs.get(o);
        long want = p.shapes().get(o).numel();
        if (a == null || io.length(a) != want || !io.writable(a)) {
          throw new IllegalArgumentException("output '" + o + "': expected a writable array or buffer of " + want
              + " floats for shape " + p.shapes().get(o) + ", got " + (a == null ? "none" : io.length(a)));
        }
      }
      Workspace w = c.borrow();
      try {
        for (int i = 0; i < w.in.length; i++) io.copyIn(w.in[i].buf(), w.in[i].offset(), inputs.get(p.inputs().get(i)));
        runCalls(w.calls, stepNanos, c.stepThreads);
        for (int i = 0; i < w.out.length; i++) io.copyOut(w.out[i].buf(), w.out[i].offset(), outputs.get(p.outputs().get(i)));
      } finally {
        c.pool.addFirst(w);
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Runs the calls, each with its own intra-op thread count; with {@code stepNanos} non-null, timed. */
  private static void runCalls(Runnable[] calls, long[] stepNanos, int[] stepThreads) {
    int[] cell = Parallel.threadCell();
    int before = cell[0];
    try {
      for (int i = 0; i < calls.length; i++) {
        cell[0] = stepThreads[i];
        if (stepNanos == null) {
          calls[i].run();
        } else {
          long t0 = System.nanoTime();
          calls[i].run();
          stepNanos[i] = System.nanoTime() - t0;
        }
      }
    } finally {
      cell[0] = before;
    }
  }

  /**
   * The per-step thread counts that run alone (1) the steps whose lower-quartile time alone is
   * under three quarters of theirs at {@code threads}, the others at {@code threads}; null when
   * no step qualifies. Lower quartiles: a shared host's bursts (the other vCPU taken away) slow
   * the runs that need it and would otherwise decide. Rows are steps, columns rounds; sorted in place.
   */
  static int[] stepsAlone(long[][] atAll, long[][] atOne, int threads) {
    int[] choice = new int[atAll.length];
    boolean any = false;
    for (int i = 0; i < choice.length; i++) {
      boolean alone = lowerQuartile(atOne[i]) < 0.75 * lowerQuartile(atAll[i]);
      choice[i] = alone ? 1 : threads;
      any |= alone;
    }
    return any ? choice : null;
  }

  /** Whether whole runs with a choice beat those at the session's count by 3% (lower quartiles; sorted in place). */
  static boolean keepChoice(long[] withChoice, long[] withAll) {
    return lowerQuartile(withChoice) < 0.97 * lowerQuartile(withAll);
  }

  /** The lower quartile of {@code t} (sorted in place). */
  private static long lowerQuartile(long[] t) {
    java.util.Arrays.sort(t);
    return t[(t.length - 1) / 4];
  }

  /** The median of {@code t} (sorted in place). */
  private static double median(long[] t) {
    java.util.Arrays.sort(t);
    int n = t.length;
    return n % 2 == 1 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2.0;
  }

  private void ensureOpen() {
    if (closed) throw new IllegalStateException(name + " is closed");
  }

  public boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (closed) return;
      closed = true;
      for (Compiled c : plans.values()) for (Workspace w : c.all) w.close();
      plans.clear();
      params.close();
    } finally {
      lock.writeLock().unlock();
    }
    Parallel.release(threads);
  }

  @Override
  public String toString() {
    return name;
  }
}
