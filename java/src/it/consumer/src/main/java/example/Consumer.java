package example;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.exec.Backend;
import dev.layerfuse.exec.Backends;
import dev.layerfuse.exec.FloatBuf;
import dev.layerfuse.exec.Gemm;
import dev.layerfuse.exec.Kernels;

/** Runs one GEMM+ReLU on the native backend; exits 1 unless it ran natively and correctly. */
public final class Consumer {
  public static void main(String[] args) {
    Kernels k = Backends.kernels(Backend.NATIVE); // throws if the native library cannot load
    Gemm g = Gemm.of(2, 2, 2).activation(Activation.relu()).build();
    try (FloatBuf a = k.allocate(4); FloatBuf b = k.allocate(4); FloatBuf c = k.allocate(4)) {
      a.put(0, new float[] {1, 2, 3, 4});
      b.put(0, new float[] {1, 0, 0, -1});
      k.gemm(g, a, 0, b, 0, null, 0, null, 0, c, 0);
      float[] out = new float[4];
      c.get(0, out);
      boolean ok = out[0] == 1 && out[1] == 0 && out[2] == 3 && out[3] == 0;
      System.out.println("consumer: " + Backends.describe() + " result=" + java.util.Arrays.toString(out));
      if (!ok || k.backend() != Backend.NATIVE) System.exit(1);
    }
  }
}
