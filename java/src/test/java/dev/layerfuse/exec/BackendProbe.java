package dev.layerfuse.exec;

/** Run in a child JVM by {@link BackendSelectionTest}: resolves backends and reports what it got. */
public final class BackendProbe {
  private BackendProbe() {}

  public static void main(String[] args) {
    String what = args.length > 0 ? args[0] : "auto";
    try {
      switch (what) {
        case "auto": {
          Kernels k1 = Backends.kernels(Backend.AUTO);
          Kernels k2 = Backends.kernels(Backend.AUTO);
          Gemm g = Gemm.of(2, 2, 2).activation(Activation.relu()).build();
          try (FloatBuf a = k1.allocate(4); FloatBuf b = k1.allocate(4); FloatBuf c = k1.allocate(4)) {
            a.put(0, new float[] {1, 2, 3, 4});
            b.put(0, new float[] {1, 0, 0, -1});
            k2.gemm(g, a, 0, b, 0, null, 0, null, 0, c, 0);
            float[] out = new float[4];
            c.get(0, out);
            System.out.println("result=" + java.util.Arrays.toString(out));
          }
          System.out.println("backend=" + k1.describe());
          break;
        }
        case "native":
          System.out.println("backend=" + Backends.kernels(Backend.NATIVE).describe());
          break;
        default:
          throw new IllegalArgumentException(what);
      }
    } catch (RuntimeException e) {
      System.out.println("error=" + e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }
}
