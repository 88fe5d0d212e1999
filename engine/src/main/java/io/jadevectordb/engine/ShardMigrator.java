package io.jadevectordb.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import io.jadevectordb.engine.format.ShardFile;
import io.jadevectordb.engine.format.ShardFormat;
import io.jadevectordb.engine.shard.Shard;

/**
 * Upgrades one format 1 shard file to format 2 in place (what {@code jvdb migrate} runs), by
 * opening it as its writer would ({@link Shard#openForWrite}: it takes the writer lock,
 * recovers a file left by a crash, and migrates it crash-safely, see {@link ShardMigration})
 * and closing it cleanly, which writes the new file's index snapshot. A format 2 file is left
 * alone and not opened. Refuses with {@link ShardLockedException} while a writer holds the shard.
 */
public final class ShardMigrator {

    /** What happened to a file. */
    public enum Outcome {
        /** It was format 1 and is format 2 now. */
        MIGRATED,
        /** It was format 2 already; nothing was done. */
        ALREADY_CURRENT
    }

    /**
     * What a migration did.
     *
     * @param name           {@code database/file}
     * @param file           the shard file
     * @param outcome        migrated or already current
     * @param bytesBefore    file size before
     * @param bytesAfter     file size after
     * @param liveCount      live ids
     * @param deletedCount   deleted ids (tombstones)
     * @param sourceOffset   the checkpoint source offset, unchanged by migration
     * @param recoveredFirst true when the format 1 file was not closed cleanly and was recovered first
     */
    public record Result(String name, Path file, Outcome outcome, long bytesBefore, long bytesAfter, long liveCount,
                         long deletedCount, long sourceOffset, boolean recoveredFirst) {
    }

    private ShardMigrator() {
    }

    /**
     * Migrates one shard file if it is format 1.
     *
     * @param name {@code database/file}, for messages
     * @throws ShardLockedException  when a writer holds the shard; nothing is changed
     * @throws CorruptShardException when the file cannot be read as a shard; nothing is changed
     */
    public static Result migrate(String name, Path file, StoreOptions options) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such shard file");
        }
        ShardFile before = ShardFile.read(name, file);
        long bytesBefore = Files.size(file);
        if (before.version() == ShardFormat.VERSION) {
            ShardStats s = Shard.statsOf(name, file);
            return new Result(name, file, Outcome.ALREADY_CURRENT, bytesBefore, bytesBefore, s.liveCount(), s.deletedCount(),
                    s.checkpointOffset(), false);
        }
        ShardStats after;
        try (Shard shard = Shard.openForWrite(name, file, before.dimension(), before.maxIdBytes(), options)) {
            after = shard.stats();
        }
        return new Result(name, file, Outcome.MIGRATED, bytesBefore, Files.size(file), after.liveCount(), after.deletedCount(),
                after.checkpointOffset(), !before.clean());
    }
}
