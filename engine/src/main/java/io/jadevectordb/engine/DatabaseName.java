package io.jadevectordb.engine;

import java.util.Locale;
import java.util.Set;

/**
 * Validation of database names. A database is a directory under the store root, so a name
 * must never escape the root or mean something special to a file system: only ASCII letters,
 * digits, '_', '-' and '.', starting with a letter or digit (so no "." , ".." or hidden
 * names), at most {@value #MAX_LENGTH} characters, and none of the names Windows reserves.
 */
public final class DatabaseName {

    public static final int MAX_LENGTH = 128;

    private static final Set<String> RESERVED = Set.of("CON", "PRN", "AUX", "NUL",
            "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
            "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9");

    private DatabaseName() {
    }

    /**
     * Returns {@code name} when valid.
     *
     * @throws InvalidMutationException naming the field {@code database}, the value and the fix
     */
    public static String validate(String name) {
        if (name == null || name.isEmpty()) {
            throw invalid(String.valueOf(name), "a database name must not be empty; route the record to a named database");
        }
        if (name.length() > MAX_LENGTH) {
            throw invalid(printable(name.substring(0, 32)) + "... (" + name.length() + " characters)",
                    "a database name has at most " + MAX_LENGTH + " characters; shorten it");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean letterOrDigit = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (i == 0 && !letterOrDigit) {
                throw invalid(printable(name), "a database name must start with a letter or digit (names such as '.', '..' "
                        + "or '.hidden' could escape or hide in the data directory); rename it");
            }
            if (!letterOrDigit && c != '_' && c != '-' && c != '.') {
                throw invalid(printable(name), "character " + describe(c) + " at position " + i
                        + " is not allowed; use only letters, digits, '_', '-' and '.'");
            }
        }
        // Only a base name (before the first '.') of 3 or 4 characters can be reserved: no copy for the others.
        int dot = name.indexOf('.');
        int baseLength = dot < 0 ? name.length() : dot;
        String base = baseLength == 3 || baseLength == 4 ? name.substring(0, baseLength) : null;
        if (base != null && RESERVED.contains(base.toUpperCase(Locale.ROOT))) {
            throw invalid(name, "'" + base + "' is a reserved device name on Windows; choose another name");
        }
        return name;
    }

    private static InvalidMutationException invalid(String value, String message) {
        return new InvalidMutationException("database", "'" + value + "'", message);
    }

    private static String describe(char c) {
        if (c == '/' || c == '\\') {
            return "'" + c + "' (a path separator)";
        }
        if (c < 0x20 || c == 0x7f) {
            return String.format("U+%04X (a control character)", (int) c);
        }
        return "'" + c + "'";
    }

    /** The name with control characters escaped, safe to put in a message or log line. */
    public static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
