package io.jadevectordb.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.jadevectordb.engine.crash.CrashHarness;
import io.jadevectordb.engine.crash.CrashWorkload;
import io.jadevectordb.engine.crash.ForwardingFileIO;
import io.jadevectordb.engine.crash.PowerLossImages;
import io.jadevectordb.engine.crash.RecordingFileIO;
import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.io.FileIO;
import io.jadevectordb.engine.io.ShardFiles;
import io.jadevectordb.engine.v1.FormatOneHeader;

/**
 * Migration of the real format 1 files under {@code src/test/resources/format1}: each gives
 * exactly what the format 1 writer's open-and-recover path gave (recorded beside it), the
 * format 1 file is only read, a file that claims more than it holds is refused, and every image
 * a power loss during the migration could leave opens to the same contents.
 */
class FormatOneMigrationTest {

    private static final String FILE = "vectors-0.jvdb";

    @TempDir
    Path dir;

    static Stream<String> fixtures() {
        return Stream.concat(FormatOneFixtures.MADE.stream(), FormatOneFixtures.CRASH_IMAGES.stream());
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void migratesEachFixtureToWhatTheFormatOneWriterMigratedItTo(String fixture) throws Exception {
        Path file = FormatOneFixtures.copy(fixture, dir.resolve(FILE));
        ShardMigration.migrate("db/" + FILE, file, CrashWorkload.options(FileIO.SYSTEM));
        assertThat(FormatOneFixtures.describeMigrated(file)).isEqualTo(FormatOneFixtures.expected(fixture));
        assertThat(Files.exists(ShardFiles.temporary(file))).isFalse();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void leavesTheFormatOneFileUntouchedWhenTheRenameFails(String fixture) throws Exception {
        Path file = FormatOneFixtures.copy(fixture, dir.resolve(FILE));
        FileIO failingMove = new ForwardingFileIO() {
            @Override
            public void move(Path source, Path target) throws IOException {
                throw new IOException("injected: rename " + source + " -> " + target);
            }
        };
        assertThatThrownBy(() -> ShardMigration.migrate("db/" + FILE, file, CrashWorkload.options(failingMove)))
                .hasMessageContaining("injected");
        assertThat(Files.readAllBytes(file)).isEqualTo(FormatOneFixtures.bytes(fixture + ".jvdb"));
        assertThat(Files.exists(ShardFiles.temporary(file))).isFalse();
    }

    @Test
    void refusesACheckpointThatClaimsMoreSlotsThanTheFileHolds() throws Exception {
        assertRefusedUnchanged(b -> {
            for (int copy : new int[] {512, 1024}) {
                b.putLong(copy + 16, Long.MAX_VALUE / 2); // slot count
                b.putInt(copy + 60, crc(b.array(), copy, 60));
            }
        }, "truncated data region");
    }

    @Test
    void refusesAStaticHeaderWhoseIndexRunsPastTheEndOfTheFile() throws Exception {
        assertRefusedUnchanged(b -> {
            int capacity = 1 << 30;
            b.putInt(20, capacity);
            b.putLong(32, (long) FormatOneHeader.PAGE_SIZE + (long) capacity * 32); // a data offset consistent with that index
            b.putInt(60, crc(b.array(), 0, 60));
        }, "bytes, index ends at");
    }

    @Test
    void refusesACleanEntryThatPointsPastTheCheckpointedSlots() throws Exception {
        assertRefusedUnchanged(b -> {
            int entry = FormatOneHeader.PAGE_SIZE;
            while (b.getLong(entry) == 0) {
                entry += 32;
            }
            b.putInt(entry + 8, 1_000_000);
        }, "points at slot 1000000");
    }

    /** The clean fixture changed by {@code damage} is refused as corrupt with {@code message}, left as it was, with no temporary file. */
    private void assertRefusedUnchanged(Consumer<ByteBuffer> damage, String message) throws Exception {
        Path file = FormatOneFixtures.copy("clean", dir.resolve(FILE));
        byte[] bytes = Files.readAllBytes(file);
        damage.accept(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
        Files.write(file, bytes);
        assertThatThrownBy(() -> ShardMigration.migrate("db/" + FILE, file, CrashWorkload.options(FileIO.SYSTEM)))
                .isInstanceOf(CorruptShardException.class).hasMessageContaining(FILE).hasMessageContaining(message);
        assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
        assertThat(Files.exists(ShardFiles.temporary(file))).isFalse();
    }

    @Test
    void aStoreOpensAFormatOneShardAtItsLastCommitAndReplayGivesTheFirstOutcomes() throws Exception {
        SourcePartition source = new SourcePartition("t", 0);
        try (VectorStore store = VectorStore.open(dir, StoreOptions.defaults().withFlushInterval(Duration.ZERO))) {
            store.createDatabase("db", 4);
            // Committed at 5: id-0..id-3 live, id-4 deleted; then, uncommitted, update id-0 (6), delete id-1 (7),
            // store id-4 (8), store id-9 (9), each applied the first time (src/test/resources/format1/README.md).
            FormatOneFixtures.copy("uncommitted", dir.resolve("db/t-0.jvdb"));
            assertThat(store.checkpoint(source)).hasValue(5);
            Database db = store.database("db").orElseThrow();
            assertThat(db.get("id-2")).hasValueSatisfying(v -> assertThat(v).containsExactly(Vectors.of(4, 3)));
            assertThat(db.get("id-0")).isEmpty(); // a placeholder: its committed vector was overwritten in place
            assertThat(store.apply("db", source, List.of(Mutation.update("id-0", Vectors.of(4, 10), 6), Mutation.delete("id-1", 7),
                    Mutation.store("id-4", Vectors.of(4, 40), 8), Mutation.store("id-9", Vectors.of(4, 90), 9))))
                    .containsOnly(Mutation.Outcome.APPLIED);
            store.commit(source, 9);
            assertThat(db.get("id-0")).hasValueSatisfying(v -> assertThat(v).containsExactly(Vectors.of(4, 10)));
            assertThat(db.get("id-1")).isEmpty();
            assertThat(db.get("id-4")).hasValueSatisfying(v -> assertThat(v).containsExactly(Vectors.of(4, 40)));
        }
        assertThat(ShardFormat.version(dir.resolve("db/t-0.jvdb"), ShardFiles.readPrefix(dir.resolve("db/t-0.jvdb"), 64))).isEqualTo(2);
    }

    /**
     * Records {@code jvdb migrate} of each fixture and checks every image a power loss during it
     * could leave: either the format 1 file byte for byte, or the complete format 2 file; opened
     * as its writer would (migrating again if still format 1), both give the expected contents.
     */
    @ParameterizedTest
    @MethodSource("fixtures")
    void everyPowerLossImageOfAMigrationOpensToTheMigratedContents(String fixture) throws Exception {
        Path run = Files.createDirectories(dir.resolve("run"));
        FormatOneFixtures.copy(fixture, run.resolve(FILE));
        RecordingFileIO io = RecordingFileIO.under(run);
        ShardMigrator.migrate("db/" + FILE, run.resolve(FILE), CrashWorkload.options(io));
        PowerLossImages images = new PowerLossImages(io.recording());
        byte[] formatOne = FormatOneFixtures.bytes(fixture + ".jvdb");
        String expected = contents(FormatOneFixtures.expected(fixture));
        Random random = new Random(fixture.hashCode());
        List<String> findings = new ArrayList<>();
        int formatOneImages = 0;
        int formatTwoImages = 0;
        for (int point = 0; point <= images.size(); point++) {
            for (int i = 0; i < 4; i++) {
                Path image = dir.resolve("image");
                CrashHarness.deleteTree(image);
                images.materialise(point, new Random(random.nextLong()), image);
                Path file = image.resolve(FILE);
                if (!Files.exists(file)) {
                    findings.add("point " + point + ": the shard file is gone");
                    continue;
                }
                if (ShardFormat.version(file, ShardFiles.readPrefix(file, 64)) == 1) {
                    formatOneImages++;
                    if (!Arrays.equals(Files.readAllBytes(file), formatOne)) {
                        findings.add("point " + point + ": a format 1 image that is not the original file");
                    }
                } else {
                    formatTwoImages++;
                    if (!contents(FormatOneFixtures.describeMigrated(file)).equals(expected)) {
                        findings.add("point " + point + ": format 2 image " + FormatOneFixtures.describeMigrated(file));
                    }
                }
                ShardMigrator.migrate("db/" + FILE, file, CrashWorkload.options(FileIO.SYSTEM));
                if (!contents(FormatOneFixtures.describeMigrated(file)).equals(expected)) {
                    findings.add("point " + point + ": reopened to " + FormatOneFixtures.describeMigrated(file));
                }
            }
        }
        assertThat(formatOneImages).isPositive();
        assertThat(formatTwoImages).isPositive();
        assertThat(findings).isEmpty();
    }

    /**
     * A description without what opening and closing the migrated file changes: the generation,
     * the clean flag, and the entry high-water mark (format 2's open recomputes it from the committed records).
     */
    private static String contents(String description) {
        return description.replaceFirst("generation \\d+, ", "").replaceFirst(", entry high water -?\\d+", "")
                .replaceFirst(", clean (true|false)", "");
    }

    private static int crc(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }
}
