package dev.layerfuse.nn;

import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads parameters into a module by PyTorch state_dict name, reporting missing, unexpected and
 * mis-shaped keys as {@code load_state_dict} does. Loading is all or nothing: with
 * {@code strict}, any problem throws before a single parameter changes; without it, the
 * matching keys load and the report lists the rest (mis-shaped keys always throw).
 */
public final class StateDict {
  private StateDict() {}

  /** What a load found. */
  public record LoadReport(List<String> missing, List<String> unexpected, List<String> mismatched, int loaded) {
    public boolean clean() {
      return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty();
    }

    @Override
    public String toString() {
      return "loaded " + loaded + " tensors; missing keys " + missing + "; unexpected keys " + unexpected
          + "; size mismatches " + mismatched;
    }
  }

  public static LoadReport load(Module model, Map<String, Tensor> tensors, boolean strict) {
    Map<String, Module> modules = model.modules();
    Map<String, Module> owner = new LinkedHashMap<>();
    Map<String, String> local = new LinkedHashMap<>();
    Map<String, Shape> expected = new LinkedHashMap<>();
    modules.forEach((path, m) -> m.localParameterShapes().forEach((name, shape) -> {
      String key = path.isEmpty() ? name : path + "." + name;
      owner.put(key, m);
      local.put(key, name);
      expected.put(key, shape);
    }));
    List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), mismatched = new ArrayList<>();
    for (String key : expected.keySet()) {
      if (!tensors.containsKey(key)) missing.add(key);
    }
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      Shape want = expected.get(e.getKey());
      if (want == null) {
        unexpected.add(e.getKey());
      } else if (!want.equals(e.getValue().shape())) {
        mismatched.add(e.getKey() + ": checkpoint has shape " + e.getValue().shape() + ", the model expects " + want);
      }
    }
    LoadReport report = new LoadReport(missing, unexpected, mismatched,
        (int) tensors.keySet().stream().filter(k -> expected.containsKey(k) && expected.get(k).equals(tensors.get(k).shape())).count());
    if (!mismatched.isEmpty() || (strict && !report.clean())) {
      throw new IllegalArgumentException("error(s) loading state_dict, nothing was loaded: " + report);
    }
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      Module m = owner.get(e.getKey());
      if (m != null) m.load(local.get(e.getKey()), e.getValue());
    }
    return report;
  }
}
