package io.jadevectordb.engine.verify;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jadevectordb.engine.CorruptShardException;
import io.jadevectordb.engine.ShardLockedException;
import io.jadevectordb.engine.ShardStats;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.format.ShardFile;
import io.jadevectordb.engine.shard.Shard;

/**
 * Offline compaction of one shard (what {@code jvdb compact} runs): the shard is opened as its
 * writer would open it ({@link Shard#openForWrite}, which takes the writer lock, recovers a
 * file left by a crash and upgrades a format 1 file), {@link Shard#compact} rewrites the log
 * with only the newest record of every id into a new file with a new log id, forces it and
 * renames it over the old one (then forces the directory), and the shard is closed cleanly,
 * which writes the index snapshot of the new log. A crash at any point leaves the old file or
 * the complete new one (a leftover {@code .tmp} is deleted by the next writer open), each
 * exactly the last commit.
 *
 * <p>It refuses with {@link ShardLockedException} while a writer holds the shard, and with
 * {@link CorruptShardException} when {@link ShardVerifier} finds a fault (checked lock-free just
 * before opening): compaction would copy the damage into a file that looks healthy.
 *
 * <p><b>Why tombstones are kept.</b> A deleted id keeps its DELETE record, which carries the
 * source offset of the delete. Replay after a crash or a rebalance starts from the lowest
 * checkpoint among a partition's shards, which may lie before the delete; a replayed older
 * STORE of the id is then skipped because the tombstone's offset is higher. Without the
 * tombstone nothing would remember the delete, and that replayed store would resurrect the id
 * until the delete itself is replayed, giving readers and replay outcomes (an UPDATE applied
 * instead of "not found") that the first run never had. A tombstone costs one record header and
 * the id; superseded STOREs, the real space, are what compaction reclaims.
 */
public final class OfflineCompaction {

    private static final Logger log = LoggerFactory.getLogger(OfflineCompaction.class);

    /**
     * What a compaction did.
     *
     * @param name             {@code database/file}
     * @param file             the shard file
     * @param bytesBefore      file size before (preallocated space included)
     * @param bytesAfter       file size after
     * @param logBytesBefore   end of the committed log before (after recovery or migration)
     * @param logBytesAfter    end of the log after
     * @param liveCount        live ids kept
     * @param deletedKept      deleted ids whose tombstones are kept (see the class comment)
     * @param garbageReclaimed bytes of superseded records dropped
     * @param sourceOffset     the checkpoint source offset, unchanged
     * @param recoveredFirst   true when the file was not closed cleanly and was recovered first
     * @param migratedFirst    true when the file was format 1 and was upgraded first
     */
    public record Result(String name, Path file, long bytesBefore, long bytesAfter, long logBytesBefore, long logBytesAfter,
                         long liveCount, long deletedKept, long garbageReclaimed, long sourceOffset, boolean recoveredFirst,
                         boolean migratedFirst) {
    }

    private OfflineCompaction() {
    }

    /**
     * Compacts one shard file.
     *
     * @param name {@code database/file}, for messages
     * @throws ShardLockedException  when a writer holds the shard; nothing is changed
     * @throws CorruptShardException when the file has faults; nothing is changed
     */
    public static Result compact(String name, Path file, StoreOptions options) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such shard file");
        }
        ShardReport report = ShardVerifier.verify(name, file, options);
        if (report.hasFaults()) {
            ShardProblem first = report.faults().get(0);
            throw new CorruptShardException("shard " + name + ": not compacted, verification found " + report.faults().size()
                    + " fault(s), first: " + first.where() + ": " + first.fault() + "; nothing was changed (run `jvdb verify` for all)");
        }
        ShardFile shardFile = ShardFile.read(name, file);
        long bytesBefore = Files.size(file);
        ShardStats before;
        ShardStats after;
        try (Shard shard = Shard.openForWrite(name, file, shardFile.dimension(), shardFile.maxIdBytes(), options)) {
            before = shard.stats();
            shard.compact();
            after = shard.stats();
        }
        // Measured after the clean close: the file is then exactly what the next open finds.
        Result result = new Result(name, file, bytesBefore, Files.size(file), before.logBytes(), after.logBytes(),
                after.liveCount(), after.deletedCount(), before.garbageBytes(), after.checkpointOffset(), !shardFile.clean(),
                shardFile.version() == 1);
        log.info("shard {}: compacted offline from {} to {} bytes ({} live, {} tombstones kept, {} bytes of superseded records "
                        + "dropped, checkpoint offset {} unchanged)", name, result.bytesBefore(), result.bytesAfter(),
                result.liveCount(), result.deletedKept(), result.garbageReclaimed(), result.sourceOffset());
        return result;
    }
}
