package dev.layerfuse.exec;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * Intra-op parallelism: one fixed pool of daemon worker threads ({@code layerfuse-worker-N})
 * shared by every session that asked for more than one thread. The pool exists while such
 * sessions are open ({@link #acquire}/{@link #release}, reference-counted) and its threads end
 * when the last one closes. A kernel splits its work with {@link #forEach}: the calling thread
 * runs parts itself and waits for the rest, so a session with {@code threads = T} never uses
 * more than T threads (itself and T - 1 workers), and with {@code T = 1} nothing leaves the
 * caller. The thread count in effect is per calling thread ({@link #threads()}), set by the
 * session for each kernel call: T, or 1 for a step its plan's tuning runs alone (see {@code Session}).
 *
 * <p>A network forks once per layer, often for a fraction of a millisecond of work, so waking a
 * parked thread (tens of microseconds on a virtual machine) would eat the gain. Idle workers
 * therefore spin for {@link #SPIN_NANOS} (system property {@code layerfuse.spin.micros}, default
 * 200; 0 parks at once) before parking, and a caller waiting for the last part spins as long
 * before it parks: between the layers of a run both threads stay awake, as ONNX Runtime's do.
 */
public final class Parallel {
  private static final ThreadLocal<int[]> THREADS = ThreadLocal.withInitial(() -> new int[] {1});
  private static final Object LOCK = new Object();
  /** Written under {@link #LOCK}; read without it by every fork. */
  private static volatile Pool pool;
  private static int users, poolSize;
  /** How long an idle worker, or a caller waiting for workers, spins before it parks. */
  static final long SPIN_NANOS = Math.max(0, Long.getLong("layerfuse.spin.micros", 200)) * 1000;
  /** Every worker thread started, so the last release can wait until each has ended. */
  private static final java.util.List<Thread> STARTED = new java.util.ArrayList<>();

  private Parallel() {}

  /** The intra-op thread count for work started on this thread (1 unless a session set it). */
  public static int threads() {
    return THREADS.get()[0];
  }

  /**
   * This thread's intra-op count as a mutable cell, for a caller that sets it per kernel call (a
   * session's per-step choice); whoever writes it restores the value it found.
   */
  static int[] threadCell() {
    return THREADS.get();
  }

  /** Runs {@code body} with {@code threads} as this thread's intra-op thread count. */
  public static void withThreads(int threads, Runnable body) {
    int[] t = THREADS.get();
    int before = t[0];
    t[0] = threads;
    try {
      body.run();
    } finally {
      t[0] = before;
    }
  }

  /** Registers a user needing {@code threads - 1} workers; starts or grows the shared pool. */
  public static void acquire(int threads) {
    if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    if (threads == 1) return;
    synchronized (LOCK) {
      users++;
      if (pool == null || poolSize < threads - 1) {
        Pool old = pool;
        poolSize = Math.max(poolSize, threads - 1);
        pool = newPool(poolSize);
        if (old != null) old.shutdown();
      }
    }
  }

  /** Unregisters a user from {@link #acquire}; the last one shuts the pool down and waits for its threads. */
  public static void release(int threads) {
    if (threads == 1) return;
    Pool done = null;
    synchronized (LOCK) {
      if (users == 0) return;
      if (--users == 0) {
        done = pool;
        pool = null;
        poolSize = 0;
      }
    }
    if (done != null) {
      done.shutdown();
      java.util.List<Thread> workers;
      synchronized (LOCK) {
        workers = new java.util.ArrayList<>(STARTED);
        if (pool == null) STARTED.clear();
      }
      try {
        for (Thread t : workers) t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static Pool newPool(int size) {
    Pool p = new Pool();
    for (int i = 0; i < size; i++) {
      Thread t = new Thread(p::work, "layerfuse-worker-" + (i + 1));
      t.setDaemon(true);
      p.workers.add(t);
      synchronized (LOCK) {
        STARTED.add(t);
      }
      t.start();
    }
    return p;
  }

  /** The workers and the queue of jobs they take: one entry per helper a job asked for. */
  private static final class Pool {
    final ConcurrentLinkedQueue<Job> queue = new ConcurrentLinkedQueue<>();
    /** Filled before the pool is published (under the pool lock), read-only afterwards. */
    final java.util.List<Thread> workers = new java.util.ArrayList<>();
    /** Workers parked or about to park: a submitter unparks these. */
    final java.util.Set<Thread> parked = java.util.concurrent.ConcurrentHashMap.newKeySet();
    volatile boolean shutdown;

    void submit(Job job, int helpers) {
      for (int i = 0; i < helpers; i++) queue.offer(job);
      // After the offer: a worker that announced parking before it re-checked the queue is woken.
      for (Thread t : parked) LockSupport.unpark(t);
    }

    void shutdown() {
      shutdown = true;
      for (Thread t : workers) LockSupport.unpark(t);
    }

    void work() {
      Thread self = Thread.currentThread();
      long idleSince = System.nanoTime();
      while (!shutdown) {
        Job job = queue.poll();
        if (job != null) {
          job.lane();
          idleSince = System.nanoTime();
        } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
          Thread.onSpinWait();
        } else {
          parked.add(self);
          if (queue.isEmpty() && !shutdown) LockSupport.park(this);
          parked.remove(self);
          idleSince = System.nanoTime();
        }
      }
    }
  }

  /**
   * One {@link #forEach}: the caller runs part 0, the other parts are claimed one at a time (by
   * workers, or by the caller once its part is done); the caller waits until all are done.
   */
  private static final class Job {
    final IntConsumer task;
    final int parts;
    final AtomicInteger next = new AtomicInteger(1), done = new AtomicInteger();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    volatile Thread waiter;

    Job(IntConsumer task, int parts) {
      this.task = task;
      this.parts = parts;
    }

    /** The caller's lane: part 0, then whatever is still unclaimed. */
    void first() {
      run(0);
      lane();
    }

    /** Claims and runs parts until none is left; after a failure the unclaimed parts are dropped. */
    void lane() {
      for (int i = next.getAndIncrement(); i < parts; i = next.getAndIncrement()) run(i);
    }

    private void run(int i) {
      int finished = 1;
      try {
        task.accept(i);
      } catch (Throwable e) {
        failure.compareAndSet(null, e);
        finished += Math.max(0, parts - next.getAndSet(parts));
      }
      if (done.addAndGet(finished) == parts) {
        Thread w = waiter;
        if (w != null) LockSupport.unpark(w);
      }
    }

    /** Spins, then parks, until every part has finished (whoever ran it). */
    void await() {
      long start = System.nanoTime();
      while (done.get() < parts) {
        if (System.nanoTime() - start < SPIN_NANOS) {
          Thread.onSpinWait();
        } else {
          waiter = Thread.currentThread();
          while (done.get() < parts) LockSupport.park(this);
          return;
        }
      }
    }
  }

  /**
   * Runs {@code task(0) .. task(parts - 1)} on the caller and up to {@link #threads()} - 1 pool
   * workers. The caller always runs part 0: kernels split consecutive layers alike (the same
   * channel ranges), so with two threads each layer's share of the data is the one its thread
   * wrote in the layer before and is still in that core's cache (when whoever came first took
   * part 0, half the layers read their input from the other core: MobileNetV2's 14 x 14
   * depthwise layers took 34 instead of 22 us). The other parts go to whoever claims them first
   * (so a thread slowed by a shared core does less, instead of the others waiting for its fixed
   * share). Runs everything on the caller when the thread count is 1, there is one part, or no
   * pool is open. Rethrows the first failure.
   */
  public static void forEach(int parts, IntConsumer task) {
    int t = Math.min(threads(), parts);
    Pool p = pool;
    if (t <= 1 || p == null) {
      for (int i = 0; i < parts; i++) task.accept(i);
      return;
    }
    Job job = new Job(task, parts);
    p.submit(job, t - 1);
    job.first();
    job.await();
    // Entries no worker took (all busy elsewhere): nothing is left for them to claim.
    while (p.queue.remove(job)) {
      // removed one
    }
    Throwable e = job.failure.get();
    if (e instanceof RuntimeException r) throw r;
    if (e instanceof Error err) throw err;
    if (e != null) throw new IllegalStateException(e);
  }
}
