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
        return random(random, idSpace, dimension, offset, true);
    }

    /** As {@link #random(Random, int, int, long)} without metadata: for the direct API, which takes none. */
    public static Mutation randomWithoutMetadata(Random random, int idSpace, int dimension, long offset) {
        return random(random, idSpace, dimension, offset, false);
    }

    private static Mutation random(Random random, int idSpace, int dimension, long offset, boolean withMetadata) {
        String id = "id-" + random.nextInt(idSpace);
        int op = random.nextInt(10);
        // About a third carry metadata (a few a whole map chunk's worth); some UPDATEs only re-tag.
        byte[] metadata = withMetadata && random.nextInt(3) == 0 ? metadata(random) : null;
        if (op < 5) {
            return Mutation.store(id, Vectors.random(random, dimension), metadata, offset);
        }
        if (op < 8) {
            boolean retag = metadata != null && random.nextBoolean();
            return Mutation.update(id, retag ? null : Vectors.random(random, dimension), metadata, offset);
        }
        return Mutation.delete(id, offset);
    }

    /** A random metadata document: usually short, sometimes empty, now and then over 8 KiB. */
    public static byte[] metadata(Random random) {
        int length = random.nextInt(20) == 0 ? 8192 + random.nextInt(2000) : random.nextInt(60);
        byte[] document = new byte[length];
        random.nextBytes(document);
        return document;
    }

    /** Applies {@code m} to the oracle. */
    public static void applyTo(ExpectedDatabase expected, Mutation m) {
        switch (m.op()) {
            case STORE -> expected.store(m.id(), m.vector(), m.metadata());
            case UPDATE -> expected.update(m.id(), m.vector(), m.metadata());
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
