package dev.layerfuse.bench;

import dev.layerfuse.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a JMH JSON result file of {@link PatternBenchmark} / {@link NetworkBenchmark} into the
 * ratio table: per case and thread count, fused and unfused on each engine with JMH's 99.9%
 * error, fused/unfused, native/Java and layerfuse/ONNX Runtime (fused against all optimisations).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.layerfuse.bench.Summary RESULT.json}.
 */
public final class Summary {
  private Summary() {}

  private record Score(double score, double error) {
    String show() {
      return Double.isNaN(score) ? "-" : String.format(Locale.ROOT, "%.3f ± %.3f", score, error);
    }
  }

  @SuppressWarnings("unchecked")
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: Summary RESULT.json");
      System.exit(2);
    }
    List<Object> results = (List<Object>) Json.parse(Files.readString(Path.of(args[0])));
    // case -> engine -> variant -> score
    Map<String, Map<String, Map<String, Score>>> table = new TreeMap<>();
    for (Object o : results) {
      Map<String, Object> r = (Map<String, Object>) o;
      String bench = (String) r.get("benchmark");
      Map<String, Object> p = (Map<String, Object>) r.getOrDefault("params", Map.of());
      String caseName = p.getOrDefault("pattern", p.getOrDefault("model", bench)) + " t" + p.getOrDefault("threads", "1");
      String engine = String.valueOf(p.getOrDefault("engine", "?"));
      String variant = bench.substring(bench.lastIndexOf('.') + 1);
      Map<String, Object> pm = (Map<String, Object>) r.get("primaryMetric");
      double score = ((Number) pm.get("score")).doubleValue();
      double err = pm.get("scoreError") instanceof Number n ? n.doubleValue() : Double.NaN;
      table.computeIfAbsent(caseName, k -> new TreeMap<>()).computeIfAbsent(engine, k -> new TreeMap<>()).put(variant, new Score(score, err));
    }
    System.out.println("| case | engine | fused ms | unfused ms | fused/unfused |");
    System.out.println("|---|---|---|---|---|");
    StringBuilder ratios = new StringBuilder();
    ratios.append("\n| case | native/Java (fused) | layerfuse native / ORT all-opt | layerfuse native unfused / ORT no-opt |\n");
    ratios.append("|---|---|---|---|\n");
    for (Map.Entry<String, Map<String, Map<String, Score>>> c : table.entrySet()) {
      for (Map.Entry<String, Map<String, Score>> e : c.getValue().entrySet()) {
        Score f = e.getValue().getOrDefault("fused", new Score(Double.NaN, 0));
        Score u = e.getValue().getOrDefault("unfused", new Score(Double.NaN, 0));
        System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %.3f |%n", c.getKey(), e.getKey(), f.show(), u.show(), f.score() / u.score());
      }
      ratios.append(String.format(Locale.ROOT, "| %s | %s | %s | %s |%n", c.getKey(),
          ratio(c.getValue(), "NATIVE", "JAVA", "fused", "fused"), ratio(c.getValue(), "NATIVE", "ORT", "fused", "fused"),
          ratio(c.getValue(), "NATIVE", "ORT", "unfused", "unfused")));
    }
    System.out.print(ratios);
  }

  private static String ratio(Map<String, Map<String, Score>> c, String a, String b, String va, String vb) {
    Score x = c.getOrDefault(a, Map.of()).get(va), y = c.getOrDefault(b, Map.of()).get(vb);
    return x == null || y == null ? "-" : String.format(Locale.ROOT, "%.3f", x.score() / y.score());
  }
}
