package io.jadevectordb.engine;

import java.util.Random;

/** Test vectors. */
public final class Vectors {

    private Vectors() {
    }

    public static float[] random(Random random, int dimension) {
        float[] v = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            v[i] = random.nextFloat() * 2 - 1;
        }
        return v;
    }

    /** A vector whose components encode {@code seed}, so a mix-up between ids shows. */
    public static float[] of(int dimension, long seed) {
        return random(new Random(seed), dimension);
    }
}
