package io.jadevectordb.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images a power loss could leave, opened, replayed and compared with the model.
 *
 * <p>A shard is written and committed, then written further (phase two). The crash image is
 * the committed file plus an arbitrary subset of the 4 KiB pages that phase two dirtied, each
 * page taken whole, or torn (an arbitrary subset of its 512-byte sectors), or not at all. In
 * the "crash during commit" variant phase two ends with a commit, whose checkpoint page can
 * only have reached the disk after every data page (that is the order commit forces in).
 * Opening the image must succeed, and replaying the source after the recovered checkpoint must
 * rebuild exactly the model's state.
 *
 * <p>Images per run: {@code -Djvdb.crash.images=N} (default 2000).
 */
class CrashConsistencyTest {

    private static final int PAGE = 4096;
    private static final int SECTOR = 512;
    private static final int IMAGES = Integer.getInteger("jvdb.crash.images", 2000);

    @TempDir
    Path dir;

    private final StoreOptions options = StoreOptions.defaults().withFlushInterval(Duration.ZERO)
            .withMapChunkBytes(8192).withGrowthBytes(PAGE);

    @Test
    void everyCrashImageRecoversToTheModelAfterReplay() throws Exception {
        long seed = Long.getLong("jvdb.crash.seed", System.nanoTime());
        Random random = new Random(seed);
        int scenarios = Math.max(1, IMAGES / 50);
        int images = 0;
        for (int s = 0; s < scenarios; s++) {
            images += runScenario(random, seed, s, IMAGES / scenarios);
        }
        assertThat(images).as("images checked (seed %d)", seed).isGreaterThanOrEqualTo(IMAGES - scenarios);
    }

    private int runScenario(Random random, long seed, int scenario, int imageCount) throws Exception {
        int dimension = 1 + random.nextInt(300);
        int idSpace = 20 + random.nextInt(60);
        boolean crashDuringCommit = random.nextBoolean();
        Path scenarioDir = Files.createDirectories(dir.resolve("s" + scenario));
        Path live = scenarioDir.resolve("live-0.jvdb");

        List<Mutation> mutations = new ArrayList<>();
        long offset = 0;
        byte[] committed;
        byte[] dirty;
        long committedOffset;
        try (Shard shard = Shard.openForWrite("crash/live-0.jvdb", live, dimension, 16, options)) {
            // Phase one: enough distinct ids that the index reached its final size, then commit.
            for (int i = 0; i < idSpace; i++) {
                Mutation m = Mutation.store("id-" + i, Vectors.random(random, dimension), offset++);
                mutations.add(m);
                shard.apply(m, ShardFormat.idBytes(m.id()));
            }
            int phaseOne = random.nextInt(60);
            for (int i = 0; i < phaseOne; i++) {
                Mutation m = Model.randomMutation(random, idSpace, dimension, offset++);
                mutations.add(m);
                shard.apply(m, ShardFormat.idBytes(m.id()));
            }
            committedOffset = offset - 1;
            shard.commit(committedOffset);
            committed = Files.readAllBytes(live);
            int capacity = shard.stats().indexCapacity();
            // Phase two: updates, deletes, re-stores and a few new ids (never enough to grow the index).
            int room = (int) (capacity * ShardFormat.MAX_LOAD) - idSpace - 1;
            int newIds = Math.min(room, random.nextInt(12));
            int phaseTwo = 1 + random.nextInt(80);
            for (int i = 0; i < phaseTwo; i++) {
                Mutation m = i < newIds
                        ? Mutation.store("new-" + i, Vectors.random(random, dimension), offset++)
                        : Model.randomMutation(random, idSpace, dimension, offset++);
                mutations.add(m);
                shard.apply(m, ShardFormat.idBytes(m.id()));
            }
            if (crashDuringCommit) {
                shard.commit(offset - 1);
            }
            dirty = Files.readAllBytes(live);
            assertThat(shard.stats().indexCapacity()).isEqualTo(capacity);
            shard.releaseQuietly();
        }
        Model model = new Model();
        mutations.forEach(model::apply);

        int checked = 0;
        for (int image = 0; image < imageCount; image++) {
            Random imageRandom = new Random(random.nextLong());
            byte[] crashed = crashImage(committed, dirty, crashDuringCommit, imageRandom);
            Path file = scenarioDir.resolve("image-0.jvdb");
            Files.write(file, crashed);
            String context = "seed " + seed + ", scenario " + scenario + ", image " + image + " (dimension " + dimension
                    + ", crash during commit " + crashDuringCommit + ")";
            try (Shard recovered = Shard.openForWrite("crash/image-0.jvdb", file, dimension, 16, options)) {
                long from = recovered.checkpoint().sourceOffset();
                assertThat(from).as(context).isIn(committedOffset, offset - 1);
                for (Mutation m : mutations) {
                    if (m.sourceOffset() > from) {
                        recovered.apply(m, ShardFormat.idBytes(m.id()));
                    }
                }
                assertThat(Model.comparable(Model.visible(recovered))).as(context)
                        .isEqualTo(Model.comparable(model.live()));
                ShardStats stats = recovered.stats();
                assertThat(stats.liveCount()).as(context).isEqualTo(model.live().size());
            }
            checked++;
        }
        return checked;
    }

    /**
     * The committed bytes plus an arbitrary subset of the pages phase two dirtied, whole or
     * torn at sector granularity. When the new checkpoint page lands, every data page is new.
     */
    static byte[] crashImage(byte[] committed, byte[] dirty, boolean checkpointMayLand, Random random) {
        byte[] image = Arrays.copyOf(committed, dirty.length);
        boolean headerLands = checkpointMayLand && random.nextInt(3) == 0;
        for (int page = 0; page * PAGE < dirty.length; page++) {
            int from = page * PAGE;
            int to = Math.min(dirty.length, from + PAGE);
            if (Arrays.equals(image, from, to, dirty, from, to)) {
                continue;
            }
            boolean header = page == 0;
            int choice = random.nextInt(4);
            if (headerLands && !header) {
                choice = 0;
            }
            if (header) {
                // The header page changes only by the new checkpoint: it lands (whole, or torn so
                // that its sector may still be old) only after every data page.
                choice = headerLands ? random.nextInt(2) : 3;
            }
            switch (choice) {
                case 0 -> System.arraycopy(dirty, from, image, from, to - from);
                case 1 -> {
                    for (int sector = from; sector < to; sector += SECTOR) {
                        if (random.nextBoolean()) {
                            System.arraycopy(dirty, sector, image, sector, Math.min(SECTOR, to - sector));
                        }
                    }
                }
                default -> {
                    // the page never reached the disk
                }
            }
        }
        return image;
    }

    @Test
    void tornWriteOfTheNewestCheckpointFallsBackToThePreviousOne() throws IOException {
        Path file = dir.resolve("t-0.jvdb");
        try (Shard shard = Shard.openForWrite("t/t-0.jvdb", file, 4, 16, options)) {
            shard.apply(Mutation.store("a", Vectors.of(4, 1), 0), ShardFormat.idBytes("a"));
            shard.commit(0);
            shard.apply(Mutation.store("b", Vectors.of(4, 2), 1), ShardFormat.idBytes("b"));
            shard.commit(1);
            shard.releaseQuietly();
        }
        byte[] bytes = Files.readAllBytes(file);
        Checkpoint newest = Checkpoint.newest("t", Arrays.copyOf(bytes, PAGE));
        bytes[newest.headerOffset() + 8] ^= 0x5a; // tear the newest copy
        Files.write(file, bytes);
        Checkpoint fallback = Shard.readCheckpoint("t", file);
        assertThat(fallback.generation()).isEqualTo(newest.generation() - 1);
        try (Shard shard = Shard.openForWrite("t/t-0.jvdb", file, 4, 16, options)) {
            assertThat(shard.checkpoint().sourceOffset()).isEqualTo(fallback.sourceOffset());
            assertThat(shard.get(ShardFormat.idBytes("a"))).containsExactly(Vectors.of(4, 1));
        }
    }
}
