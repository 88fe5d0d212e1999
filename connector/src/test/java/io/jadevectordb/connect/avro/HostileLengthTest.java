package io.jadevectordb.connect.avro;

import static io.jadevectordb.connect.avro.AvroFixtures.evolvedSchema;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.avro.Schema;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

/**
 * A payload of a few bytes that claims a huge length in any field, read, transcoded as metadata
 * or skipped, is a data error naming the field, the claim and the bytes that remain, and nothing
 * of the claimed size is allocated (measured with the thread's allocation counter, not inferred
 * from the message).
 */
class HostileLengthTest {

    /** Far more than a record of a few bytes can justify; small enough not to strain the test JVM. */
    private static final long CLAIM = 400_000_000L;
    /** What decoding a 30-byte record may allocate, with room for exception messages and stack traces. */
    private static final long ALLOWED_BYTES = 1 << 20;

    private static final Schema EVOLVED = evolvedSchema();
    /** Transcodes tenant, tags, origin and scores as metadata (the default). */
    private static final VectorMutationReader READER = VectorMutationReader.forWriter("vectors", 7, EVOLVED, List.of());
    /** Skips them ({@code metadata.fields=none}). */
    private static final VectorMutationReader SKIPPING = VectorMutationReader.forWriter("vectors", 7, EVOLVED, List.of(),
            MetadataFields.NONE, 65536);

    /**
     * Writes an {@link AvroFixtures#evolvedSchema()} value field by field in writer order:
     * tenant, op, id, tags, vector, origin, database, vector_bytes, scores. Each argument is the
     * field's raw encoding.
     */
    private static byte[] evolved(byte[] tenant, byte[] op, byte[] id, byte[] tags, byte[] vector, byte[] origin,
            byte[] database, byte[] vectorBytes, byte[] scores) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : new byte[][] {tenant, op, id, tags, vector, origin, database, vectorBytes, scores}) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] varint(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long n = (value << 1) ^ (value >> 63);
        while ((n & ~0x7fL) != 0) {
            out.write((int) ((n & 0x7f) | 0x80));
            n >>>= 7;
        }
        out.write((int) n);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] string(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return concat(varint(utf8.length), utf8);
    }

    private static final byte[] NULL_BRANCH = varint(0);
    private static final byte[] SECOND_BRANCH = varint(1);
    private static final byte[] STORE = varint(0);
    private static final byte[] EMPTY = varint(0);
    private static final byte[] HUGE = varint(CLAIM);

    private static byte[] good(String field, byte[] hostile) {
        return evolved(field.equals("tenant") ? hostile : NULL_BRANCH, STORE, field.equals("id") ? hostile : string("doc"),
                field.equals("tags") ? hostile : EMPTY, field.equals("vector") ? hostile : NULL_BRANCH,
                field.equals("origin") ? hostile : NULL_BRANCH, field.equals("database") ? hostile : NULL_BRANCH,
                field.equals("vector_bytes") ? hostile : concat(SECOND_BRANCH, varint(4), new byte[4]),
                field.equals("scores") ? hostile : EMPTY);
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static void assertRefusedWithoutAllocating(byte[] payload, String field, String claim) {
        assertRefusedWithoutAllocating(READER, payload, field, claim);
    }

    /** Refused both when the field is metadata and when it is skipped. */
    private static void assertRefusedKeptOrSkipped(byte[] payload, String field, String claim) {
        assertRefusedWithoutAllocating(READER, payload, field, claim);
        assertRefusedWithoutAllocating(SKIPPING, payload, field, claim);
    }

    private static void assertRefusedWithoutAllocating(VectorMutationReader reader, byte[] payload, String field,
            String claim) {
        long before = allocatedBytes();
        Throwable thrown = null;
        try {
            reader.read("vectors", payload, 0, payload.length);
        } catch (Throwable t) {
            thrown = t;
        }
        long allocated = allocatedBytes() - before;
        assertThat(thrown).as("decoding a hostile '%s'", field).isInstanceOf(DataException.class)
                .hasMessageContaining("topic vectors, schema id 7")
                .hasMessageContaining("field '" + field + "' claims " + claim)
                .hasMessageContaining("bytes remain of the " + payload.length + "-byte Avro payload");
        assertThat(allocated).as("bytes allocated while refusing a %d-byte payload claiming %s in '%s'", payload.length,
                claim, field).isLessThan(ALLOWED_BYTES);
    }

    @Test
    void theGoodPayloadOfTheseTestsDecodes() {
        byte[] payload = good("none", null);
        assertThat(READER.read("vectors", payload, 0, payload.length).getString("id")).isEqualTo("doc");
    }

    @Test
    void aStringLengthClaimInAReadFieldIsRefusedBeforeAllocating() {
        assertRefusedWithoutAllocating(good("id", HUGE), "id", "a string of " + CLAIM + " bytes");
        assertRefusedWithoutAllocating(good("database", concat(SECOND_BRANCH, HUGE)), "database",
                "a string of " + CLAIM + " bytes");
    }

    @Test
    void aBytesLengthClaimIsRefusedBeforeAllocating() {
        assertRefusedWithoutAllocating(good("vector_bytes", concat(SECOND_BRANCH, HUGE)), "vector_bytes",
                "a bytes value of " + CLAIM + " bytes");
    }

    @Test
    void anArrayBlockCountClaimIsRefusedBeforeAllocating() {
        assertRefusedWithoutAllocating(good("vector", concat(SECOND_BRANCH, HUGE)), "vector",
                CLAIM + " more items of at least 4 bytes");
        // A negative count (a block with its byte size): the count is checked before the size is trusted.
        assertRefusedWithoutAllocating(good("vector", concat(SECOND_BRANCH, varint(-CLAIM), varint(CLAIM * 4))), "vector",
                CLAIM + " more items of at least 4 bytes");
    }

    @Test
    void lengthsInMetadataAndSkippedFieldsAreCheckedToo() {
        assertRefusedKeptOrSkipped(good("tenant", concat(SECOND_BRANCH, HUGE)), "tenant",
                "a string of " + CLAIM + " bytes");
        assertRefusedKeptOrSkipped(good("origin", concat(SECOND_BRANCH, HUGE)), "origin.host",
                "a string of " + CLAIM + " bytes");
        // A fixed whose 16 bytes the payload, cut inside it, does not hold.
        assertRefusedKeptOrSkipped(concat(NULL_BRANCH, STORE, string("doc"), EMPTY, NULL_BRANCH, SECOND_BRANCH, string("h"),
                new byte[15]), "origin.digest", "16 bytes");
        assertRefusedKeptOrSkipped(good("tags", HUGE), "tags", CLAIM + " more items of at least 1 byte");
        assertRefusedKeptOrSkipped(good("tags", concat(varint(1), HUGE)), "tags", "a string of " + CLAIM + " bytes");
        assertRefusedKeptOrSkipped(good("tags", concat(varint(1), string("k"), HUGE)), "tags",
                "a string of " + CLAIM + " bytes");
        assertRefusedKeptOrSkipped(good("scores", HUGE), "scores", CLAIM + " more items of at least 1 byte");
        assertRefusedKeptOrSkipped(good("scores", concat(varint(-2), HUGE)), "scores", "a block of " + CLAIM + " bytes");
        // A negative count whose byte size is plausible: metadata checks the count first, skipping the size.
        assertRefusedWithoutAllocating(READER, good("scores", concat(varint(-CLAIM), varint(8))), "scores",
                CLAIM + " more items of at least 1 byte");
        assertRefusedWithoutAllocating(SKIPPING, good("scores", concat(varint(-CLAIM), varint(8))), "scores",
                "a block of 8 bytes");
    }

    /** A writer whose only fields besides id are metadata of the types that carry lengths. */
    private static final Schema METADATA_TYPES = new Schema.Parser().parse("""
            {"type":"record","name":"M","fields":[{"name":"id","type":"string"},
             {"name":"blob","type":["null","bytes"]},
             {"name":"price","type":["null",{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}]},
             {"name":"nested","type":["null",{"type":"array","items":{"type":"map","values":"string"}}]}]}""");
    private static final VectorMutationReader METADATA_READER =
            VectorMutationReader.forWriter("vectors", 7, METADATA_TYPES, List.of("id"));

    private static byte[] metadataTypes(byte[] blob, byte[] price, byte[] nested) {
        return concat(string("doc"), blob, price, nested);
    }

    @Test
    void lengthClaimsInMetadataBytesDecimalsAndNestedContainersAreRefusedBeforeAllocating() {
        assertRefusedWithoutAllocating(METADATA_READER, metadataTypes(concat(SECOND_BRANCH, HUGE), NULL_BRANCH, NULL_BRANCH),
                "blob", "a bytes value of " + CLAIM + " bytes");
        assertRefusedWithoutAllocating(METADATA_READER, metadataTypes(NULL_BRANCH, concat(SECOND_BRANCH, HUGE), NULL_BRANCH),
                "price", "a bytes value of " + CLAIM + " bytes");
        assertRefusedWithoutAllocating(METADATA_READER, metadataTypes(NULL_BRANCH, NULL_BRANCH,
                concat(SECOND_BRANCH, varint(1), HUGE)), "nested", CLAIM + " more items of at least 1 byte");
        assertRefusedWithoutAllocating(METADATA_READER, metadataTypes(NULL_BRANCH, NULL_BRANCH,
                concat(SECOND_BRANCH, varint(1), varint(1), string("k"), HUGE)), "nested", "a string of " + CLAIM + " bytes");
        assertRefusedWithoutAllocating(METADATA_READER, metadataTypes(NULL_BRANCH, NULL_BRANCH,
                concat(SECOND_BRANCH, varint(-1), HUGE)), "nested", "a block of " + CLAIM + " bytes");
    }

    @Test
    void metadataThatExpandsFarBeyondItsPayloadIsRefusedByTheBoundWithoutBuildingIt() {
        // Records of 40 null fields take no byte in Avro and about 200 bytes in CBOR: 60,000 of
        // them (60 KB of payload, the padding after them never read) would be 12 MB of metadata.
        StringBuilder fields = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            fields.append(i == 0 ? "" : ",").append("{\"name\":\"f").append(i).append("\",\"type\":\"null\"}");
        }
        Schema bomb = new Schema.Parser().parse("""
                {"type":"record","name":"B","fields":[{"name":"id","type":"string"},
                 {"name":"items","type":{"type":"array","items":{"type":"record","name":"E","fields":[%s]}}}]}"""
                .formatted(fields));
        VectorMutationReader reader = VectorMutationReader.forWriter("vectors", 7, bomb, List.of("id"));
        byte[] payload = concat(string("doc"), varint(60_000), new byte[60_000]);

        long before = allocatedBytes();
        assertThatThrownBy(() -> reader.read("vectors", payload, 0, payload.length))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("field 'metadata'")
                .hasMessageContaining("over the limit of 65536")
                .hasMessageContaining("metadata.max.bytes");
        assertThat(allocatedBytes() - before).as("bytes allocated refusing a 60 KB payload that expands to 12 MB")
                .isLessThan(ALLOWED_BYTES);
    }

    @Test
    void deeplyNestedMetadataOrSkippedValuesAreADataErrorNotAStackOverflow() {
        Schema tree = new Schema.Parser().parse("""
                {"type":"record","name":"Node","fields":[{"name":"id","type":"string"},
                 {"name":"child","type":["null","Node"],"default":null}]}""");
        VectorMutationReader reader = VectorMutationReader.forWriter("vectors", 7, tree, List.of("id"));
        // id "x", then 200,000 levels of child (branch 1, empty id), then a null child: 400 KB.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(string("x"));
        for (int i = 0; i < 200_000; i++) {
            out.writeBytes(SECOND_BRANCH);
            out.writeBytes(string(""));
        }
        out.writeBytes(NULL_BRANCH);
        byte[] payload = out.toByteArray();

        assertThatThrownBy(() -> reader.read("vectors", payload, 0, payload.length))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("field 'child")
                .hasMessageContaining("nests deeper than " + MetadataTranscoder.MAX_DEPTH + " levels of metadata");
        VectorMutationReader skipping = VectorMutationReader.forWriter("vectors", 7, tree, List.of("id"),
                MetadataFields.NONE, 65536);
        assertThatThrownBy(() -> skipping.read("vectors", payload, 0, payload.length))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("field 'child")
                .hasMessageContaining("nests deeper than " + AvroPayload.MAX_DEPTH + " levels");
    }

    @Test
    void anOutOfRangeUnionOrEnumIndexIsADataErrorNamingTheField() {
        assertThatThrownBy(() -> {
            byte[] payload = evolved(NULL_BRANCH, varint(9), string("doc"), EMPTY, NULL_BRANCH, NULL_BRANCH, NULL_BRANCH,
                    NULL_BRANCH, EMPTY);
            READER.read("vectors", payload, 0, payload.length);
        }).isInstanceOf(DataException.class).hasMessageContaining("field 'op' names enum symbol 9 of 3");
        assertThatThrownBy(() -> {
            byte[] payload = good("database", varint(5));
            READER.read("vectors", payload, 0, payload.length);
        }).isInstanceOf(DataException.class).hasMessageContaining("field 'database' names union branch 5 of 2");
    }
}
