package io.jadevectordb.engine.metadata;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORParser;

/**
 * One metadata document read token by token with Jackson's {@link CBORParser} (indefinite and
 * definite lengths, chunked strings, tags), every decoding failure turned into a
 * {@link MalformedMetadataException} naming the byte offset within the document. Scalars come
 * out as the values {@link #scalar} lists, the one place tags 1 and 100 are interpreted.
 *
 * <p>Jackson reads declared lengths lazily against the bytes present, so a hostile length
 * (a byte string claiming 2 GiB in a 10-byte document) fails as truncated rather than allocating.
 */
final class CborInput implements AutoCloseable {

    /** A CBOR null or undefined. */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    /** RFC 8949 tag 1: epoch-based date/time, seconds. */
    static final int TAG_EPOCH_SECONDS = 1;
    /** RFC 8943 tag 100: days since 1970-01-01. */
    static final int TAG_EPOCH_DAYS = 100;

    /** Seconds below which a float timestamp times 10^6 still fits a long with room for rounding. */
    private static final double MICROS_SAFE_SECONDS = 9.0e12;

    private static final CBORFactory FACTORY = new CBORFactory();

    /** A tag-1 value whose seconds fall in {@link Instant}'s range, rounded to the microsecond. */
    record Timestamp(Instant instant, Number seconds) {
    }

    /** A tag-100 value whose days fall in {@link LocalDate}'s range. */
    record CalendarDate(LocalDate date, long days) {
        Instant midnight() {
            return date.atStartOfDay(ZoneOffset.UTC).toInstant();
        }
    }

    private final CBORParser parser;
    private final int start;

    private CborInput(CBORParser parser, int start) {
        this.parser = parser;
        this.start = start;
    }

    static CborInput open(byte[] bytes, int offset, int length) {
        if (length == 0) {
            throw new MalformedMetadataException("the document is empty (expected one CBOR data item)", 0);
        }
        try {
            return new CborInput(FACTORY.createParser(bytes, offset, length), offset);
        } catch (IOException e) {
            throw new MalformedMetadataException(e.getMessage(), 0);
        }
    }

    CBORParser parser() {
        return parser;
    }

    /** The next token; null only at the very end of the input. */
    JsonToken next() {
        try {
            return parser.nextToken();
        } catch (IOException e) {
            throw malformed(e);
        }
    }

    /** The first token of the document: the input must hold at least one. */
    JsonToken first() {
        JsonToken t = next();
        if (t == null) {
            throw new MalformedMetadataException("no CBOR data item", 0);
        }
        return t;
    }

    /** The next token inside an open map or array, where the end of the input means truncation. */
    JsonToken nextInside() {
        JsonToken t = next();
        if (t == null) {
            throw new MalformedMetadataException("the document ends inside a map or array", position());
        }
        return t;
    }

    /** Skips the map or array whose start is the current token. */
    void skipChildren() {
        try {
            parser.skipChildren();
        } catch (IOException e) {
            throw malformed(e);
        }
    }

    /** After the one top-level item: nothing may follow. */
    void expectEnd() {
        long at = position();
        if (next() != null) {
            throw new MalformedMetadataException("bytes follow the end of the top-level data item", at);
        }
    }

    /** The current map key (text, or an integer key as its decimal digits). */
    String fieldName() {
        try {
            return parser.currentName();
        } catch (IOException e) {
            throw malformed(e);
        }
    }

    /**
     * The value of the current scalar token: {@link String}, {@link Boolean}, {@link Long},
     * {@link BigInteger}, {@link Float}, {@link Double}, {@link BigDecimal} (tag 4), {@code byte[]},
     * {@link Timestamp} (tag 1 within Instant's range), {@link CalendarDate} (tag 100 within
     * LocalDate's range) or {@link #NULL}. Other tags, and tags 1 and 100 on content they cannot
     * describe, give their content.
     */
    Object scalar(JsonToken token) {
        try {
            switch (token) {
                case VALUE_STRING:
                    return parser.getText();
                case VALUE_TRUE:
                    return Boolean.TRUE;
                case VALUE_FALSE:
                    return Boolean.FALSE;
                case VALUE_NULL:
                    return NULL;
                case VALUE_EMBEDDED_OBJECT:
                    return parser.getBinaryValue();
                case VALUE_NUMBER_INT:
                case VALUE_NUMBER_FLOAT:
                    return tagged(number(), parser.getCurrentTag());
                default:
                    throw new MalformedMetadataException("unexpected " + token, position());
            }
        } catch (IOException e) {
            throw malformed(e);
        }
    }

    private Number number() throws IOException {
        switch (parser.getNumberType()) {
            case INT:
            case LONG:
                return parser.getLongValue();
            case BIG_INTEGER:
                return parser.getBigIntegerValue();
            case FLOAT:
                return parser.getFloatValue();
            case DOUBLE:
                return parser.getDoubleValue();
            default:
                return parser.getDecimalValue();
        }
    }

    private static Object tagged(Number n, int tag) {
        if (tag == TAG_EPOCH_SECONDS) {
            Instant instant = instant(n);
            return instant == null ? n : new Timestamp(instant, n);
        }
        if (tag == TAG_EPOCH_DAYS && n instanceof Long days) {
            try {
                return new CalendarDate(LocalDate.ofEpochDay(days), days);
            } catch (DateTimeException e) {
                return n;
            }
        }
        return n;
    }

    /**
     * Epoch seconds as an instant, null outside Instant's range. A float is rounded to the
     * microsecond: writers store millis / 1000.0 or micros / 10^6, whose float64 error (a few
     * hundred nanoseconds at today's dates) would otherwise show as digits nobody wrote.
     */
    private static Instant instant(Number n) {
        try {
            if (n instanceof Long seconds) {
                return Instant.ofEpochSecond(seconds);
            }
            if (n instanceof Double || n instanceof Float) {
                double s = n.doubleValue();
                if (!Double.isFinite(s)) {
                    return null;
                }
                if (Math.abs(s) < MICROS_SAFE_SECONDS) {
                    long micros = Math.round(s * 1e6);
                    return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
                }
                return Instant.ofEpochSecond((long) Math.floor(s));
            }
            if (n instanceof BigDecimal d) {
                BigDecimal seconds = d.setScale(0, RoundingMode.FLOOR);
                return Instant.ofEpochSecond(seconds.longValueExact(), d.subtract(seconds).movePointRight(9).longValue());
            }
            return null; // a BigInteger is beyond Instant's range
        } catch (DateTimeException | ArithmeticException e) {
            return null;
        }
    }

    /** Byte offset within the document of the parser's current position. */
    long position() {
        return parser.currentLocation().getByteOffset() - start;
    }

    private MalformedMetadataException malformed(IOException e) {
        long at = e instanceof JsonProcessingException p && p.getLocation() != null
                ? p.getLocation().getByteOffset() - start : position();
        String message = e instanceof JsonProcessingException p ? p.getOriginalMessage() : e.getMessage();
        return new MalformedMetadataException(message, Math.max(0, at));
    }

    @Override
    public void close() {
        try {
            parser.close();
        } catch (IOException e) {
            // a parser over a byte array holds nothing to release
        }
    }
}
