package io.jadevectordb.engine.crash;

import java.util.ArrayList;
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
}
