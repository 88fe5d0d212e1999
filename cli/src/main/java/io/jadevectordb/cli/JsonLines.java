package io.jadevectordb.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;

/**
 * Writes vectors as JSON Lines, one {@code {"id":"...","vector":[...]}} object per line.
 *
 * <p>Each float is written with {@link Float#toString(float)}: enough digits to tell it from
 * every other float, so parsing the text back to a float (directly, or to a double and then
 * to a float) yields the same bits. JSON has no NaN or infinity; those (only present when the
 * sink allows non-finite values) are written as the strings {@code "NaN"}, {@code "Infinity"}
 * and {@code "-Infinity"}.
 */
final class JsonLines {

    private final Writer out;
    private final StringBuilder line = new StringBuilder(256);

    JsonLines(Writer out) {
        this.out = out;
    }

    /** Writes one line; I/O errors surface as {@link UncheckedIOException} (scan callbacks cannot throw). */
    void write(String id, float[] vector) {
        write(id, Double.NaN, vector);
    }

    /** Writes one line with a {@code "score"} member (as a float) between id and vector (omitted when NaN). */
    void write(String id, double score, float[] vector) {
        line.setLength(0);
        line.append("{\"id\":");
        appendString(line, id);
        if (!Double.isNaN(score)) {
            // Scores are computed from float32 vectors: printing them as floats drops digits that mean nothing.
            line.append(",\"score\":").append((float) score);
        }
        line.append(",\"vector\":[");
        for (int i = 0; i < vector.length; i++) {
            if (i > 0) {
                line.append(',');
            }
            appendFloat(line, vector[i]);
        }
        line.append("]}\n");
        try {
            out.append(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void appendFloat(StringBuilder b, float f) {
        if (Float.isFinite(f)) {
            b.append(Float.toString(f));
        } else {
            b.append('"').append(Float.toString(f)).append('"');
        }
    }

    static void appendString(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    b.append("\\\"");
                    break;
                case '\\':
                    b.append("\\\\");
                    break;
                case '\n':
                    b.append("\\n");
                    break;
                case '\r':
                    b.append("\\r");
                    break;
                case '\t':
                    b.append("\\t");
                    break;
                default:
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        b.append('"');
    }
}
