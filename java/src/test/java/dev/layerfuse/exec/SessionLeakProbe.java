package dev.layerfuse.exec;

import dev.layerfuse.graph.Graph;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;

/**
 * Run in a child JVM with a fixed, pre-touched heap (so Java heap pages becoming resident do not
 * count as growth) by {@link SessionTest}: creates, runs and closes 1,000 sessions and prints
 * JavaCPP's byte count before and after, RSS at cycles 100 and 1,000, and surviving threads.
 */
public final class SessionLeakProbe {
  private SessionLeakProbe() {}

  public static void main(String[] args) throws Exception {
    Kernels k = Backends.kernels(Backend.valueOf(args[0]));
    Graph g = dev.layerfuse.fuse.Fuser.withDefaults().fuse(SessionTest.smallCnn()).graph();
    Map<String, Tensor> in = Map.of("input", Tensor.wrap(Shape.of(2, 3, 16, 16), SessionTest.input(1, 2)));
    java.util.Set<Thread> threadsBefore = Thread.getAllStackTraces().keySet();
    long before = Pointer.totalBytes(), rss100 = 0;
    for (int i = 0; i < 1000; i++) {
      try (Session s = Session.of(g, k, 2)) {
        s.run(in);
      }
      if (i == 100) rss100 = SessionTest.settledRss();
    }
    long rss1000 = SessionTest.settledRss();
    long extraThreads = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !threadsBefore.contains(t) && t.getName().startsWith("layerfuse")).count();
    System.out.println("before=" + before + " after=" + Pointer.totalBytes() + " rss100=" + rss100 + " rss1000=" + rss1000
        + " threads=" + extraThreads);
  }
}
