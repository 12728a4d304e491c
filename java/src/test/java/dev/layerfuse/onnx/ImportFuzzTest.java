package dev.layerfuse.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.exec.Jvm;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** 1,000 mutated and truncated models through the importer in a JVM with -Xmx256m. */
class ImportFuzzTest {
  @Test
  void mutantsLoadOrFailWithTheLibrarysOwnException() throws Exception {
    String model = OnnxProtoTest.shared("fixtures/tinynet/tinynet.onnx").toString();
    Jvm.Result r = Jvm.run(false, List.of("-Xmx256m"), Map.of(), ImportFuzzProbe.class, model, "1000");
    assertEquals(0, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("loaded="), r.out());
    long slowest = Long.parseLong(r.out().replaceAll("(?s).*slowest_ms=(\\d+).*", "$1"));
    assertTrue(slowest < 1000, "a mutant took " + slowest + " ms: " + r.out());
  }
}
