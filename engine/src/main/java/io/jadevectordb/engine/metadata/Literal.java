package io.jadevectordb.engine.metadata;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * A value written in a filter (a {@code match} value or a {@code range} bound), with the
 * readings a stored value may be compared against: a number exact and rounded to float64 and
 * float32; a string as text, and when it is an ISO-8601 date or timestamp, as that too.
 */
final class Literal {

    /** {@link #compare} of values that cannot be ordered against each other. */
    static final int INCOMPARABLE = Integer.MIN_VALUE;

    final String text;
    final Boolean bool;
    final BigDecimal number;
    private final double asDouble;
    private final float asFloat;
    /** The date a string names ({@code YYYY-MM-DD}), else null. */
    final LocalDate date;
    /** The instant a string names (a timestamp, or a date's midnight UTC), else null. */
    final Instant instant;

    private Literal(String text, Boolean bool, BigDecimal number, LocalDate date, Instant instant) {
        this.text = text;
        this.bool = bool;
        this.number = number;
        this.asDouble = number == null ? Double.NaN : number.doubleValue();
        this.asFloat = number == null ? Float.NaN : number.floatValue();
        this.date = date;
        this.instant = instant;
    }

    static Literal of(boolean b) {
        return new Literal(null, b, null, null, null);
    }

    static Literal of(BigDecimal n) {
        return new Literal(null, null, n, null, null);
    }

    static Literal of(String s) {
        LocalDate date = null;
        Instant instant = null;
        try {
            date = LocalDate.parse(s);
            instant = date.atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException notADate) {
            try {
                instant = OffsetDateTime.parse(s).toInstant();
            } catch (DateTimeParseException notATimestamp) {
                // plain text
            }
        }
        return new Literal(s, null, null, date, instant);
    }

    boolean temporal() {
        return instant != null;
    }

    /**
     * Whether a stored value equals this literal: text to text, booleans to booleans, numbers
     * numerically ({@link #compare}); a timestamp or date to a string naming the same instant or
     * day, or to a number equal to its content.
     */
    boolean equalTo(Object stored) {
        if (stored instanceof String s) {
            return s.equals(text);
        }
        if (stored instanceof Boolean b) {
            return b.equals(bool);
        }
        return compare(stored) == 0;
    }

    /**
     * The sign of {@code stored - this}, or {@link #INCOMPARABLE}. Integers and decimals compare
     * exactly; a float64 with this number rounded to float64, a float32 with it rounded to
     * float32 (so {@code 0.1} equals a stored {@code 0.1f}); NaN with nothing. A timestamp
     * compares its instant with a string's, its seconds with a number; a date its day with a
     * date string's, its midnight UTC with a timestamp string's, its day number with a number.
     */
    int compare(Object stored) {
        if (stored instanceof CborInput.Timestamp t) {
            if (number != null) {
                return compareNumber(t.seconds());
            }
            return instant == null ? INCOMPARABLE : Integer.signum(t.instant().compareTo(instant));
        }
        if (stored instanceof CborInput.CalendarDate d) {
            if (number != null) {
                return compareNumber(d.days());
            }
            if (date != null) {
                return Integer.signum(d.date().compareTo(date));
            }
            return instant == null ? INCOMPARABLE : Integer.signum(d.midnight().compareTo(instant));
        }
        return stored instanceof Number n && number != null ? compareNumber(n) : INCOMPARABLE;
    }

    private int compareNumber(Number n) {
        if (n instanceof Long l) {
            return BigDecimal.valueOf(l).compareTo(number);
        }
        if (n instanceof BigInteger i) {
            return new BigDecimal(i).compareTo(number);
        }
        if (n instanceof BigDecimal d) {
            return d.compareTo(number);
        }
        if (n instanceof Float f) {
            float v = f;
            return v < asFloat ? -1 : v > asFloat ? 1 : v == asFloat ? 0 : INCOMPARABLE;
        }
        double v = n.doubleValue();
        return v < asDouble ? -1 : v > asDouble ? 1 : v == asDouble ? 0 : INCOMPARABLE;
    }

    @Override
    public String toString() {
        return text != null ? '"' + text + '"' : bool != null ? bool.toString() : number.toString();
    }
}
