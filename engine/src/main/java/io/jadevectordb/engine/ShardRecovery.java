package io.jadevectordb.engine;

import java.io.IOException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jadevectordb.engine.io.MappedFile;

/**
 * What opening a shard after an unclean shutdown does.
 *
 * <p>The newest valid checkpoint says which data slots were durable ({@code slotCount}, the
 * high-water mark) and which source offset they reflect. Anything written after it may be on
 * disk in any combination of pages. The rules, each guarding one crash case:
 * <ul>
 *   <li>an entry whose own checksum fails was torn mid-write: a post-checkpoint insert (entries
 *       of existing ids are rewritten within one sector), so it is dropped;</li>
 *   <li>an entry pointing at a slot at or past the high-water mark is a post-checkpoint insert
 *       whose data may be missing: dropped; replay re-inserts it;</li>
 *   <li>an entry whose slot fails the payload checksum had its vector rewritten in place after
 *       the checkpoint and the write was torn: the id is kept, its source offset set to -1 so
 *       that replay (which necessarily contains that write) re-applies it;</li>
 *   <li>everything else is trusted as is, including entries newer than the checkpoint: they
 *       are whole, and idempotent replay skips what they already reflect.</li>
 * </ul>
 * The caller then rebuilds the index from the kept entries in a new file renamed into place
 * (dropping entries from an open-addressing table in place would break probe chains, and
 * rewriting it in place would not survive a crash during recovery).
 */
final class ShardRecovery {

    private static final Logger log = LoggerFactory.getLogger(ShardRecovery.class);

    /** Kept entries and figures for the log. */
    record Result(IndexEntries kept, long discarded, long needReplay) {
    }

    private ShardRecovery() {
    }

    static Result scan(String name, MappedFile file, ShardFormat format, ShardIndex index, Checkpoint checkpoint)
            throws IOException {
        long highWater = checkpoint.slotCount();
        IndexEntries kept = new IndexEntries();
        long discarded = 0;
        long needReplay = 0;
        long suspect = 0;
        int firstSuspect = -1;
        for (int p = 0; p < index.capacity(); p++) {
            if (index.isEmpty(p)) {
                continue;
            }
            int slot = index.slotAt(p);
            int flag = index.flagsAt(p);
            if (!index.entryCrcValid(p) || (flag & ShardIndex.FLAG_OCCUPIED) == 0 || index.hashAt(p) == 0
                    || slot < 0 || slot >= highWater) {
                if (!index.entryCrcValid(p) && slot >= 0 && slot < highWater) {
                    // A torn insert is expected; a damaged entry of a durable slot is not (media corruption,
                    // or a disk that tears sectors): its id is lost unless replay rewrites it.
                    suspect++;
                    firstSuspect = firstSuspect < 0 ? p : firstSuspect;
                }
                discarded++;
                continue;
            }
            long offset = index.offsetAt(p);
            int payloadCrc = index.payloadCrcAt(p);
            int idLength = Short.toUnsignedInt(file.getShort(format.idPosition(slot)));
            if (idLength == 0 || idLength > format.maxIdBytes()) {
                // Slots below the high-water mark were durable at the checkpoint and ids are never rewritten.
                throw new CorruptShardException("shard " + name + ": entry " + p + " points at slot " + slot
                        + " whose id length " + idLength + " is invalid although the slot is below the checkpointed "
                        + "high-water mark " + highWater + "; the file is damaged: restore it from a backup or delete it and replay the source");
            }
            if (file.crc32c(format.slotPosition(slot), format.payloadLength(idLength)) != payloadCrc) {
                offset = -1;
                needReplay++;
            }
            kept.add(index.hashAt(p), slot, flag, offset, payloadCrc);
        }
        if (suspect > 0) {
            log.warn("shard {}: {} index entries (first at position {}) fail their checksum but point below the checkpointed "
                    + "high-water mark {}: possible media corruption; those ids are dropped and come back only if the source "
                    + "replays a later write of them; run jvdb verify on a copy and consider replaying the partition from the "
                    + "start", name, suspect, firstSuspect, highWater);
        }
        return new Result(kept, discarded, needReplay);
    }
}
