package io.jadevectordb.engine.metadata;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonToken;

/**
 * Decodes of a metadata document only what a filter's keys reach: the keys form a trie, and a
 * map entry no key names is skipped without being decoded (a long text, a large nested map
 * cost only the parser's skip). Maps become {@link Map}s of the entries kept, arrays
 * {@link List}s (a key passes through them), scalars the values of {@link CborInput#scalar}, a
 * map below the keys {@link #OPAQUE} (present, compares to nothing).
 */
final class DocumentTree {

    /** A map no key looks into. */
    static final Object OPAQUE = new Object() {
        @Override
        public String toString() {
            return "{...}";
        }
    };

    /** One segment of the filter's keys, and the segments that follow it. */
    static final class KeyTrie {
        private final Map<String, KeyTrie> children = new HashMap<>();

        void add(String[] key) {
            KeyTrie node = this;
            for (String segment : key) {
                node = node.children.computeIfAbsent(segment, s -> new KeyTrie());
            }
        }

        boolean isEmpty() {
            return children.isEmpty();
        }
    }

    private DocumentTree() {
    }

    /**
     * The document's top-level map, pruned to {@code keys}; an empty map when the document is
     * not a map (it has no keys).
     *
     * @throws MalformedMetadataException when what is read is not well-formed CBOR
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> decode(byte[] bytes, int offset, int length, KeyTrie keys) {
        try (CborInput in = CborInput.open(bytes, offset, length)) {
            JsonToken first = in.first();
            Object root = value(in, first, keys);
            in.expectEnd();
            return root instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
        }
    }

    private static Object value(CborInput in, JsonToken token, KeyTrie node) {
        switch (token) {
            case START_OBJECT:
                if (node.isEmpty()) {
                    in.skipChildren();
                    return OPAQUE;
                }
                return map(in, node);
            case START_ARRAY: {
                List<Object> list = new ArrayList<>();
                for (JsonToken t = in.nextInside(); t != JsonToken.END_ARRAY; t = in.nextInside()) {
                    list.add(value(in, t, node));
                }
                return list;
            }
            default:
                return in.scalar(token);
        }
    }

    private static Map<String, Object> map(CborInput in, KeyTrie node) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (JsonToken t = in.nextInside(); t != JsonToken.END_OBJECT; t = in.nextInside()) {
            String name = in.fieldName();
            KeyTrie child = node.children.get(name);
            JsonToken v = in.nextInside();
            if (child == null) {
                if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                    in.skipChildren();
                }
                continue;
            }
            map.put(name, value(in, v, child));
        }
        return map;
    }
}
