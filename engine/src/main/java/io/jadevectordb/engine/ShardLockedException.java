package io.jadevectordb.engine;

import java.io.IOException;
import java.nio.file.Path;

/** Another writer (this or another process) holds the shard's lock. Retrying later may help. */
public class ShardLockedException extends IOException {
    public ShardLockedException(Path shard) {
        super("shard " + shard + " is locked by another writer (a second task, worker or "
                + "process using the same data directory); stop the other writer or wait for it "
                + "to release the partition");
    }
}
