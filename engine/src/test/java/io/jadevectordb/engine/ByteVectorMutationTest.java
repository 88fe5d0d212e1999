package io.jadevectordb.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.format.ShardFormat;

/**
 * The byte-level mutation ({@link Mutation#storeBytes}, {@link Mutation#updateBytes}): the same
 * record bytes, checks and semantics as the float[] form, with the caller's bytes copied once
 * into the log and not kept.
 */
class ByteVectorMutationTest {

    private static final SourcePartition SOURCE = new SourcePartition("t", 0);

    @TempDir
    Path root;

    private final StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO);

    /** Bit patterns a float[] round trip must keep: signed zero, subnormal, extremes, a NaN with a payload. */
    private static float[] awkward() {
        return new float[] {1.5f, -0.0f, Float.MIN_VALUE, -Float.MAX_VALUE, Float.intBitsToFloat(0x7fc00123), 42f};
    }

    /** {@code vector} as little-endian bytes after a few unrelated bytes, with the position on the vector. */
    private static ByteBuffer le(float[] vector) {
        ByteBuffer buffer = ByteBuffer.allocate(3 + vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.put(new byte[] {9, 9, 9});
        for (float f : vector) {
            buffer.putFloat(f);
        }
        return buffer.position(3);
    }

    private static byte[] encoded(ByteBuffer out, int length) {
        byte[] bytes = new byte[length];
        out.duplicate().position(0).get(bytes);
        return bytes;
    }

    @Test
    void shardFormatEncodesTheBytesExactlyAsTheFloats() {
        float[] v = awkward();
        byte[] id = "doc-7".getBytes(StandardCharsets.UTF_8);
        for (byte[] metadata : Arrays.asList(null, new byte[0], "{tag: x}".getBytes(StandardCharsets.UTF_8))) {
            ByteBuffer a = ByteBuffer.allocateDirect(256).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer b = ByteBuffer.allocateDirect(256).order(ByteOrder.LITTLE_ENDIAN);
            // Dirty buffers: padding and stale bytes must be overwritten the same way.
            for (int i = 0; i < 256; i++) {
                a.put(i, (byte) 0x5a);
                b.put(i, (byte) 0xa5);
            }
            int la = ShardFormat.encodeRecord(a, ShardFormat.TYPE_STORE, 17, v, id, metadata, new CRC32C());
            ByteBuffer bytes = Mutation.storeBytes("doc-7", le(v), null, 17).vectorBytes();
            int lb = ShardFormat.encodeRecord(b, ShardFormat.TYPE_STORE, 17, bytes, id, metadata, new CRC32C());
            assertThat(lb).isEqualTo(la);
            assertThat(encoded(b, lb)).as("metadata %s", metadata == null ? "none" : metadata.length).isEqualTo(encoded(a, la));
        }
    }

    @Test
    void theLogHoldsTheSameRecordBytesWhicheverFormTheVectorCameIn() throws Exception {
        float[] v1 = awkward();
        float[] v2 = {0f, 1f, 2f, 3f, 4f, 5f};
        byte[] md = "{lang: en}".getBytes(StandardCharsets.UTF_8);
        try (VectorStore store = VectorStore.open(root, options.withAllowNonFinite(true))) {
            store.createDatabase("floats", 6);
            store.createDatabase("bytes", 6);
            store.apply("floats", SOURCE, List.of(Mutation.store("a", v1, md, 0), Mutation.store("b", v2, 1),
                    Mutation.update("a", v2, null, 2), Mutation.update("b", null, md, 3)));
            store.apply("bytes", SOURCE, List.of(Mutation.storeBytes("a", le(v1), md, 0), Mutation.storeBytes("b", le(v2), null, 1),
                    Mutation.updateBytes("a", le(v2), null, 2), Mutation.update("b", null, md, 3)));
            store.commit(SOURCE, 3);
        }
        byte[] floats = Files.readAllBytes(root.resolve("floats/t-0.jvdb"));
        byte[] bytes = Files.readAllBytes(root.resolve("bytes/t-0.jvdb"));
        int first = (int) ShardFormat.FIRST_RECORD;
        assertThat(Arrays.copyOfRange(bytes, first, bytes.length)).isEqualTo(Arrays.copyOfRange(floats, first, floats.length));
        try (VectorStore store = VectorStore.open(root, options.withAllowNonFinite(true))) {
            Database db = store.database("bytes").orElseThrow();
            StoredVector b = db.getEntry("b").orElseThrow();
            assertThat(b.vector()).containsExactly(v2);
            assertThat(b.metadata()).containsExactly(md);
        }
    }

    @Test
    void theCallersBytesAreCopiedNotKept() throws Exception {
        float[] v = {1f, 2f, 3f};
        ByteBuffer caller = le(v);
        try (VectorStore store = VectorStore.open(root, options)) {
            Database db = store.createDatabase("db", 3);
            store.apply("db", SOURCE, List.of(Mutation.storeBytes("a", caller, null, 0)));
            assertThat(caller.position()).as("the caller's position").isEqualTo(3);
            // A consumer may reuse its array once apply returned: the stored vector must not change.
            Arrays.fill(caller.array(), (byte) 0x7f);
            assertThat(db.get("a").orElseThrow()).containsExactly(v);
        }
    }

    @Test
    void updateAndReTagKeepWhatTheyDoNotCarry() throws Exception {
        byte[] md = "{a: 1}".getBytes(StandardCharsets.UTF_8);
        try (VectorStore store = VectorStore.open(root, options)) {
            Database db = store.createDatabase("db", 2);
            List<Mutation.Outcome> outcomes = store.apply("db", SOURCE, List.of(
                    Mutation.updateBytes("missing", le(new float[] {1f, 1f}), null, 0),
                    Mutation.storeBytes("a", le(new float[] {1f, 2f}), md, 1),
                    Mutation.updateBytes("a", le(new float[] {3f, 4f}), null, 2),
                    Mutation.updateBytes("a", le(new float[] {9f, 9f}), null, 2)));
            assertThat(outcomes).containsExactly(Mutation.Outcome.NOT_FOUND, Mutation.Outcome.APPLIED, Mutation.Outcome.APPLIED,
                    Mutation.Outcome.SKIPPED_STALE);
            StoredVector a = db.getEntry("a").orElseThrow();
            assertThat(a.vector()).containsExactly(3f, 4f);
            assertThat(a.metadata()).as("an UPDATE without metadata keeps it").containsExactly(md);
            store.apply("db", SOURCE, List.of(Mutation.update("a", null, new byte[] {1}, 3)));
            assertThat(db.getEntry("a").orElseThrow().vector()).as("a re-tag keeps the byte-stored vector").containsExactly(3f, 4f);
        }
    }

    @Test
    void theBytesAreRefusedWithTheFloatFormsMessages() throws Exception {
        try (VectorStore store = VectorStore.open(root, options)) {
            Database db = store.createDatabase("db", 3);
            float[][] bad = {{1f, 2f}, {1f, Float.NaN, 3f}, {1f, 2f, Float.NEGATIVE_INFINITY}, {Float.POSITIVE_INFINITY, 0f, 0f}};
            for (float[] v : bad) {
                InvalidMutationException viaFloats = catchThrowableOfType(
                        () -> store.apply("db", SOURCE, List.of(Mutation.store("x", v, 0))), InvalidMutationException.class);
                InvalidMutationException viaBytes = catchThrowableOfType(
                        () -> store.apply("db", SOURCE, List.of(Mutation.storeBytes("x", le(v), null, 0))),
                        InvalidMutationException.class);
                assertThat(viaFloats).as(Arrays.toString(v)).isNotNull();
                assertThat(viaBytes).as(Arrays.toString(v)).isNotNull();
                assertThat(viaBytes.field()).isEqualTo(viaFloats.field());
                assertThat(viaBytes.value()).isEqualTo(viaFloats.value());
                assertThat(viaBytes.getMessage()).isEqualTo(viaFloats.getMessage());
            }
            assertThat(db.get("x")).isEmpty();
        }
        assertThatThrownBy(() -> Mutation.storeBytes("x", ByteBuffer.allocate(7), null, 0))
                .isInstanceOf(InvalidMutationException.class).hasMessageContaining("7 bytes").hasMessageContaining("multiple of 4");
        assertThatThrownBy(() -> new Mutation(Mutation.Op.STORE, "x", new float[1], 0, null, ByteBuffer.allocate(4)))
                .isInstanceOf(InvalidMutationException.class).hasMessageContaining("twice");
    }

    @Test
    void allowedNonFiniteBytesAreStoredBitForBit() throws Exception {
        float[] v = {Float.NaN, Float.POSITIVE_INFINITY, Float.intBitsToFloat(0xffc00001)};
        try (VectorStore store = VectorStore.open(root, options.withAllowNonFinite(true))) {
            Database db = store.createDatabase("db", 3);
            store.apply("db", SOURCE, List.of(Mutation.storeBytes("n", le(v), null, 0)));
            float[] got = db.get("n").orElseThrow();
            for (int i = 0; i < v.length; i++) {
                assertThat(Float.floatToRawIntBits(got[i])).as("component %d", i).isEqualTo(Float.floatToRawIntBits(v[i]));
            }
        }
    }
}
