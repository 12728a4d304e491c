package dev.layerfuse.nn;

import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded random parameters for tests, demos and benchmarks: weights uniform in
 * ±1/sqrt(fan_in) (PyTorch's default scale), and BatchNorm statistics that are far from the
 * identity (means ≠ 0, variances ≠ 1, gammas of both signs), so a wrong fold cannot hide.
 */
public final class Init {
  private Init() {}

  /** Fills every parameter of {@code model} from {@code seed}. */
  public static <M extends Module> M randomize(M model, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    for (Map.Entry<String, Module> e : model.modules().entrySet()) {
      Module m = e.getValue();
      for (Map.Entry<String, Shape> p : m.localParameterShapes().entrySet()) {
        Shape s = p.getValue();
        float[] v = new float[(int) s.numel()];
        String name = p.getKey();
        if (m instanceof BatchNorm) {
          for (int i = 0; i < v.length; i++) {
            switch (name) {
              case "weight": v[i] = (float) ((0.5 + rng.nextDouble()) * (rng.nextDouble() < 0.2 ? -1 : 1)); break;
              case "bias": v[i] = (float) (rng.nextDouble() - 0.5) * 0.4f; break;
              case "running_mean": v[i] = (float) (rng.nextDouble() - 0.5) * 0.4f; break;
              case "running_var": v[i] = (float) (0.5 + rng.nextDouble() * 1.5); break;
              default: v[i] = 0f;
            }
          }
        } else {
          double fanIn = s.rank() >= 2 ? s.numel() / (double) s.dim(0) : 1;
          if (m instanceof ConvTranspose2d && s.rank() >= 2) fanIn = s.numel() / (double) s.dim(1);
          double bound = 1.0 / Math.sqrt(Math.max(1, fanIn));
          if (name.equals("bias")) bound = 0.1;
          for (int i = 0; i < v.length; i++) v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound * Math.sqrt(3));
        }
        m.load(name, Tensor.wrap(s, v));
      }
    }
    return model;
  }
}
