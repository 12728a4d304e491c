package dev.layerfuse.fuse;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a fusion did: the groups of original nodes each fused node came from and the rules that
 * fused them, what was declined and why, notes (e.g. a shared weight folded into a copy), and
 * node and parameter counts before and after.
 */
public record FusionReport(List<Fused> fused, List<Declined> declined, List<String> notes,
                           int nodesBefore, int nodesAfter, long parametersBefore, long parametersAfter) {

  /** Node {@code result} replaces the original nodes {@code nodes}, by {@code rules} in order. */
  public record Fused(String result, List<String> nodes, List<String> rules) {}

  /** Rule {@code rule} matched {@code nodes} but declined, for {@code reason}. */
  public record Declined(String rule, List<String> nodes, String reason) {}

  public FusionReport {
    fused = List.copyOf(fused);
    declined = List.copyOf(declined);
    notes = List.copyOf(notes);
  }

  /** The ids of every rule that fired at least once. */
  public List<String> rulesApplied() {
    List<String> out = new ArrayList<>();
    for (Fused f : fused) for (String r : f.rules()) if (!out.contains(r)) out.add(r);
    return out;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "fusion: %d -> %d nodes, %d -> %d parameters%n",
        nodesBefore, nodesAfter, parametersBefore, parametersAfter));
    for (Fused f : fused) {
      sb.append("  fused   ").append(String.join(" + ", f.nodes())).append(" -> ")
          .append(f.result().isEmpty() ? "(removed)" : f.result()).append("  [").append(String.join(", ", f.rules())).append("]\n");
    }
    for (Declined d : declined) {
      sb.append("  declined ").append(d.rule()).append(" on ").append(String.join(" + ", d.nodes()))
          .append(": ").append(d.reason()).append('\n');
    }
    for (String n : notes) sb.append("  note    ").append(n).append('\n');
    return sb.toString();
  }

  /** The report as a JSON object. */
  public String toJson() {
    StringBuilder sb = new StringBuilder("{");
    sb.append("\"nodes_before\":").append(nodesBefore).append(",\"nodes_after\":").append(nodesAfter)
        .append(",\"parameters_before\":").append(parametersBefore).append(",\"parameters_after\":").append(parametersAfter)
        .append(",\"fused\":[");
    for (int i = 0; i < fused.size(); i++) {
      Fused f = fused.get(i);
      if (i > 0) sb.append(',');
      sb.append("{\"result\":").append(q(f.result())).append(",\"nodes\":").append(list(f.nodes()))
          .append(",\"rules\":").append(list(f.rules())).append('}');
    }
    sb.append("],\"declined\":[");
    for (int i = 0; i < declined.size(); i++) {
      Declined d = declined.get(i);
      if (i > 0) sb.append(',');
      sb.append("{\"rule\":").append(q(d.rule())).append(",\"nodes\":").append(list(d.nodes()))
          .append(",\"reason\":").append(q(d.reason())).append('}');
    }
    sb.append("],\"notes\":").append(list(notes)).append('}');
    return sb.toString();
  }

  private static String list(List<String> items) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) sb.append(',');
      sb.append(q(items.get(i)));
    }
    return sb.append(']').toString();
  }

  static String q(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"': sb.append("\\\""); break;
        case '\\': sb.append("\\\\"); break;
        case '\n': sb.append("\\n"); break;
        case '\t': sb.append("\\t"); break;
        default:
          if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
          else sb.append(c);
      }
    }
    return sb.append('"').toString();
  }
}
