package io.jadevectordb.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** The pieces of search: unrolled kernels and the bounded heap. */
class SearchPartsTest {

    @Test
    void unrolledKernelsAgreeWithTheNaiveSumsForEveryTailLength() {
        Random random = new Random(7);
        for (int n = 0; n <= 40; n++) {
            float[] a = TestStore.random(random, n);
            float[] b = TestStore.random(random, n);
            double dot = 0;
            double l2 = 0;
            for (int i = 0; i < n; i++) {
                dot += (double) a[i] * b[i];
                l2 += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
            }
            assertThat(Metric.dot(a, b)).as("n=%d", n).isCloseTo(dot, within(1e-5));
            assertThat(Metric.squaredDistance(a, b)).as("n=%d", n).isCloseTo(l2, within(1e-5));
        }
    }

    @Test
    void topKKeepsOnlyTheBestKBestFirstAndBreaksTiesById() {
        TopK top = new TopK(3);
        top.offer("e", 0.5, null);
        top.offer("a", 0.9, null);
        top.offer("d", 0.1, null);
        top.offer("c", 0.7, null);
        top.offer("b", 0.7, null);
        top.offer("nan", Double.NaN, null);
        assertThat(top.best()).extracting(TopK.Hit::id).containsExactly("a", "b", "c");
    }
}
