package io.jadevectordb.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import io.jadevectordb.oracle.ExpectedDatabase;

/**
 * A shard written and committed (phase one), then written further (phase two), with the bytes
 * a power loss could mix and the source log that replay reads.
 *
 * <p>Phase one stores every id of the id space (so the index reaches its final size) plus
 * random mutations, then commits. Phase two applies updates, deletes, re-stores and a few new
 * ids (never enough to grow the index), and in the "crash during commit" variant ends with a
 * commit whose checkpoint page can only reach the disk after every data page.
 *
 * @param dimension         vector dimension
 * @param crashDuringCommit whether phase two ends with a commit
 * @param committed         the file after phase one's commit: durable
 * @param dirty             the file (page cache) at the end of phase two
 * @param mutations         both phases, in source order
 * @param committedOffset   the offset phase one committed
 * @param lastOffset        the last offset of phase two
 */
public record CrashScenario(int dimension, boolean crashDuringCommit, byte[] committed, byte[] dirty, List<Mutation> mutations,
                     long committedOffset, long lastOffset) {

    static final int PAGE = 4096;
    static final int SECTOR = 512;

    /** Writes a scenario in {@code dir} with a dimension up to {@code maxDimension} and an id space up to {@code maxIds}. */
    static CrashScenario write(Path dir, Random random, StoreOptions options, int maxDimension, int maxIds) throws IOException {
        int dimension = 1 + random.nextInt(maxDimension);
        int idSpace = 20 + random.nextInt(maxIds - 20);
        boolean crashDuringCommit = random.nextBoolean();
        Path live = Files.createDirectories(dir).resolve("live-0.jvdb");
        List<Mutation> mutations = new ArrayList<>();
        long offset = 0;
        try (Shard shard = Shard.openForWrite("crash/live-0.jvdb", live, dimension, 16, options)) {
            for (int i = 0; i < idSpace; i++) {
                offset = apply(shard, mutations, Mutation.store("id-" + i, Vectors.random(random, dimension), offset));
            }
            for (int i = random.nextInt(60); i > 0; i--) {
                offset = apply(shard, mutations, Mutations.random(random, idSpace, dimension, offset));
            }
            long committedOffset = offset - 1;
            shard.commit(committedOffset);
            byte[] committed = Files.readAllBytes(live);
            long capacity = shard.stats().indexCapacity();
            int room = (int) (capacity * ShardFormat.MAX_LOAD) - idSpace - 1;
            int newIds = Math.min(room, random.nextInt(12));
            int phaseTwo = 1 + random.nextInt(80);
            for (int i = 0; i < phaseTwo; i++) {
                Mutation m = i < newIds ? Mutation.store("new-" + i, Vectors.random(random, dimension), offset)
                        : Mutations.random(random, idSpace, dimension, offset);
                offset = apply(shard, mutations, m);
            }
            if (crashDuringCommit) {
                shard.commit(offset - 1);
            }
            byte[] dirty = Files.readAllBytes(live);
            if (shard.stats().indexCapacity() != capacity) {
                throw new IllegalStateException("phase two grew the index; the scenario is built so that it cannot");
            }
            shard.releaseQuietly();
            return new CrashScenario(dimension, crashDuringCommit, committed, dirty, mutations, committedOffset, offset - 1);
        }
    }

    private static long apply(Shard shard, List<Mutation> log, Mutation m) throws IOException {
        log.add(m);
        shard.apply(m, ShardFormat.idBytes(m.id()));
        return m.sourceOffset() + 1;
    }

    /** The model's state after every mutation. */
    ExpectedDatabase model() {
        return Mutations.expectedAfter(mutations.stream());
    }

    /** Applies the mutations after {@code checkpoint} to a recovered shard, as replay from the source would. */
    void replayAfter(long checkpoint, Shard shard) throws IOException {
        for (Mutation m : mutations) {
            if (m.sourceOffset() > checkpoint) {
                shard.apply(m, ShardFormat.idBytes(m.id()));
            }
        }
    }

    /**
     * An image a power loss could leave: the committed bytes plus an arbitrary subset of the
     * pages phase two dirtied, each whole or torn at sector granularity. The header page
     * changes only by the new checkpoint, which lands (whole, or torn so that its sector may
     * still be old) only after every data page.
     */
    byte[] crashImage(Random random) {
        return crashImage(committed, dirty, crashDuringCommit, random);
    }

    /**
     * {@link #crashImage(Random)} for any file: {@code committed} as of its last force,
     * {@code dirty} as the page cache held it when the power went. Page 0 holds the
     * checkpoint, which a commit writes only after forcing every other page.
     */
    public static byte[] crashImage(byte[] committed, byte[] dirty, boolean crashDuringCommit, Random random) {
        byte[] image = Arrays.copyOf(committed, dirty.length);
        boolean headerLands = crashDuringCommit && random.nextInt(3) == 0;
        for (int page = 0; page * PAGE < dirty.length; page++) {
            int from = page * PAGE;
            int to = Math.min(dirty.length, from + PAGE);
            if (Arrays.equals(image, from, to, dirty, from, to)) {
                continue;
            }
            int choice = random.nextInt(4);
            if (page == 0) {
                choice = headerLands ? random.nextInt(2) : 3;
            } else if (headerLands) {
                choice = 0;
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

    /** Describes an image for assertion messages, so a failure can be replayed from its seed. */
    String describe(long seed, int scenario, int image) {
        return "seed " + seed + ", scenario " + scenario + ", image " + image + " (dimension " + dimension
                + ", crash during commit " + crashDuringCommit + ")";
    }
}
