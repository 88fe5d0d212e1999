package io.jadevectordb.engine.metadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A parsed filter: clauses of {@code must}/{@code should}/{@code must_not} over conditions on
 * keys, evaluated against a document decoded by {@link DocumentTree} (a map of what the filter's
 * keys reach).
 */
sealed interface Condition {

    boolean test(Map<String, Object> document);

    /** All of {@code must}, at least one of {@code should} when given (null: not given), none of {@code mustNot}. */
    record Clause(List<Condition> must, List<Condition> should, List<Condition> mustNot) implements Condition {
        @Override
        public boolean test(Map<String, Object> document) {
            for (Condition c : must) {
                if (!c.test(document)) {
                    return false;
                }
            }
            for (Condition c : mustNot) {
                if (c.test(document)) {
                    return false;
                }
            }
            if (should == null) {
                return true;
            }
            for (Condition c : should) {
                if (c.test(document)) {
                    return true;
                }
            }
            return false;
        }

        boolean empty() {
            return must.isEmpty() && should == null && mustNot.isEmpty();
        }
    }

    /** The value (or an element of it, when an array) equals one of {@code values}. */
    record Match(String[] key, List<Literal> values) implements Condition {
        @Override
        public boolean test(Map<String, Object> document) {
            for (Object v : scalarsAt(document, key)) {
                for (Literal literal : values) {
                    if (literal.equalTo(v)) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /** The value (or an element of it, when an array) lies within every bound given (null: not given). */
    record Range(String[] key, Literal gt, Literal gte, Literal lt, Literal lte) implements Condition {
        @Override
        public boolean test(Map<String, Object> document) {
            for (Object v : scalarsAt(document, key)) {
                if (within(v)) {
                    return true;
                }
            }
            return false;
        }

        private boolean within(Object v) {
            return holds(gt, v, 1, 1) && holds(gte, v, 0, 1) && holds(lt, v, -1, -1) && holds(lte, v, -1, 0);
        }

        /** The value compares to {@code bound} with a sign in [low, high]. */
        private static boolean holds(Literal bound, Object v, int low, int high) {
            if (bound == null) {
                return true;
            }
            int c = bound.compare(v);
            return c != Literal.INCOMPARABLE && c >= low && c <= high;
        }
    }

    /** {@code exists: true}: some value is there and is not null; {@code false}: the opposite. */
    record Exists(String[] key, boolean expected) implements Condition {
        @Override
        public boolean test(Map<String, Object> document) {
            boolean present = false;
            for (Object v : valuesAt(document, key)) {
                if (v != CborInput.NULL) {
                    present = true;
                    break;
                }
            }
            return present == expected;
        }
    }

    /**
     * What a dotted key reaches: each segment names a key of a map; an array on the way is
     * entered, each element followed on. The values themselves, arrays not flattened.
     */
    static List<Object> valuesAt(Map<String, Object> document, String[] key) {
        List<Object> found = new ArrayList<>(1);
        follow(document, key, 0, found);
        return found;
    }

    private static void follow(Object value, String[] key, int i, List<Object> found) {
        if (i == key.length) {
            found.add(value);
        } else if (value instanceof List<?> list) {
            for (Object element : list) {
                follow(element, key, i, found);
            }
        } else if (value instanceof Map<?, ?> map) {
            Object next = map.get(key[i]);
            if (next != null) {
                follow(next, key, i + 1, found);
            }
        }
    }

    /** The scalars a key reaches, arrays among them flattened (a condition holds when any element matches). */
    static List<Object> scalarsAt(Map<String, Object> document, String[] key) {
        List<Object> values = valuesAt(document, key);
        List<Object> scalars = new ArrayList<>(values.size());
        for (Object v : values) {
            flatten(v, scalars);
        }
        return scalars;
    }

    private static void flatten(Object v, List<Object> out) {
        if (v instanceof List<?> list) {
            for (Object element : list) {
                flatten(element, out);
            }
        } else {
            out.add(v);
        }
    }
}
