package dev.layerfuse.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
  @TempDir Path dir;

  private Path file(String header, byte[] data) throws Exception {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
    out.write(h);
    out.write(data);
    Path p = dir.resolve("t" + System.nanoTime() + ".safetensors");
    Files.write(p, out.toByteArray());
    return p;
  }

  @Test
  void readsAndConvertsDtypes() throws Exception {
    ByteBuffer d = ByteBuffer.allocate(4 * 2 + 2 * 2 + 2 * 2 + 8).order(ByteOrder.LITTLE_ENDIAN);
    d.putFloat(1.5f).putFloat(-2f);
    d.putShort((short) 0x3C00).putShort((short) 0xC000); // f16 1.0, -2.0
    d.putShort((short) 0x3FC0).putShort((short) 0x4040); // bf16 1.5, 3.0
    d.putLong(42);
    Path p = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[8,12]},"
        + "\"c\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[12,16]},"
        + "\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[16,24]},\"__metadata__\":{\"format\":\"pt\"}}", d.array());
    Map<String, Tensor> t = SafeTensors.read(p);
    assertArrayEquals(new float[] {1.5f, -2f}, t.get("a").toArray());
    assertArrayEquals(new float[] {1f, -2f}, t.get("b").toArray());
    assertEquals(Shape.of(1, 2), t.get("c").shape());
    assertArrayEquals(new float[] {1.5f, 3f}, t.get("c").toArray());
    assertEquals(42f, t.get("n").get(0));
  }

  @Test
  void halfPrecisionEdgeCases() {
    assertEquals(Float.POSITIVE_INFINITY, dev.layerfuse.tensor.Half.toFloat((short) 0x7C00));
    assertTrue(Float.isNaN(dev.layerfuse.tensor.Half.toFloat((short) 0x7E00)));
    assertEquals(0x1p-24f, dev.layerfuse.tensor.Half.toFloat((short) 0x0001));
    assertEquals(65504f, dev.layerfuse.tensor.Half.toFloat((short) 0x7BFF));
  }

  @Test
  void hostileFilesGetClearErrors() throws Exception {
    Path tiny = dir.resolve("tiny");
    Files.write(tiny, new byte[] {1, 2});
    assertTrue(assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(tiny)).getMessage().contains("shorter"));
    Path huge = dir.resolve("huge");
    Files.write(huge, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE).array());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(huge)).getMessage().contains("header length"));
    Path notJson = file("{\"a\":", new byte[0]);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(notJson)).getMessage().contains("not valid JSON"));
    Path outside = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[8]);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(outside)).getMessage().contains("fall outside"));
    Path wrongLen = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(wrongLen)).getMessage().contains("needs 12"));
    Path overflow = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", new byte[8]);
    assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(overflow));
    Path dtype = file("{\"a\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(dtype)).getMessage().contains("unsupported dtype C64"));
    Path deep = file("[".repeat(10_000), new byte[0]);
    assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(deep));
  }

  @Test
  void npyRoundTripAndErrors() throws Exception {
    Tensor t = Tensor.of(Shape.of(2, 3), new float[] {1, 2, 3, 4, 5, -6});
    Path p = dir.resolve("a.npy");
    Npy.write(p, t);
    Tensor back = Npy.read(p);
    assertEquals(t.shape(), back.shape());
    assertArrayEquals(t.toArray(), back.toArray());
    Tensor vec = Tensor.of(Shape.of(3), new float[] {1, 2, 3});
    Npy.write(p, vec);
    assertEquals(Shape.of(3), Npy.read(p).shape());
    Files.write(p, "not numpy at all".getBytes(StandardCharsets.UTF_8));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Npy.read(p)).getMessage().contains("magic"));
  }
}
