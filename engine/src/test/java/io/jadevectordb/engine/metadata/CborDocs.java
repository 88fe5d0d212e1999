package io.jadevectordb.engine.metadata;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;

/** Metadata documents for tests, written as the connector writes them (docs/format.md): Jackson's CBORGenerator, defaults. */
public final class CborDocs {

    /** What a test writes into the generator. */
    @FunctionalInterface
    public interface Body {
        void write(CBORGenerator g) throws IOException;
    }

    private static final CBORFactory FACTORY = new CBORFactory();

    private CborDocs() {
    }

    /** A document: whatever {@code body} writes, as is. */
    public static byte[] raw(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CBORGenerator g = FACTORY.createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A top-level map (indefinite length, as the connector writes it) of what {@code fields} writes. */
    public static byte[] map(Body fields) {
        return raw(g -> {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        });
    }

    /** A map of text fields, alternating names and values. */
    public static byte[] strings(String... namesAndValues) {
        return map(g -> {
            for (int i = 0; i < namesAndValues.length; i += 2) {
                g.writeStringField(namesAndValues[i], namesAndValues[i + 1]);
            }
        });
    }

    /** Tag 1 with float64 epoch seconds, as the connector writes a timestamp of {@code millis}. */
    public static void timestamp(CBORGenerator g, long millis) throws IOException {
        g.writeTag(1);
        g.writeNumber(millis / 1000.0);
    }

    /** Tag 100 with days since 1970-01-01, as the connector writes a date. */
    public static void date(CBORGenerator g, long days) throws IOException {
        g.writeTag(100);
        g.writeNumber(days);
    }

    /** Bytes from hex digits (RFC 8949 appendix A examples), for decoder tests only. */
    public static byte[] hex(String hex) {
        String s = hex.replace(" ", "");
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }
}
