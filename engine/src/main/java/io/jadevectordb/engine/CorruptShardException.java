package io.jadevectordb.engine;

import java.io.IOException;

/** A file that is not a readable JVDB shard: wrong magic, unknown version, bad header, no valid checkpoint. */
public class CorruptShardException extends IOException {
    public CorruptShardException(String message) {
        super(message);
    }
}
