package io.jadevectordb.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * The metadata a producer sends beside its vectors, for the workload, the quickstart and the
 * benchmarks: the optional fields a writer schema gains, and plausible values for them.
 *
 * <p>{@link Mode#TAGS} is what the shipped schema's optional metadata part describes: a
 * {@code title} and a {@code language} (each {@code ["null","string"]}, default null), beside the
 * shipped {@code model} and {@code source_timestamp_ms}. {@link Mode#KIB} adds the fields of a
 * richer document so that a record carries about 1 KiB of metadata, in the shapes the sink's
 * encoders handle (strings, an array, an int, a double, a timestamp-millis, a nested record).
 * Every added field is optional with a null default, so the extended schema stays
 * backward-compatible with the shipped one.
 */
public final class SampleMetadata {

    /** How much metadata records carry. */
    public enum Mode {
        /** Vectors only: no optional field is set, so records carry no metadata. */
        NONE,
        /** model, source_timestamp_ms, title and language (each sometimes null). */
        TAGS,
        /** TAGS plus url, summary, keywords, year, rating, published and author: about 1 KiB per record. */
        KIB
    }

    private static final String[] LANGUAGES = {"en", "en", "en", "en", "fr", "de", "es", "ja"};
    private static final String[] WORDS = ("vector index shard commit offset replay kafka schema registry payload filter "
            + "language model embedding search nearest cosine metric record partition durable crash compaction snapshot "
            + "reader writer stream topic broker worker connector metadata title author summary keyword").split(" ");

    private SampleMetadata() {
    }

    /**
     * {@code base} with the optional fields {@code mode} sets appended (those it lacks; a field
     * already there is left as it is), or {@code base} itself when it lacks none.
     */
    public static Schema extend(Schema base, Mode mode) {
        List<Schema.Field> added = new ArrayList<>();
        if (mode != Mode.NONE) {
            addIfMissing(base, added, "title", optional(Schema.create(Schema.Type.STRING)),
                    "Optional metadata: the document's title.");
            addIfMissing(base, added, "language", optional(Schema.create(Schema.Type.STRING)),
                    "Optional metadata: the document's language (ISO 639-1, e.g. \"en\").");
        }
        if (mode == Mode.KIB) {
            addIfMissing(base, added, "url", optional(Schema.create(Schema.Type.STRING)), "Where the document lives.");
            addIfMissing(base, added, "summary", optional(Schema.create(Schema.Type.STRING)), "A few sentences about it.");
            addIfMissing(base, added, "keywords", optional(Schema.createArray(Schema.create(Schema.Type.STRING))), "Tags.");
            addIfMissing(base, added, "year", optional(Schema.create(Schema.Type.INT)), "Year of publication.");
            addIfMissing(base, added, "rating", optional(Schema.create(Schema.Type.DOUBLE)), "Editorial rating.");
            addIfMissing(base, added, "published",
                    optional(LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG))), "Publication time.");
            Schema author = Schema.createRecord("Author", null, "io.jadevectordb.sample", false, List.of(
                    new Schema.Field("name", Schema.create(Schema.Type.STRING)),
                    new Schema.Field("affiliation", optional(Schema.create(Schema.Type.STRING)), null,
                            Schema.Field.NULL_DEFAULT_VALUE)));
            addIfMissing(base, added, "author", optional(author), "Who wrote it.");
        }
        if (added.isEmpty()) {
            return base;
        }
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : base.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        fields.addAll(added);
        Schema extended = Schema.createRecord(base.getName(), base.getDoc(), base.getNamespace(), false, fields);
        base.getObjectProps().forEach(extended::addProp);
        return extended;
    }

    private static Schema optional(Schema type) {
        return Schema.createUnion(Schema.create(Schema.Type.NULL), type);
    }

    private static void addIfMissing(Schema base, List<Schema.Field> added, String name, Schema type, String doc) {
        if (base.getField(name) == null) {
            added.add(new Schema.Field(name, type, doc, Schema.Field.NULL_DEFAULT_VALUE));
        }
    }

    /**
     * Sets the metadata fields of a record that carries a vector, as {@code mode} says; title and
     * language are sometimes null, as real producers leave them.
     */
    public static void fill(GenericRecord r, Mode mode, Random random) {
        if (mode == Mode.NONE) {
            return;
        }
        r.put("model", "workload-gaussian@1");
        r.put("source_timestamp_ms", System.currentTimeMillis());
        r.put("title", random.nextInt(10) == 0 ? null : words(random, 3 + random.nextInt(6)));
        r.put("language", random.nextInt(8) == 0 ? null : LANGUAGES[random.nextInt(LANGUAGES.length)]);
        if (mode == Mode.KIB) {
            Schema schema = r.getSchema();
            r.put("url", "https://docs.example.org/" + words(random, 4).replace(' ', '/') + "/" + random.nextInt(1_000_000));
            r.put("summary", words(random, 95 + random.nextInt(10)));
            List<String> keywords = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                keywords.add(WORDS[random.nextInt(WORDS.length)]);
            }
            r.put("keywords", keywords);
            r.put("year", 1990 + random.nextInt(36));
            r.put("rating", random.nextInt(50) / 10.0);
            r.put("published", 946_684_800_000L + (long) random.nextInt(900_000_000) * 1000);
            GenericRecord author = new GenericData.Record(schema.getField("author").schema().getTypes().get(1));
            author.put("name", words(random, 2));
            author.put("affiliation", random.nextBoolean() ? null : words(random, 3));
            r.put("author", author);
        }
    }

    /**
     * Sets the fields of a re-tag (an UPDATE without a vector): a new title, always set so that the
     * record carries metadata, and a language.
     */
    public static void retag(GenericRecord r, Random random) {
        r.put("title", "retagged: " + words(random, 3));
        r.put("language", LANGUAGES[random.nextInt(LANGUAGES.length)]);
    }

    private static String words(Random random, int count) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < count; i++) {
            s.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        }
        return s.toString();
    }
}
