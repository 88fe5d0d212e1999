package io.jadevectordb.engine;



/**
 * A mutation or name the engine refuses because of its content (a data error, never an I/O
 * error): wrong dimension, NaN, bad id, bad database name. The message names the field, the
 * offending value and the fix; {@link #field()} and {@link #value()} expose them to callers
 * that route bad records elsewhere (a dead letter queue).
 */
public class InvalidMutationException extends IllegalArgumentException {

    private final String field;
    private final String value;
    private final String reason;

    public InvalidMutationException(String field, String value, String message) {
        super(field + " = " + value + ": " + message);
        this.field = field;
        this.value = value;
        this.reason = message;
    }

    public String field() {
        return field;
    }

    public String value() {
        return value;
    }

    /** What is wrong (and the engine-level fix), without the {@code field = value: } the message starts with. */
    public String reason() {
        return reason;
    }
}
