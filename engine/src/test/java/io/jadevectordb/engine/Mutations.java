package io.jadevectordb.engine;

import java.util.Random;
import java.util.stream.Stream;

import io.jadevectordb.oracle.ExpectedDatabase;

/** Engine mutations in tests: random streams, and what they do to the shared oracle. */
public final class Mutations {

    private Mutations() {
    }

    /** A random mutation over a small id space, so ids are stored, updated, deleted and re-stored. */
    public static Mutation random(Random random, int idSpace, int dimension, long offset) {
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

    /** Applies {@code m} to the oracle. */
    public static void applyTo(ExpectedDatabase expected, Mutation m) {
        switch (m.op()) {
            case STORE -> expected.store(m.id(), m.vector());
            case UPDATE -> expected.update(m.id(), m.vector());
            case DELETE -> expected.delete(m.id());
        }
    }

    /** The oracle after {@code mutations}, in order. */
    public static ExpectedDatabase expectedAfter(Stream<Mutation> mutations) {
        ExpectedDatabase expected = new ExpectedDatabase();
        mutations.forEachOrdered(m -> applyTo(expected, m));
        return expected;
    }
}
