package io.jadevectordb.engine;

import java.io.IOException;

/**
 * A store was opened for writing by an identity other than its owner
 * (the owner {@link VectorStore} was opened with); the message names both and the fix.
 */
public class StoreOwnedException extends IOException {

    private static final long serialVersionUID = 1L;

    public StoreOwnedException(String message) {
        super(message);
    }
}
