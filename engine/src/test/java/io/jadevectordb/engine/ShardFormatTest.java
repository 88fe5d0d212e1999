package io.jadevectordb.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The byte layout of docs/format.md, and the refusal of files that do not follow it. */
class ShardFormatTest {

    @TempDir
    Path dir;

    private final StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO);

    private Path committedShard() throws Exception {
        Path file = dir.resolve("f-0.jvdb");
        try (Shard shard = Shard.openForWrite("db/f-0.jvdb", file, 768, 128, options)) {
            shard.apply(Mutation.store("doc-17", Vectors.of(768, 17), 41), ShardFormat.idBytes("doc-17"));
            shard.commit(41);
        }
        return file;
    }

    @Test
    void headerLayoutMatchesTheSpecification() throws Exception {
        byte[] bytes = Files.readAllBytes(committedShard());
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new String(bytes, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("JVDB");
        assertThat(ByteBuffer.wrap(bytes).getInt(0)).isEqualTo(0x4A564442);
        assertThat(b.getShort(4)).isEqualTo((short) 1);
        assertThat(b.getInt(8)).isEqualTo(768);
        assertThat(b.getInt(12)).isEqualTo(128);
        assertThat(b.getInt(16)).isEqualTo(3264); // 768*4 + 2 + 128 = 3202, aligned to 64
        assertThat(b.getInt(20)).isEqualTo(64);
        assertThat(b.getLong(24)).isEqualTo(4096);
        assertThat(b.getLong(32)).isEqualTo(8192);
        assertThat(b.getInt(60)).isEqualTo(ShardFormat.crc(bytes, 0, 60));
        assertThat(b.getLong(32) % 64).isZero();
        // Newest checkpoint: the clean close, with the committed offset and one slot.
        Checkpoint c = Checkpoint.newest("f", bytes);
        assertThat(c.clean()).isTrue();
        assertThat(c.sourceOffset()).isEqualTo(41);
        assertThat(c.slotCount()).isEqualTo(1);
        assertThat(c.headerOffset()).isEqualTo((c.generation() & 1) == 1 ? 512 : 1024);
        // The slot: vector at the data offset, 64-byte aligned, then id length and id.
        assertThat(b.getFloat(8192)).isEqualTo(Vectors.of(768, 17)[0]);
        assertThat(b.getShort(8192 + 768 * 4)).isEqualTo((short) 6);
        assertThat(new String(bytes, 8192 + 768 * 4 + 2, 6, StandardCharsets.UTF_8)).isEqualTo("doc-17");
    }

    @Test
    void refusesAFileThatIsNotJvdb() throws Exception {
        Path file = committedShard();
        byte[] bytes = Files.readAllBytes(file);
        bytes[0] = 'X';
        Files.write(file, bytes);
        assertThatThrownBy(() -> Shard.openForWrite("db/f-0.jvdb", file, 768, 128, options))
                .isInstanceOf(CorruptShardException.class).hasMessageContaining("not a JVDB file").hasMessageContaining("f-0.jvdb");
    }

    @Test
    void refusesAnUnknownVersion() throws Exception {
        Path file = committedShard();
        byte[] bytes = Files.readAllBytes(file);
        bytes[4] = 9;
        Files.write(file, bytes);
        assertThatThrownBy(() -> Shard.openForWrite("db/f-0.jvdb", file, 768, 128, options))
                .isInstanceOf(CorruptShardException.class).hasMessageContaining("unknown format version 9");
    }

    @Test
    void refusesATruncatedHeader() throws Exception {
        Path file = committedShard();
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, 100));
        assertThatThrownBy(() -> Shard.openForWrite("db/f-0.jvdb", file, 768, 128, options))
                .isInstanceOf(CorruptShardException.class).hasMessageContaining("truncated");
    }

    @Test
    void refusesADamagedStaticHeader() throws Exception {
        Path file = committedShard();
        byte[] bytes = Files.readAllBytes(file);
        bytes[8] ^= 1; // dimension, without fixing the checksum
        Files.write(file, bytes);
        assertThatThrownBy(() -> Shard.openForWrite("db/f-0.jvdb", file, 768, 128, options))
                .isInstanceOf(CorruptShardException.class).hasMessageContaining("static header checksum mismatch");
    }

    @Test
    void refusesAFileWhoseCheckpointPairIsCorrupted() throws Exception {
        Path file = committedShard();
        byte[] bytes = Files.readAllBytes(file);
        bytes[512 + 3] ^= 1;
        bytes[1024 + 3] ^= 1;
        Files.write(file, bytes);
        assertThatThrownBy(() -> Shard.openForWrite("db/f-0.jvdb", file, 768, 128, options))
                .isInstanceOf(CorruptShardException.class).hasMessageContaining("both checkpoints");
    }

    @Test
    void refusesATruncatedDataRegion() throws Exception {
        Path file = committedShard();
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, 8192 + 100));
        assertThatThrownBy(() -> Shard.openForWrite("db/f-0.jvdb", file, 768, 128, options))
                .isInstanceOf(CorruptShardException.class).hasMessageContaining("truncated data region");
    }

    @Test
    void idsWithTheSameHashAreStillDistinguishedByTheirFullBytes() throws Exception {
        // Force every id into one probe chain by filling a small table densely; then check each by full id.
        try (Shard shard = Shard.openForWrite("db/h-0.jvdb", dir.resolve("h-0.jvdb"), 2, 16, options)) {
            for (int i = 0; i < 47; i++) {
                shard.apply(Mutation.store("k" + i, new float[] {i, -i}, i), ShardFormat.idBytes("k" + i));
            }
            assertThat(shard.stats().indexCapacity()).isEqualTo(64);
            for (int i = 0; i < 47; i++) {
                assertThat(shard.get(ShardFormat.idBytes("k" + i))).containsExactly(i, -i);
            }
            assertThat(shard.get(ShardFormat.idBytes("k47"))).isNull();
        }
    }
}
