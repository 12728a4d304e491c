package dev.layerfuse.exec;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Intra-op parallelism: one fixed pool of daemon worker threads ({@code layerfuse-worker-N})
 * shared by every session that asked for more than one thread. The pool exists while such
 * sessions are open ({@link #acquire}/{@link #release}, reference-counted) and its threads end
 * when the last one closes. A kernel splits its work with {@link #forEach}: the calling thread
 * runs the first part and waits for the rest, so a session with {@code threads = T} uses exactly
 * T threads (itself and T - 1 workers), and with {@code T = 1} nothing leaves the caller.
 * The thread count in effect is per calling thread ({@link #threads()}), set by the session
 * around each run.
 */
public final class Parallel {
  private static final ThreadLocal<int[]> THREADS = ThreadLocal.withInitial(() -> new int[] {1});
  private static final Object LOCK = new Object();
  private static ExecutorService pool;
  private static int users, poolSize;
  /** Every worker thread started, so the last release can wait until each has ended. */
  private static final java.util.List<Thread> STARTED = new java.util.ArrayList<>();

  private Parallel() {}

  /** The intra-op thread count for work started on this thread (1 unless a session set it). */
  public static int threads() {
    return THREADS.get()[0];
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
        ExecutorService old = pool;
        poolSize = Math.max(poolSize, threads - 1);
        pool = newPool(poolSize);
        if (old != null) old.shutdown();
      }
    }
  }

  /** Unregisters a user from {@link #acquire}; the last one shuts the pool down and waits for its threads. */
  public static void release(int threads) {
    if (threads == 1) return;
    ExecutorService done = null;
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
        done.awaitTermination(10, TimeUnit.SECONDS);
        for (Thread t : workers) t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static ExecutorService newPool(int size) {
    AtomicInteger n = new AtomicInteger();
    ThreadFactory f = r -> {
      Thread t = new Thread(r, "layerfuse-worker-" + n.incrementAndGet());
      t.setDaemon(true);
      synchronized (LOCK) {
        STARTED.add(t);
      }
      return t;
    };
    return new ThreadPoolExecutor(size, size, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), f);
  }

  /**
   * Runs {@code task(0) .. task(parts - 1)} on the caller and up to {@link #threads()} - 1 pool
   * workers: each claims the next unclaimed part until none is left (so a thread slowed by a
   * shared core does less, instead of the others waiting for its fixed share). Runs everything on
   * the caller when the thread count is 1, there is one part, or no pool is open. Rethrows the
   * first failure.
   */
  public static void forEach(int parts, IntConsumer task) {
    int t = Math.min(threads(), parts);
    ExecutorService p;
    synchronized (LOCK) {
      p = pool;
    }
    if (t <= 1 || p == null) {
      for (int i = 0; i < parts; i++) task.accept(i);
      return;
    }
    java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
    Runnable lane = () -> {
      for (int i = next.getAndIncrement(); i < parts; i = next.getAndIncrement()) task.accept(i);
    };
    @SuppressWarnings("unchecked")
    Future<?>[] f = new Future<?>[t - 1];
    int submitted = 0;
    RuntimeException failure = null;
    try {
      for (int k = 1; k < t; k++) {
        f[k - 1] = p.submit(lane);
        submitted++;
      }
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // The pool closed under us: the caller's lane claims what the missing workers would have.
    }
    try {
      lane.run();
    } catch (RuntimeException e) {
      failure = e;
    }
    for (int k = 0; k < submitted; k++) {
      try {
        f[k].get();
      } catch (java.util.concurrent.ExecutionException e) {
        if (failure == null) {
          failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        if (failure == null) failure = new IllegalStateException("interrupted while waiting for workers", e);
      }
    }
    if (failure != null) throw failure;
  }
}
