package io.jadevectordb.engine.io;

import java.util.concurrent.locks.Lock;

/**
 * {@code inLock}, as Kafka's storage code has it: runs an action holding a lock and releases
 * the lock however the action ends. For classes that take the same lock in many places, so
 * that none of them can forget the {@code finally}.
 */
public final class Locks {

    private Locks() {
    }

    /** An action with a result that may throw {@code E}. */
    @FunctionalInterface
    public interface Action<T, E extends Exception> {
        T run() throws E;
    }

    /** An action without a result that may throw {@code E}. */
    @FunctionalInterface
    public interface VoidAction<E extends Exception> {
        void run() throws E;
    }

    /** Runs {@code action} holding {@code lock} and returns its result. */
    public static <T, E extends Exception> T inLock(Lock lock, Action<T, E> action) throws E {
        lock.lock();
        try {
            return action.run();
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code action} holding {@code lock}. */
    public static <E extends Exception> void inLock(Lock lock, VoidAction<E> action) throws E {
        lock.lock();
        try {
            action.run();
        } finally {
            lock.unlock();
        }
    }
}
