package io.jadevectordb.oracle;

import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What one database (or one shard of it) must hold after a sequence of mutations applied in
 * order: the live vector of each id, and the ids soft-deleted since the last compaction.
 *
 * <p>The semantics, in one place for every layer's tests: STORE upserts (and revives a deleted
 * id); UPDATE replaces a live id and leaves an absent or deleted one absent (the engine's
 * {@code NOT_FOUND}, the sink's default {@code update.missing.policy=reject}); DELETE (an
 * {@code op=DELETE} record or a tombstone) removes a live id and is a no-op otherwise. Metadata:
 * STORE sets it (none when absent), UPDATE replaces it when it carries any (and the vector when it
 * carries one), DELETE removes it.
 */
public final class ExpectedDatabase {

    private final Map<String, float[]> live = new HashMap<>();
    private final Set<String> deleted = new HashSet<>();
    private final Map<String, byte[]> metadata = new HashMap<>();

    /** STORE: {@code vector} (copied) becomes the id's live vector, whatever it held before. */
    public void store(String id, float[] vector) {
        store(id, vector, null);
    }

    /** STORE with metadata: sets the vector and the metadata (none when null), both copied. */
    public void store(String id, float[] vector, byte[] document) {
        live.put(id, vector.clone());
        deleted.remove(id);
        if (document == null) {
            metadata.remove(id);
        } else {
            metadata.put(id, document.clone());
        }
    }

    /**
     * UPDATE: replaces the vector of a live id.
     *
     * @return false when the id is not live, and nothing changed
     */
    public boolean update(String id, float[] vector) {
        return update(id, vector, null);
    }

    /**
     * UPDATE with metadata: of a live id, replaces the vector when {@code vector} is not null and
     * the metadata when {@code document} is not null, keeping the other.
     *
     * @return false when the id is not live, and nothing changed
     */
    public boolean update(String id, float[] vector, byte[] document) {
        if (!live.containsKey(id)) {
            return false;
        }
        if (vector != null) {
            live.put(id, vector.clone());
        }
        if (document != null) {
            metadata.put(id, document.clone());
        }
        return true;
    }

    /**
     * DELETE: removes a live id, which then counts as deleted until {@link #compact()}.
     *
     * @return false when the id was not live, and nothing changed
     */
    public boolean delete(String id) {
        if (live.remove(id) == null) {
            return false;
        }
        metadata.remove(id);
        deleted.add(id);
        return true;
    }

    /** Compaction reclaims every deleted entry; the live ones stay as they are. */
    public void compact() {
        deleted.clear();
    }

    /** Whether {@code id} is live. */
    public boolean contains(String id) {
        return live.containsKey(id);
    }

    /** id -> live vector, read-only. */
    public Map<String, float[]> live() {
        return Collections.unmodifiableMap(live);
    }

    /** id -> metadata of the live ids that have any, read-only. */
    public Map<String, byte[]> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    /** Ids deleted and not stored again since the last {@link #compact()}, read-only. */
    public Set<String> deleted() {
        return Collections.unmodifiableSet(deleted);
    }
}
