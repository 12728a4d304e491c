package dev.layerfuse.cli;

import dev.layerfuse.io.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code layerfuse bench-compare}: two JMH JSON result files, entries matched on benchmark and
 * params. An entry is flagged if and only if it is slower by more than the threshold and the
 * two runs' {@code scoreConfidence} intervals do not overlap. Writes a Markdown table and an SVG
 * chart of the ratios.
 */
final class BenchCompare {
  private BenchCompare() {}

  /** One JMH result: score with its confidence interval; {@code higherIsBetter} for throughput modes. */
  record Entry(String key, String mode, String unit, double score, double lo, double hi) {
    boolean higherIsBetter() {
      return mode.equals("thrpt");
    }
  }

  /** A matched pair: ratio > 1 means slower, whatever the mode. */
  record Change(String key, Entry base, Entry cur, double slowdown, boolean overlap, boolean flagged) {}

  static int run(String[] argv, PrintStream out) {
    if (argv.length == 1 && argv[0].equals("--help")) {
      out.println("Usage: layerfuse bench-compare BASELINE.json CURRENT.json [--threshold 5%] [--out DIR]");
      out.println("Compares two JMH JSON result files (entries matched on benchmark + params). Flags an entry if and");
      out.println("only if it is slower by more than the threshold AND the two 99.9% confidence intervals do not");
      out.println("overlap. Writes bench-compare.md and bench-compare.svg into DIR (default: beside CURRENT).");
      out.println("Exit status 1 if anything is flagged, 0 otherwise, 2 for bad input.");
      return Main.OK;
    }
    Args a = Args.parse(argv, Set.of("--threshold", "--out"), Set.of());
    if (a.positional.size() != 2) throw new Main.UsageException("expects BASELINE.json CURRENT.json");
    double threshold = threshold(a.one("--threshold", "5%"));
    Path basePath = Path.of(a.positional.get(0)), curPath = Path.of(a.positional.get(1));
    Map<String, Entry> base = read(basePath), cur = read(curPath);
    List<Change> changes = new ArrayList<>();
    List<String> onlyBase = new ArrayList<>(), onlyCur = new ArrayList<>();
    for (Map.Entry<String, Entry> e : base.entrySet()) {
      Entry c = cur.get(e.getKey());
      if (c == null) {
        onlyBase.add(e.getKey());
        continue;
      }
      changes.add(compare(e.getValue(), c, threshold));
    }
    for (String k : cur.keySet()) if (!base.containsKey(k)) onlyCur.add(k);
    String md = markdown(changes, onlyBase, onlyCur, threshold);
    out.print(md);
    Path dir = a.one("--out", null) != null ? Path.of(a.one("--out", null))
        : curPath.toAbsolutePath().getParent();
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("bench-compare.md"), md, StandardCharsets.UTF_8);
      Files.writeString(dir.resolve("bench-compare.svg"), svg(changes, threshold), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new Main.UsageException("cannot write into " + dir + ": " + e.getMessage());
    }
    long flagged = changes.stream().filter(Change::flagged).count();
    out.println(flagged == 0 ? "no regression beyond " + pct(threshold) + " outside the noise"
        : flagged + " regression(s) flagged; wrote " + dir.resolve("bench-compare.md"));
    return flagged == 0 ? Main.OK : Main.CHECK_FAILED;
  }

  static double threshold(String v) {
    String s = v.trim();
    boolean percent = s.endsWith("%");
    if (percent) s = s.substring(0, s.length() - 1);
    try {
      double t = Double.parseDouble(s);
      if (percent || t >= 1) t /= 100;
      if (!(t >= 0) || t > 10) throw new Main.UsageException("--threshold must be between 0% and 1000%, got " + v);
      return t;
    } catch (NumberFormatException e) {
      throw new Main.UsageException("--threshold expects a percentage like 5% or 0.05, got '" + v + "'");
    }
  }

  static Change compare(Entry b, Entry c, double threshold) {
    double slowdown = b.higherIsBetter() ? b.score() / c.score() : c.score() / b.score();
    boolean overlap = c.lo() <= b.hi() && b.lo() <= c.hi();
    boolean flagged = slowdown > 1 + threshold && !overlap;
    return new Change(b.key(), b, c, slowdown, overlap, flagged);
  }

  /** Reads a JMH JSON result array into entries keyed by benchmark + sorted params. */
  @SuppressWarnings("unchecked")
  static Map<String, Entry> read(Path file) {
    if (!Files.isRegularFile(file)) throw new Main.UsageException("no such file: " + file);
    Object root;
    try {
      root = Json.parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException | IllegalArgumentException e) {
      throw new Main.UsageException(file + " is not JSON: " + e.getMessage());
    }
    if (!(root instanceof List)) throw new Main.UsageException(file + ": expected a JMH JSON array of results");
    Map<String, Entry> out = new LinkedHashMap<>();
    int i = 0;
    for (Object o : (List<Object>) root) {
      String where = file + " entry " + i++;
      if (!(o instanceof Map)) throw new Main.UsageException(where + ": not an object");
      Map<String, Object> m = (Map<String, Object>) o;
      if (!(m.get("benchmark") instanceof String bench)) throw new Main.UsageException(where + ": no \"benchmark\"");
      Map<String, Object> params = m.get("params") instanceof Map ? (Map<String, Object>) m.get("params") : Map.of();
      String key = bench + (params.isEmpty() ? "" : new TreeMap<>(params).toString());
      if (!(m.get("primaryMetric") instanceof Map)) throw new Main.UsageException(where + " (" + key + "): no \"primaryMetric\"");
      Map<String, Object> pm = (Map<String, Object>) m.get("primaryMetric");
      double score = number(pm.get("score"), where + " score");
      double lo = score, hi = score;
      if (pm.get("scoreConfidence") instanceof List<?> ci && ci.size() == 2) {
        lo = number(ci.get(0), where + " scoreConfidence");
        hi = number(ci.get(1), where + " scoreConfidence");
      }
      String mode = m.get("mode") instanceof String s ? s : "avgt";
      String unit = pm.get("scoreUnit") instanceof String s ? s : "";
      if (out.put(key, new Entry(key, mode, unit, score, Math.min(lo, hi), Math.max(lo, hi))) != null) {
        throw new Main.UsageException(file + ": " + key + " appears twice");
      }
    }
    return out;
  }

  private static double number(Object o, String what) {
    if (o instanceof Number n) return n.doubleValue();
    if (o instanceof String s && s.equals("NaN")) return Double.NaN;
    throw new Main.UsageException(what + ": expected a number, got " + o);
  }

  private static String pct(double v) {
    return String.format(Locale.ROOT, "%.1f%%", v * 100);
  }

  static String markdown(List<Change> changes, List<String> onlyBase, List<String> onlyCur, double threshold) {
    StringBuilder b = new StringBuilder();
    b.append("| benchmark | baseline | current | unit | change | confidence | flagged |\n");
    b.append("|---|---|---|---|---|---|---|\n");
    for (Change c : changes) {
      String conf = c.overlap() ? "intervals overlap (within noise)" : "intervals disjoint (significant)";
      b.append(String.format(Locale.ROOT, "| %s | %.4g [%.4g, %.4g] | %.4g [%.4g, %.4g] | %s | %+.1f%% %s | %s | %s |%n",
          c.key(), c.base().score(), c.base().lo(), c.base().hi(), c.cur().score(), c.cur().lo(), c.cur().hi(),
          c.cur().unit(), (c.slowdown() - 1) * 100, c.slowdown() > 1 ? "slower" : "faster", conf, c.flagged() ? "**REGRESSION**" : ""));
    }
    for (String k : onlyBase) b.append("| ").append(k).append(" | | | | removed | | |\n");
    for (String k : onlyCur) b.append("| ").append(k).append(" | | | | added | | |\n");
    b.append("\nthreshold ").append(pct(threshold)).append("; flagged = slower by more than the threshold and disjoint intervals\n");
    return b.toString();
  }

  /** A horizontal bar chart of current/baseline time ratios (1.0 line, threshold line, regressions red). */
  static String svg(List<Change> changes, double threshold) {
    int rowH = 22, left = 420, width = 360, top = 30;
    double max = Math.max(1 + threshold, 1.2);
    for (Change c : changes) if (Double.isFinite(c.slowdown())) max = Math.max(max, c.slowdown());
    max = Math.ceil(max * 10) / 10;
    int h = top + rowH * Math.max(1, changes.size()) + 30;
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n",
        left + width + 80, h));
    s.append("<text x=\"10\" y=\"18\">slowdown (current / baseline time); red = flagged</text>\n");
    double scale = width / max;
    for (double v : new double[] {1.0, 1 + threshold}) {
      int x = left + (int) Math.round(v * scale);
      s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-dasharray=\"4\"/>%n",
          x, top - 5, x, h - 20, v == 1.0 ? "black" : "orange"));
    }
    int row = 0;
    for (Change c : changes) {
      int y = top + row++ * rowH;
      double r = Double.isFinite(c.slowdown()) ? c.slowdown() : 0;
      String color = c.flagged() ? "#d62728" : r > 1 ? "#ff9896" : "#2ca02c";
      s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", left - 6, y + 14, escape(c.key())));
      s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>%n",
          left, y + 3, (int) Math.round(r * scale), rowH - 6, color));
      s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%.3f</text>%n", left + (int) Math.round(r * scale) + 4, y + 14, r));
    }
    return s.append("</svg>\n").toString();
  }

  private static String escape(String v) {
    return v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
