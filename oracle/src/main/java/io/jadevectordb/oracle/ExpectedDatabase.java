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
 * {@code op=DELETE} record or a tombstone) removes a live id and is a no-op otherwise.
 */
public final class ExpectedDatabase {

    private final Map<String, float[]> live = new HashMap<>();
    private final Set<String> deleted = new HashSet<>();

    /** STORE: {@code vector} (copied) becomes the id's live vector, whatever it held before. */
    public void store(String id, float[] vector) {
        live.put(id, vector.clone());
        deleted.remove(id);
    }

    /**
     * UPDATE: replaces the vector of a live id.
     *
     * @return false when the id is not live, and nothing changed
     */
    public boolean update(String id, float[] vector) {
        return live.computeIfPresent(id, (k, v) -> vector.clone()) != null;
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

    /** Ids deleted and not stored again since the last {@link #compact()}, read-only. */
    public Set<String> deleted() {
        return Collections.unmodifiableSet(deleted);
    }
}
