package io.jadevectordb.quickstart;

import io.jadevectordb.engine.Database;
import io.jadevectordb.engine.VectorStore;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/** Brute-force top-k by cosine similarity over a database, for the quickstart's closing demo. */
final class SampleSearch {

    private SampleSearch() {
    }

    record Hit(String id, double score) {
    }

    static void run(VectorStore store, String database, PrintStream out) throws IOException {
        Database db = store.database(database).orElseThrow();
        float[][] query = new float[1][];
        String[] queryId = new String[1];
        db.scan((id, v) -> {
            if (query[0] == null) {
                query[0] = v;
                queryId[0] = id;
            }
        });
        if (query[0] == null) {
            out.println("  (database is empty)");
            return;
        }
        PriorityQueue<Hit> top = new PriorityQueue<>(Comparator.comparingDouble(Hit::score));
        db.scan((id, v) -> {
            top.add(new Hit(id, cosine(query[0], v)));
            if (top.size() > 5) {
                top.poll();
            }
        });
        List<Hit> hits = new ArrayList<>(top);
        hits.sort(Comparator.comparingDouble(Hit::score).reversed());
        out.println("  query: the vector of " + queryId[0]);
        for (Hit hit : hits) {
            out.printf("    %-24s %.4f%n", hit.id(), hit.score());
        }
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / (Math.sqrt(na) * Math.sqrt(nb) + 1e-30);
    }
}
