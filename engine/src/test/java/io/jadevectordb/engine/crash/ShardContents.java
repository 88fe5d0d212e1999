package io.jadevectordb.engine.crash;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What a shard shows, in a form that compares readably with the oracle's. */
public final class ShardContents {

    private ShardContents() {
    }

    /** A sorted copy with vectors as lists, for readable comparison failures. */
    public static Map<String, List<Float>> comparable(Map<String, float[]> state) {
        Map<String, List<Float>> out = new TreeMap<>();
        state.forEach((k, v) -> {
            List<Float> list = new ArrayList<>(v.length);
            for (float f : v) {
                list.add(f);
            }
            out.put(k, list);
        });
        return out;
    }

    /** Everything visible in a shard, via scan. */
    public static Map<String, float[]> visible(io.jadevectordb.engine.Shard shard) { // CHECKSTYLE:FQN format 1 and format 2 share this name
        Map<String, float[]> state = new HashMap<>();
        shard.scan(state::put);
        return state;
    }
}
