package io.jadevectordb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.util.Random;

import org.junit.jupiter.api.Test;

class JsonLinesTest {

    @Test
    void everyFiniteFloatRoundTripsBitExactAsFloatAndThroughDouble() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int i = 0; i < 2_000_000; i++) {
            float f = Float.intBitsToFloat(random.nextInt());
            if (!Float.isFinite(f)) {
                continue;
            }
            StringBuilder b = new StringBuilder();
            JsonLines.appendFloat(b, f);
            String text = b.toString();
            int bits = Float.floatToRawIntBits(f);
            assertThat(Float.floatToRawIntBits(Float.parseFloat(text))).as("seed %d: %s", seed, text).isEqualTo(bits);
            assertThat(Float.floatToRawIntBits((float) Double.parseDouble(text))).as("seed %d: %s", seed, text).isEqualTo(bits);
        }
    }

    @Test
    void writesOneObjectPerLineWithEscapedIdsAndNonFiniteValuesAsStrings() {
        StringWriter out = new StringWriter();
        JsonLines lines = new JsonLines(out);
        lines.write("a\"b\\c\nd\u0001é", new float[] {1.5f, -0.0f, Float.NaN, Float.NEGATIVE_INFINITY});
        lines.write("x", 0.25, new float[] {1e-45f}, null);
        assertThat(out.toString()).isEqualTo("{\"id\":\"a\\\"b\\\\c\\nd\\u0001é\",\"vector\":[1.5,-0.0,\"NaN\",\"-Infinity\"]}\n"
                + "{\"id\":\"x\",\"score\":0.25,\"vector\":[1.4E-45]}\n");
    }
}
