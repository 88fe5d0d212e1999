package io.jadevectordb.engine.metadata;

import java.util.List;
import java.util.Map;

/**
 * A filter on vector metadata, in the shape of Qdrant's: clauses
 * {@code {"must":[...], "should":[...], "must_not":[...]}} (all of must, at least one of should
 * when given, none of must_not) whose elements are clauses again or conditions:
 *
 * <ul>
 *   <li>{@code {"key":"lang","match":{"value":"en"}}}: equals (strings, numbers, booleans);</li>
 *   <li>{@code {"key":"lang","match":{"any":["en","fr"]}}}: equals one of them;</li>
 *   <li>{@code {"key":"year","range":{"gte":2000,"lt":2010}}}: gt, gte, lt, lte on numbers, on
 *       timestamps (tag 1; bounds numbers of seconds or ISO-8601 strings) and dates (tag 100;
 *       bounds {@code "YYYY-MM-DD"}, or timestamps compared with the date's midnight UTC);</li>
 *   <li>{@code {"key":"title","exists":true}}: present and not null ({@code false}: absent or null).</li>
 * </ul>
 *
 * Keys with dots go into nested maps ({@code "author.name"}); an array on the way, or at the
 * key, is looked into: the condition holds when any element satisfies it. Integers and decimals
 * compare exactly, a float32 or float64 value with the filter's number rounded to its precision.
 * A top-level condition is read as {@code {"must":[condition]}}; {@code {}} matches everything.
 *
 * <p>Documents are decoded lazily ({@link DocumentTree}): only the entries the keys reach.
 * Immutable and thread-safe.
 */
public final class MetadataFilter {

    /** The filter every vector passes; {@link #matches} does not look at the metadata. */
    public static final MetadataFilter ALL = new MetadataFilter(new Condition.Clause(List.of(), null, List.of()),
            new DocumentTree.KeyTrie(), "{}");

    private final Condition.Clause root;
    private final DocumentTree.KeyTrie keys;
    private final String source;

    private MetadataFilter(Condition.Clause root, DocumentTree.KeyTrie keys, String source) {
        this.root = root;
        this.keys = keys;
        this.source = source;
    }

    /**
     * Parses a filter.
     *
     * @throws InvalidFilterException naming the place in the filter, what is wrong and the fix
     */
    public static MetadataFilter parse(String json) {
        FilterParser parser = new FilterParser();
        Condition.Clause root = parser.parse(json);
        return root.empty() ? ALL : new MetadataFilter(root, parser.keys(), json);
    }

    /** Whether every vector passes (so the metadata need not be read). */
    public boolean matchesAll() {
        return root.empty();
    }

    /**
     * Whether a document passes; null (no metadata) is a document without fields, which passes
     * only filters that absent fields satisfy ({@code exists:false}, {@code must_not}).
     *
     * @throws MalformedMetadataException when what the filter reads of it is not well-formed CBOR
     */
    public boolean matches(byte[] cbor) {
        return cbor == null ? root.test(Map.of()) : matches(cbor, 0, cbor.length);
    }

    /** As {@link #matches(byte[])}, for the document in {@code bytes[offset, offset + length)}. */
    public boolean matches(byte[] bytes, int offset, int length) {
        if (root.empty()) {
            return true;
        }
        return root.test(DocumentTree.decode(bytes, offset, length, keys));
    }

    /** The filter's JSON as given. */
    @Override
    public String toString() {
        return source;
    }
}
