package io.jadevectordb.engine.crash;

import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.TestOptions;

/**
 * The fault-injection layer ({@link FaultyFileIO}) in front of a {@link PowerLossRecorder}, for
 * tests outside this package, such as the connector's check of every {@code preCommit} under
 * injected engine faults: one operation through the store's I/O seam, chosen by the test's
 * seed, fails (an I/O error, an interrupt, or for the control a write silently dropped), while
 * the recorder keeps recording what reached the files, for power-loss images. Shipped in the
 * engine's test-jar; the seam itself stays package-private.
 */
public final class InjectedFault {

    /** What the operation at the fault point does (see {@link FaultyFileIO.Fault}). */
    public enum Kind {
        /** Throws an {@code IOException} (a failing write may first write part of its bytes). */
        IO_ERROR(FaultyFileIO.Fault.IO_ERROR),
        /** Closes the channel, sets the thread's interrupt flag, throws {@code ClosedByInterruptException}. */
        INTERRUPT(FaultyFileIO.Fault.INTERRUPT),
        /** The control: the first write at or after the fault point writes nothing and reports success. */
        SWALLOWED_WRITE(FaultyFileIO.Fault.SWALLOWED_WRITE);

        private final FaultyFileIO.Fault fault;

        Kind(FaultyFileIO.Fault fault) {
            this.fault = fault;
        }
    }

    private final FaultyFileIO io;

    private InjectedFault(FaultyFileIO io) {
        this.io = io;
    }

    /** No fault: only counts the operations, so a test can spread its fault points over a workload. */
    public static InjectedFault none(PowerLossRecorder recorder) {
        return new InjectedFault(new FaultyFileIO(recorder.io(), -1, FaultyFileIO.Fault.IO_ERROR, false));
    }

    /**
     * The operation at index {@code failAt} (counted from this call, in call order) fails with
     * {@code kind}; {@code partialWrite}: a failing write first writes half of its bytes.
     */
    public static InjectedFault at(PowerLossRecorder recorder, long failAt, Kind kind, boolean partialWrite) {
        return new InjectedFault(new FaultyFileIO(recorder.io(), failAt, kind.fault, partialWrite));
    }

    /** {@code options} with all store file I/O going through the fault layer, then the recorder. */
    public StoreOptions applyTo(StoreOptions options) {
        return TestOptions.withFileIO(options, io);
    }

    /** Operations seen so far. */
    public long operations() {
        return io.operations();
    }

    /** The operation that failed ("operation 17: force of ..."), or null when none has. */
    public String fired() {
        return io.fired();
    }
}
