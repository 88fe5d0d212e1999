package io.jadevectordb.cli;

/** Parses a query vector given on the command line: {@code 0.1,0.2,0.3}, optionally in brackets. */
final class VectorParser {

    private VectorParser() {
    }

    /** @throws IllegalArgumentException naming the bad component and its position */
    static float[] parse(String text) {
        String s = text.trim();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.isBlank()) {
            throw new IllegalArgumentException("--vector is empty; give comma-separated floats, e.g. --vector 0.1,0.2,0.3");
        }
        String[] parts = s.split(",", -1);
        float[] vector = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i].trim();
            try {
                vector[i] = Float.parseFloat(part);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--vector component " + i + " ('" + part + "') is not a number; "
                        + "give comma-separated floats, e.g. --vector 0.1,0.2,0.3");
            }
            if (!Float.isFinite(vector[i])) {
                throw new IllegalArgumentException("--vector component " + i + " is " + part + "; components must be finite");
            }
        }
        return vector;
    }
}
