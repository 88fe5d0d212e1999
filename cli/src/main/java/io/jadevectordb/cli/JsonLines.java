package io.jadevectordb.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Base64;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import io.jadevectordb.engine.StoredVector;
import io.jadevectordb.engine.metadata.MalformedMetadataException;
import io.jadevectordb.engine.metadata.MetadataJson;

/**
 * Writes vectors as JSON Lines, one {@code {"id":"...","vector":[...],"metadata":{...}}} object
 * per line ({@code "metadata"} only when the vector has some).
 *
 * <p>Each float is written with {@link Float#toString(float)}: enough digits to tell it from
 * every other float, so parsing the text back to a float (directly, or to a double and then
 * to a float) yields the same bits. JSON has no NaN or infinity; those (only present when the
 * sink allows non-finite values) are written as the strings {@code "NaN"}, {@code "Infinity"}
 * and {@code "-Infinity"}.
 *
 * <p>Metadata is rendered by {@link MetadataJson} (docs/cli.md lists the mapping). A document
 * that is not well-formed CBOR (only a library user, not the sink, can store one) is kept
 * rather than lost: its bytes are written as {@code "metadataBase64"} instead, and counted
 * ({@link #malformedMetadata}) so the command can warn.
 */
final class JsonLines {

    private static final JsonFactory JSON = JsonFactory.builder().build();

    private final Writer out;
    private final StringBuilder line = new StringBuilder(256);
    /** The metadata of the line being written, rendered here first so a malformed document leaves no half object. */
    private final StringWriter metadata = new StringWriter(256);
    private long malformedMetadata;
    private MalformedMetadataException firstMalformed;
    private String firstMalformedId;

    JsonLines(Writer out) {
        this.out = out;
    }

    /** Writes one line; I/O errors surface as {@link UncheckedIOException} (scan callbacks cannot throw). */
    void write(String id, float[] vector) {
        write(id, Double.NaN, vector, null);
    }

    /** Writes one line with the vector's metadata (null: none). */
    void write(StoredVector entry) {
        write(entry.id(), Double.NaN, entry.vector(), entry.metadata());
    }

    /**
     * Writes one line with a {@code "score"} member (as a float) between id and vector (omitted
     * when NaN), and the metadata after the vector (omitted when null).
     */
    void write(String id, double score, float[] vector, byte[] cbor) {
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
        line.append(']');
        if (cbor != null) {
            appendMetadata(id, cbor);
        }
        line.append("}\n");
        try {
            out.append(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void appendMetadata(String id, byte[] cbor) {
        metadata.getBuffer().setLength(0);
        try (JsonGenerator json = JSON.createGenerator(metadata)) {
            MetadataJson.write(cbor, json);
        } catch (MalformedMetadataException e) {
            malformedMetadata++;
            if (firstMalformed == null) {
                firstMalformed = e;
                firstMalformedId = id;
            }
            line.append(",\"metadataBase64\":\"").append(Base64.getEncoder().encodeToString(cbor)).append('"');
            return;
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        line.append(",\"metadata\":").append(metadata.getBuffer());
    }

    /** How many documents were written as {@code "metadataBase64"} because they are not well-formed CBOR. */
    long malformedMetadata() {
        return malformedMetadata;
    }

    /** Tells the user about metadata written as base64 (after the progress bar has ended its line). */
    void warnAboutMalformedMetadata(PrintWriter err, String database) {
        if (malformedMetadata > 0) {
            err.println("jvdb: warning: the metadata of " + malformedMetadata + " vector(s) of database '" + database
                    + "' is not well-formed CBOR and was written as \"metadataBase64\" (its raw bytes); the first, id '"
                    + firstMalformedId + "': " + firstMalformed.getMessage());
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
