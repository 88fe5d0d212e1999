package io.jadevectordb.engine;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * The in-memory model the engine is compared with: id -> live vector after a sequence of
 * mutations, and the ids held deleted (soft-deleted since the last compaction).
 */
final class Model {

    private final Map<String, float[]> live = new HashMap<>();
    private final java.util.Set<String> deleted = new java.util.HashSet<>();

    void apply(Mutation m) {
        switch (m.op()) {
            case STORE -> {
                live.put(m.id(), m.vector());
                deleted.remove(m.id());
            }
            case UPDATE -> live.computeIfPresent(m.id(), (k, v) -> m.vector());
            case DELETE -> {
                if (live.remove(m.id()) != null) {
                    deleted.add(m.id());
                }
            }
        }
    }

    Map<String, float[]> live() {
        return live;
    }

    /** Ids soft-deleted and not stored again since the last {@link #compact()}. */
    java.util.Set<String> deleted() {
        return deleted;
    }

    /** Compaction reclaims every deleted entry. */
    void compact() {
        deleted.clear();
    }

    /** A sorted copy with vectors as lists, for readable comparison failures. */
    static Map<String, java.util.List<Float>> comparable(Map<String, float[]> state) {
        Map<String, java.util.List<Float>> out = new TreeMap<>();
        state.forEach((k, v) -> {
            java.util.List<Float> list = new java.util.ArrayList<>(v.length);
            for (float f : v) {
                list.add(f);
            }
            out.put(k, list);
        });
        return out;
    }

    /** Everything visible in a shard, via scan. */
    static Map<String, float[]> visible(Shard shard) {
        Map<String, float[]> state = new HashMap<>();
        shard.scan(state::put);
        return state;
    }

    /** A random mutation over a small id space, so ids are stored, updated, deleted and re-stored. */
    static Mutation randomMutation(Random random, int idSpace, int dimension, long offset) {
        String id = "id-" + random.nextInt(idSpace);
        int op = random.nextInt(10);
        if (op < 5) {
            return Mutation.store(id, Vectors.random(random, dimension), offset);
        }
        if (op < 8) {
            return Mutation.update(id, Vectors.random(random, dimension), offset);
        }
        return Mutation.delete(id, offset);
    }
}
