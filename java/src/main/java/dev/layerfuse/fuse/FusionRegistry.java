package dev.layerfuse.fuse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An immutable, ordered set of fusion rules with some of them switched off. {@link #defaults()}
 * holds the built-in rules; {@link #with} adds a rule or overrides one with the same id (keeping
 * its place), {@link #disable} switches rules off. Every method returns a new registry.
 */
public final class FusionRegistry {
  /** System property: a comma-separated list of rule ids to switch off. */
  public static final String DISABLE_PROPERTY = "layerfuse.fuse.disable";

  private static final FusionRegistry DEFAULTS = new FusionRegistry(DefaultRules.all(), Set.of());

  private final Map<String, FusionRule> rules;
  private final Set<String> disabled;

  private FusionRegistry(List<FusionRule> rules, Set<String> disabled) {
    Map<String, FusionRule> m = new LinkedHashMap<>();
    for (FusionRule r : rules) {
      if (m.put(r.id(), r) != null) throw new IllegalArgumentException("duplicate rule id '" + r.id() + "'");
    }
    this.rules = Collections.unmodifiableMap(m);
    this.disabled = Collections.unmodifiableSet(new LinkedHashSet<>(disabled));
  }

  /** The built-in rules, all enabled. */
  public static FusionRegistry defaults() {
    return DEFAULTS;
  }

  /** The built-in rules less those named by {@code -Dlayerfuse.fuse.disable}. */
  public static FusionRegistry fromSystemProperties() {
    String v = System.getProperty(DISABLE_PROPERTY, "").trim();
    if (v.isEmpty()) return DEFAULTS;
    try {
      return DEFAULTS.disable(Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toArray(String[]::new));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("-D" + DISABLE_PROPERTY + "=" + v + ": " + e.getMessage(), e);
    }
  }

  /** Adds {@code rule}, or replaces the rule with its id in place. */
  public FusionRegistry with(FusionRule rule) {
    List<FusionRule> list = new ArrayList<>();
    boolean replaced = false;
    for (FusionRule r : rules.values()) {
      if (r.id().equals(rule.id())) {
        list.add(rule);
        replaced = true;
      } else {
        list.add(r);
      }
    }
    if (!replaced) list.add(rule);
    return new FusionRegistry(list, disabled);
  }

  /** Switches rules off; an unknown id throws, naming the known ones. */
  public FusionRegistry disable(String... ids) {
    Set<String> d = new LinkedHashSet<>(disabled);
    for (String id : ids) {
      if (!rules.containsKey(id)) throw new IllegalArgumentException("unknown fusion rule '" + id + "', known: " + rules.keySet());
      d.add(id);
    }
    return new FusionRegistry(new ArrayList<>(rules.values()), d);
  }

  /** The enabled rules in application order. */
  public List<FusionRule> enabled() {
    List<FusionRule> out = new ArrayList<>();
    for (FusionRule r : rules.values()) if (!disabled.contains(r.id())) out.add(r);
    return List.copyOf(out);
  }

  public List<String> ids() {
    return List.copyOf(rules.keySet());
  }

  public Set<String> disabled() {
    return disabled;
  }

  public FusionRule rule(String id) {
    FusionRule r = rules.get(id);
    if (r == null) throw new IllegalArgumentException("unknown fusion rule '" + id + "', known: " + rules.keySet());
    return r;
  }
}
