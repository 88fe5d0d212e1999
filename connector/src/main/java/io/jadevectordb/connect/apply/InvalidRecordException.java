package io.jadevectordb.connect.apply;

import org.apache.kafka.connect.errors.DataException;

import io.jadevectordb.connect.offsets.KafkaPosition;

/**
 * A record the sink cannot apply because of its content: a data error, routed to the dead
 * letter queue under {@code errors.tolerance=all} and fatal otherwise. Never used for I/O
 * problems. The message names the Kafka position, the field, the offending value and the fix.
 */
public final class InvalidRecordException extends DataException {

    private final transient KafkaPosition position;
    private final String field;
    private final String value;

    InvalidRecordException(KafkaPosition position, String field, Object value, String reason, String fix) {
        this(position, field, value, reason, fix, null);
    }

    InvalidRecordException(KafkaPosition position, String field, Object value, String reason, String fix,
                                  Throwable cause) {
        super(position + ": field '" + field + "' = " + preview(value) + ": " + reason
                + (fix == null || fix.isEmpty() ? "" : "; fix: " + fix), cause);
        this.position = position;
        this.field = field;
        this.value = preview(value);
    }

    KafkaPosition position() {
        return position;
    }

    String field() {
        return field;
    }

    /** A bounded rendering of the offending value. */
    String value() {
        return value;
    }

    /**
     * A value someone else already rendered for a message (the engine quotes its own values).
     *
     * @param text the rendering, used as is
     */
    record Rendered(String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    /** Renders a value for a message, cut to a readable length (vectors can be long). */
    static String preview(Object value) {
        String text;
        if (value == null) {
            text = "null";
        } else if (value instanceof byte[] bytes) {
            text = "<" + bytes.length + " bytes>";
        } else if (value instanceof float[] floats) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < floats.length && sb.length() < 80; i++) {
                sb.append(i == 0 ? "" : ", ").append(floats[i]);
            }
            text = sb.append(floats.length > 0 && sb.length() >= 80 ? ", ...] (" + floats.length + " values)" : "]")
                    .toString();
        } else if (value instanceof CharSequence) {
            text = "'" + value + "'";
        } else {
            text = String.valueOf(value);
        }
        return text.length() > 120 ? text.substring(0, 117) + "..." : text;
    }
}
