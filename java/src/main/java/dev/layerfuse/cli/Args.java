package dev.layerfuse.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line arguments of one command: options that take a value ({@code --json FILE}, also
 * {@code --json=FILE}), flags, and positional arguments. Unknown options and missing values are
 * {@link Main.UsageException}s.
 */
final class Args {
  final List<String> positional = new ArrayList<>();
  final Map<String, List<String>> values = new LinkedHashMap<>();
  final java.util.Set<String> flags = new java.util.HashSet<>();

  static Args parse(String[] args, Set<String> withValue, Set<String> flagNames) {
    Args a = new Args();
    for (int i = 0; i < args.length; i++) {
      String s = args[i];
      if (s.startsWith("-") && s.length() > 1) {
        String name = s, inline = null;
        int eq = s.indexOf('=');
        if (s.startsWith("--") && eq > 0) {
          name = s.substring(0, eq);
          inline = s.substring(eq + 1);
        }
        if (withValue.contains(name)) {
          String v = inline;
          if (v == null) {
            if (i + 1 >= args.length) throw new Main.UsageException(name + " needs a value");
            v = args[++i];
          }
          a.values.computeIfAbsent(name, k -> new ArrayList<>()).add(v);
        } else if (flagNames.contains(s)) {
          a.flags.add(s);
        } else {
          throw new Main.UsageException("unknown option " + s);
        }
      } else {
        a.positional.add(s);
      }
    }
    return a;
  }

  String one(String name, String dflt) {
    List<String> v = values.get(name);
    if (v == null) return dflt;
    if (v.size() > 1) throw new Main.UsageException(name + " given " + v.size() + " times");
    return v.get(0);
  }

  List<String> all(String name) {
    return values.getOrDefault(name, List.of());
  }

  int positiveInt(String name, int dflt) {
    String v = one(name, null);
    if (v == null) return dflt;
    try {
      int n = Integer.parseInt(v);
      if (n < 1) throw new Main.UsageException(name + " must be >= 1, got " + v);
      return n;
    } catch (NumberFormatException e) {
      throw new Main.UsageException(name + " expects a whole number, got '" + v + "'");
    }
  }

  /** The single positional argument (a model file), or a usage error naming what was expected. */
  String model(String usage) {
    if (positional.size() != 1) {
      throw new Main.UsageException(positional.isEmpty() ? "expects " + usage : "expects one MODEL.onnx, got " + positional);
    }
    return positional.get(0);
  }

  boolean has(String flag) {
    return flags.contains(flag);
  }
}
