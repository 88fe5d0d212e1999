package io.jadevectordb.engine.metadata;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonToken;

/**
 * A metadata document (CBOR, as the connector writes it: docs/format.md) as JSON text.
 *
 * <ul>
 *   <li>maps become objects (integer keys as their decimal digits), arrays arrays, text strings
 *       strings (chunked ones joined), booleans and null themselves (CBOR undefined is null);</li>
 *   <li>integers (bignums too) become numbers; floats numbers, written with the shortest digits
 *       that give back the same float32 or float64; NaN and the infinities the strings
 *       {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"};</li>
 *   <li>byte strings become base64 strings (RFC 4648, with padding);</li>
 *   <li>tag 1 (epoch seconds) becomes an ISO-8601 UTC string ({@link java.time.Instant#toString},
 *       float seconds rounded to the microsecond), tag 100 (epoch days) {@code "YYYY-MM-DD"}, tag 4
 *       (decimal fraction) the exact decimal number; any other tag, and tags 1 and 100 on values
 *       outside the range of a date, their content.</li>
 * </ul>
 */
public final class MetadataJson {

    private static final JsonFactory JSON = new JsonFactory();

    private MetadataJson() {
    }

    /**
     * The document as JSON text.
     *
     * @throws MalformedMetadataException when it is not one well-formed CBOR data item
     */
    public static String render(byte[] cbor) {
        StringWriter text = new StringWriter(Math.max(16, cbor.length * 2));
        try (JsonGenerator json = JSON.createGenerator(text)) {
            write(cbor, json);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return text.toString();
    }

    /**
     * Writes the document into {@code json} as one JSON value (at the generator's current
     * position: a root value, an array element, or after a field name). When the document is
     * malformed, part of it may have been written before the exception.
     *
     * @throws MalformedMetadataException when it is not one well-formed CBOR data item
     * @throws IOException                when {@code json} fails to write
     */
    public static void write(byte[] cbor, JsonGenerator json) throws IOException {
        try (CborInput in = CborInput.open(cbor, 0, cbor.length)) {
            JsonToken token = in.first();
            int depth = 0;
            while (true) {
                switch (token) {
                    case START_OBJECT:
                        json.writeStartObject();
                        depth++;
                        break;
                    case START_ARRAY:
                        json.writeStartArray();
                        depth++;
                        break;
                    case END_OBJECT:
                        json.writeEndObject();
                        depth--;
                        break;
                    case END_ARRAY:
                        json.writeEndArray();
                        depth--;
                        break;
                    case FIELD_NAME:
                        json.writeFieldName(in.fieldName());
                        break;
                    default:
                        writeScalar(in.scalar(token), json);
                }
                if (depth == 0) {
                    break;
                }
                token = in.nextInside();
            }
            in.expectEnd();
        }
    }

    private static void writeScalar(Object value, JsonGenerator json) throws IOException {
        if (value instanceof String s) {
            json.writeString(s);
        } else if (value instanceof Boolean b) {
            json.writeBoolean(b);
        } else if (value instanceof Long l) {
            json.writeNumber(l);
        } else if (value instanceof BigInteger i) {
            json.writeNumber(i);
        } else if (value instanceof Float f) {
            if (Float.isFinite(f)) {
                json.writeNumber(f);
            } else {
                json.writeString(Float.toString(f));
            }
        } else if (value instanceof Double d) {
            if (Double.isFinite(d)) {
                json.writeNumber(d);
            } else {
                json.writeString(Double.toString(d));
            }
        } else if (value instanceof BigDecimal d) {
            json.writeNumber(d);
        } else if (value instanceof byte[] bytes) {
            json.writeBinary(bytes);
        } else if (value instanceof CborInput.Timestamp t) {
            json.writeString(t.instant().toString());
        } else if (value instanceof CborInput.CalendarDate d) {
            json.writeString(d.date().toString());
        } else {
            json.writeNull();
        }
    }
}
