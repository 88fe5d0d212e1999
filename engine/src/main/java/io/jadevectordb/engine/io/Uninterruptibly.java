package io.jadevectordb.engine.io;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Waits and closes that an interrupt must not cut short. Kafka Connect interrupts a task
 * thread on a forced shutdown, and the task then closes its store on that thread: a wait
 * that gave up there would free memory or let go of a lock that another thread still uses,
 * and a channel call on an interrupted thread throws {@code ClosedByInterruptException} and
 * closes the channel. So these wait to the end and clear the flag while they work, then
 * restore it for the caller to see.
 */
public final class Uninterruptibly {

    private Uninterruptibly() {
    }

    /** An action that does I/O. */
    @FunctionalInterface
    public interface IoAction {
        public void run() throws IOException;
    }

    /**
     * Runs {@code action} with the calling thread's interrupt flag cleared, so its channel calls
     * complete, and sets the flag again afterwards if it was set before or meanwhile.
     */
    public static void run(IoAction action) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            action.run();
        } finally {
            if (interrupted || Thread.interrupted()) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** {@link Future#get()} to the end, however often the caller is interrupted meanwhile. */
    public static void await(Future<?> future) throws ExecutionException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    future.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** {@link ExecutorService#awaitTermination} to the end of {@code timeout}, however often the caller is interrupted meanwhile. */
    public static boolean awaitTermination(ExecutorService executor, long timeout, TimeUnit unit) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        try {
            while (true) {
                try {
                    return executor.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
