package dev.layerfuse.nn;

import java.util.Map;

/**
 * {@code nn.Sequential}: children applied in order, named "0", "1", ... or by the names given to
 * {@link #named}. Nestable.
 */
public final class Sequential extends Module {

  /** Children named by position, as {@code nn.Sequential(a, b, c)}. */
  public Sequential(Module... modules) {
    for (int i = 0; i < modules.length; i++) child(Integer.toString(i), modules[i]);
  }

  private Sequential() {}

  /** Children with explicit names, in order (as {@code nn.Sequential(OrderedDict(...))}). */
  public static Sequential named(Object... nameModulePairs) {
    if (nameModulePairs.length % 2 != 0) throw new IllegalArgumentException("Sequential.named takes name, module pairs");
    Sequential s = new Sequential();
    for (int i = 0; i < nameModulePairs.length; i += 2) {
      if (!(nameModulePairs[i] instanceof String name) || !(nameModulePairs[i + 1] instanceof Module m)) {
        throw new IllegalArgumentException("Sequential.named: argument " + i + " must be a name followed by a module");
      }
      s.child(name, m);
    }
    return s;
  }

  @Override
  protected String emit(GraphBuilder b, String path, String input) {
    String v = input;
    for (Map.Entry<String, Module> e : children().entrySet()) v = e.getValue().emit(b, join(path, e.getKey()), v);
    return v;
  }
}
