package io.jadevectordb.engine.v1;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link FormatOneReader} makes of the format 1 fixtures ({@code src/test/resources/format1},
 * see its README): the kind of every id, the post-checkpoint inserts it skips, and the
 * checkpoint it reads when the newest copy is torn.
 */
class FormatOneReaderTest {

    @TempDir
    Path dir;

    @Test
    void aCleanFileIsReadAsItIsWithItsDeletes() throws Exception {
        Read read = read(fixture("clean"));
        assertThat(read.kinds()).isEqualTo(Map.of("id-0", "LIVE@0", "id-1", "DELETED@6", "id-2", "LIVE@8", "id-3", "LIVE@9", "id-4",
                "LIVE@4", "id-5", "DELETED@10"));
        assertThat(read.discarded()).isZero();
    }

    @Test
    void aTornInPlaceUpdateIsTornAndAnInsertPastTheCheckpointIsSkipped() throws Exception {
        Read read = read(fixture("torn"));
        assertThat(read.kinds()).isEqualTo(Map.of("id-0", "LIVE@0", "id-1", "TORN@-1", "id-2", "LIVE@2", "id-3", "LIVE@3"));
        assertThat(read.discarded()).isEqualTo(1); // id-4, in a slot past the checkpoint's
    }

    @Test
    void wholeEntriesAboveTheCheckpointAreUncommitted() throws Exception {
        Read read = read(fixture("uncommitted"));
        assertThat(read.kinds()).isEqualTo(Map.of("id-0", "UNCOMMITTED@6", "id-1", "UNCOMMITTED@7", "id-2", "LIVE@2", "id-3", "LIVE@3",
                "id-4", "UNCOMMITTED@8"));
        assertThat(read.discarded()).isEqualTo(1); // id-9
    }

    @Test
    void aTornNewestCheckpointFallsBackToThePreviousCopy() throws Exception {
        Path file = fixture("clean");
        byte[] bytes = Files.readAllBytes(file);
        FormatOneHeader before = FormatOneHeader.decode("db/vectors-0.jvdb", file, bytes, bytes.length);
        int newest = (before.checkpoint().generation() & 1) == 1 ? 512 : 1024;
        bytes[newest + 8] ^= 0x5a; // tear the newest copy's source offset: its checksum fails
        Files.write(file, bytes);
        FormatOneHeader after = FormatOneHeader.decode("db/vectors-0.jvdb", file, bytes, bytes.length);
        assertThat(after.checkpoint().generation()).isEqualTo(before.checkpoint().generation() - 1);
        // The previous copy is the commit at 10 the clean close repeated, written while the file was open (not clean).
        assertThat(after.checkpoint().sourceOffset()).isEqualTo(10);
        assertThat(after.checkpoint().clean()).isFalse();
        assertThat(read(file).kinds()).containsEntry("id-2", "LIVE@8").containsEntry("id-5", "DELETED@10").hasSize(6);
    }

    /** Kinds and offsets by id, and the entries skipped. */
    private record Read(Map<String, String> kinds, long discarded) {
    }

    private static Read read(Path file) throws IOException {
        Map<String, String> kinds = new TreeMap<>();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            FormatOneReader reader = FormatOneReader.open("db/vectors-0.jvdb", file, channel);
            for (FormatOneReader.Entry e = reader.next(); e != null; e = reader.next()) {
                assertThat(e.vector() != null).as("vector of %s", e).isEqualTo(e.kind() == FormatOneReader.Kind.LIVE);
                kinds.put(new String(e.id(), StandardCharsets.UTF_8), e.kind() + "@" + e.sourceOffset());
            }
            return new Read(kinds, reader.discarded());
        }
    }

    private Path fixture(String name) throws IOException {
        Path file = dir.resolve(name + ".jvdb");
        try (InputStream in = FormatOneReaderTest.class.getResourceAsStream("/format1/" + name + ".jvdb")) {
            Files.copy(in, file);
        }
        return file;
    }
}
