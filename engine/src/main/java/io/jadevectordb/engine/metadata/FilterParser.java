package io.jadevectordb.engine.metadata;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Reads a filter's JSON into {@link Condition}s, checking its shape as it goes: every problem
 * is an {@link InvalidFilterException} naming where it is ({@code must[1].range.gte}) and how
 * to write it instead. It also collects the keys the filter reads, for {@link DocumentTree}.
 */
final class FilterParser {

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final Set<String> CLAUSES = Set.of("must", "should", "must_not");
    private static final String SHAPE = "a filter is {\"must\":[...], \"should\":[...], \"must_not\":[...]} whose elements "
            + "are filters or conditions such as {\"key\":\"lang\",\"match\":{\"value\":\"en\"}}";
    private static final String BOUND_FIX = "use a number, a timestamp such as \"2024-01-15T10:00:00Z\" or a date such as \"2024-01-15\"";

    private final DocumentTree.KeyTrie keys = new DocumentTree.KeyTrie();

    DocumentTree.KeyTrie keys() {
        return keys;
    }

    /** The filter as a clause: a top-level condition is read as {@code {"must":[condition]}}. */
    Condition.Clause parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidFilterException("", "not valid JSON (" + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + "); " + SHAPE);
        }
        if (root == null || root.isMissingNode()) {
            throw new InvalidFilterException("", "the filter is empty; " + SHAPE + " ({} matches every vector)");
        }
        if (!root.isObject()) {
            throw new InvalidFilterException("", describe(root) + " is not an object; " + SHAPE);
        }
        Condition c = condition(root, "");
        return c instanceof Condition.Clause clause ? clause : new Condition.Clause(List.of(c), null, List.of());
    }

    private Condition condition(JsonNode node, String path) {
        if (!node.isObject()) {
            throw new InvalidFilterException(path, describe(node) + " is not an object; " + SHAPE);
        }
        if (node.has("key")) {
            return keyed(node, path);
        }
        List<Condition> must = List.of();
        List<Condition> should = null;
        List<Condition> mustNot = List.of();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String at = join(path, e.getKey());
            switch (e.getKey()) {
                case "must":
                    must = list(e.getValue(), at);
                    break;
                case "should":
                    should = list(e.getValue(), at);
                    if (should.isEmpty()) {
                        throw new InvalidFilterException(at, "is empty, which no vector could satisfy; give at least one "
                                + "condition or remove \"should\"");
                    }
                    break;
                case "must_not":
                    mustNot = list(e.getValue(), at);
                    break;
                default:
                    throw new InvalidFilterException(at, "unknown member; a filter has \"must\", \"should\" and "
                            + "\"must_not\", a condition \"key\" with one of \"match\", \"range\", \"exists\"");
            }
        }
        return new Condition.Clause(must, should, mustNot);
    }

    private List<Condition> list(JsonNode node, String path) {
        List<Condition> conditions = new ArrayList<>();
        if (node.isObject()) {
            conditions.add(condition(node, path)); // one condition without the brackets, as Qdrant takes it
            return conditions;
        }
        if (!node.isArray()) {
            throw new InvalidFilterException(path, describe(node) + " is not an array of conditions; write [ {...}, ... ]");
        }
        for (int i = 0; i < node.size(); i++) {
            conditions.add(condition(node.get(i), path + "[" + i + "]"));
        }
        return conditions;
    }

    private Condition keyed(JsonNode node, String path) {
        String[] key = key(node.get("key"), join(path, "key"));
        String kind = null;
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (name.equals("key")) {
                continue;
            }
            if (CLAUSES.contains(name)) {
                throw new InvalidFilterException(join(path, name), "a condition (it has \"key\") cannot hold clauses; "
                        + "put the condition and the clause side by side in a \"must\" list");
            }
            if (!Set.of("match", "range", "exists").contains(name)) {
                throw new InvalidFilterException(join(path, name), "unknown member of a condition; use one of \"match\", "
                        + "\"range\", \"exists\"");
            }
            if (kind != null) {
                throw new InvalidFilterException(join(path, name), "a condition has one test but this one also has \"" + kind
                        + "\"; write two conditions in a \"must\" list");
            }
            kind = name;
        }
        if (kind == null) {
            throw new InvalidFilterException(path, "the condition on key \"" + String.join(".", key) + "\" has no test; add "
                    + "\"match\", \"range\" or \"exists\"");
        }
        keys.add(key);
        String at = join(path, kind);
        JsonNode test = node.get(kind);
        switch (kind) {
            case "match":
                return new Condition.Match(key, match(test, at));
            case "range":
                return range(key, test, at);
            default:
                if (!test.isBoolean()) {
                    throw new InvalidFilterException(at, describe(test) + " is not true or false; write \"exists\": true "
                            + "(present and not null) or false (absent or null)");
                }
                return new Condition.Exists(key, test.booleanValue());
        }
    }

    private static String[] key(JsonNode node, String path) {
        if (node == null || !node.isTextual() || node.textValue().isEmpty()) {
            throw new InvalidFilterException(path, (node == null ? "missing" : describe(node)) + " is not a non-empty string; "
                    + "name a metadata field, nested fields with dots: \"author.name\"");
        }
        String[] segments = node.textValue().split("\\.", -1);
        for (String s : segments) {
            if (s.isEmpty()) {
                throw new InvalidFilterException(path, "\"" + node.textValue() + "\" has an empty segment; separate field "
                        + "names by single dots, without a leading or trailing dot");
            }
        }
        return segments;
    }

    private static List<Literal> match(JsonNode node, String path) {
        if (!node.isObject() || node.size() != 1 || !(node.has("value") || node.has("any"))) {
            throw new InvalidFilterException(path, describe(node) + " is not {\"value\": V} or {\"any\": [V, ...]}; "
                    + "V is a string, a number or a boolean");
        }
        if (node.has("value")) {
            return List.of(literal(node.get("value"), join(path, "value")));
        }
        JsonNode any = node.get("any");
        String at = join(path, "any");
        if (!any.isArray() || any.isEmpty()) {
            throw new InvalidFilterException(at, describe(any) + " is not a non-empty array; write \"any\": [\"en\", \"fr\"]");
        }
        List<Literal> values = new ArrayList<>(any.size());
        for (int i = 0; i < any.size(); i++) {
            values.add(literal(any.get(i), at + "[" + i + "]"));
        }
        return values;
    }

    private static Literal literal(JsonNode v, String path) {
        if (v.isTextual()) {
            return Literal.of(v.textValue());
        }
        if (v.isBoolean()) {
            return Literal.of(v.booleanValue());
        }
        if (v.isNumber()) {
            return Literal.of(v.decimalValue());
        }
        String fix = v.isNull() ? "to find a missing or null field use {\"key\": ..., \"exists\": false}"
                : "match a string, a number or a boolean (for an array field, any element that equals it matches)";
        throw new InvalidFilterException(path, describe(v) + " cannot be matched; " + fix);
    }

    private static Condition range(String[] key, JsonNode node, String path) {
        if (!node.isObject() || node.isEmpty()) {
            throw new InvalidFilterException(path, describe(node) + " has no bound; write {\"gte\": 2000, \"lt\": 2010} "
                    + "with any of gt, gte, lt, lte");
        }
        Literal[] bounds = new Literal[4];
        List<String> names = List.of("gt", "gte", "lt", "lte");
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String at = join(path, e.getKey());
            int i = names.indexOf(e.getKey());
            if (i < 0) {
                throw new InvalidFilterException(at, "unknown bound; use gt, gte, lt or lte");
            }
            bounds[i] = bound(e.getValue(), at);
        }
        return new Condition.Range(key, bounds[0], bounds[1], bounds[2], bounds[3]);
    }

    private static Literal bound(JsonNode v, String path) {
        if (v.isNumber()) {
            return Literal.of(v.decimalValue());
        }
        if (v.isTextual()) {
            Literal l = Literal.of(v.textValue());
            if (l.temporal()) {
                return l;
            }
        }
        throw new InvalidFilterException(path, describe(v) + " is not a number or ISO-8601 timestamp; " + BOUND_FIX);
    }

    private static String join(String path, String member) {
        return path.isEmpty() ? member : path + "." + member;
    }

    /** A filter value as the user wrote it, shortened. */
    private static String describe(JsonNode node) {
        String s = node.toString();
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
