package io.jadevectordb.engine.crash;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.TestOptions;

/**
 * The recording crash layer ({@link RecordingFileIO}, {@link PowerLossImages}) for tests outside
 * this package, such as the connector's commit-invariant test: options that route a store's
 * file I/O through a recorder, crash points, and the images a power loss at one of them could
 * leave. Shipped in the engine's test-jar; the seam itself stays package-private.
 */
public final class PowerLossRecorder {

    private final RecordingFileIO io;
    /** Reused while crash points do not decrease: building an image replays the recording up to its point. */
    private PowerLossImages images;

    private PowerLossRecorder(RecordingFileIO io) {
        this.io = io;
    }

    /**
     * Records everything written under {@code root} from now on (creating it when absent). Every
     * file already there is taken as durable, so the caller must hand over a durable state: an
     * empty directory, or an image this class materialised.
     */
    public static PowerLossRecorder under(Path root) throws IOException {
        return new PowerLossRecorder(RecordingFileIO.under(Files.createDirectories(root)));
    }

    /**
     * As {@link #under}, except that every file and directory force is dropped, as if the engine
     * never called one: a check of durability must find lost commits against it.
     */
    public static PowerLossRecorder withoutForcesUnder(Path root) throws IOException {
        return new PowerLossRecorder(RecordingFileIO.under(Files.createDirectories(root)).withoutForces());
    }

    /** {@code options} with all store file I/O going through this recorder. */
    public StoreOptions applyTo(StoreOptions options) {
        return TestOptions.withFileIO(options, io);
    }

    /** The recording seam itself, for {@link InjectedFault} to put a fault layer in front of. */
    RecordingFileIO io() {
        return io;
    }

    /** A crash point "right now": every operation that completed before this call is before it. */
    public int mark() {
        return io.recording().mark();
    }

    /** The operations around a crash point, for failure messages. */
    public String describe(int point) {
        return io.recording().describe(point);
    }

    /**
     * Writes into {@code target} (empty or absent) the least a power loss at {@code point} leaves:
     * each file as of its last force, directory entries as of their last directory force.
     */
    public synchronized List<Path> materialiseForcedOnly(int point, Path target) throws IOException {
        return imagesFor(point).materialiseForcedOnly(point, target);
    }

    /**
     * Writes into {@code target} (empty or absent) one state a power loss at {@code point} could
     * leave, drawn with {@code seed}: forced bytes plus any mixture of later writes, torn sectors,
     * a random prefix of the later directory changes.
     */
    public synchronized List<Path> materialise(int point, long seed, Path target) throws IOException {
        return imagesFor(point).materialise(point, new Random(seed), target);
    }

    private PowerLossImages imagesFor(int point) {
        if (images == null || images.size() < point) {
            images = new PowerLossImages(io.recording());
        }
        return images;
    }
}
