package io.jadevectordb.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
        // Odd offsets carry the vector as little-endian bytes (the connector's form), even ones as a float[]:
        // chosen without drawing from random, so every seeded stream stays the one it was.
        boolean bytes = withMetadata && (offset & 1) == 1;
        if (op < 5) {
            float[] vector = Vectors.random(random, dimension);
            return bytes ? Mutation.storeBytes(id, littleEndian(vector), metadata, offset) : Mutation.store(id, vector, metadata, offset);
        }
        if (op < 8) {
            boolean retag = metadata != null && random.nextBoolean();
            float[] vector = retag ? null : Vectors.random(random, dimension);
            return bytes && vector != null ? Mutation.updateBytes(id, littleEndian(vector), metadata, offset)
                    : Mutation.update(id, vector, metadata, offset);
        }
        return Mutation.delete(id, offset);
    }

    /** {@code vector} as little-endian float32 bytes in a heap buffer. */
    public static ByteBuffer littleEndian(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(vector);
        return bytes;
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
            case STORE -> expected.store(m.id(), m.vectorAsFloats(), m.metadata());
            case UPDATE -> expected.update(m.id(), m.vectorAsFloats(), m.metadata());
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
