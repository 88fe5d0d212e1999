package io.jadevectordb.engine;

import io.jadevectordb.engine.io.FileIO;

/**
 * The options only tests set, for tests outside the root package: they stay package-private in
 * {@link StoreOptions}, so users configure exactly what they did before.
 */
public final class TestOptions {

    private TestOptions() {
    }

    /** {@code options} with every file operation going through {@code io} (recording, fault injection). */
    public static StoreOptions withFileIO(StoreOptions options, FileIO io) {
        return options.withFileIO(io);
    }

    /** {@code options} writing index snapshots of at least {@code entries} entries in the background. */
    public static StoreOptions withBackgroundSnapshotEntries(StoreOptions options, long entries) {
        return options.withBackgroundSnapshotEntries(entries);
    }
}
