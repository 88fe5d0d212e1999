package io.jadevectordb.engine;

import java.io.IOException;

/**
 * A force (msync/fsync) failed. The shard is closed and must not be trusted until it is
 * reopened and its source replayed from the checkpoint: after a failed fsync the kernel may
 * have dropped the dirty pages, so retrying the force could report success for lost data.
 */
public class ShardFailedException extends IOException {
    public ShardFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
