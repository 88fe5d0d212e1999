package io.jadevectordb.engine.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Grows a file with Linux {@code fallocate(2)} (mode 0): the file system reserves the extent
 * and marks it unwritten, so it reads as zeros and a full disk fails here with
 * {@code ENOSPC}, as with {@link Preallocator#ZERO_FILL}, but no zero is copied through the
 * page cache. Zero-filling wrote every byte of the log twice (zeros ahead, then the appends
 * over them); on the connector's write path that first copy was its largest single cost
 * (docs/benchmarks.md, issue 18).
 *
 * <p>The C library is called through JNA (no native code of ours). The call needs a file
 * descriptor, which a {@link FileChannel} does not expose, so the file is opened once more by
 * path for the call ({@code O_WRONLY | O_CLOEXEC}) and closed after it. Where the call cannot
 * be made, {@link Preallocator#ZERO_FILL} does the work instead and the log says so once: not
 * Linux on x86-64 or aarch64, JNA cannot load, or the file system does not support it
 * ({@code EOPNOTSUPP}, {@code ENOSYS}). {@code EINTR} is retried (mode 0 is idempotent). Every
 * other error is an {@link IOException} naming the file, the range and the errno. What
 * {@link Preallocator#FALLOCATE} allocates is then read once in the background
 * ({@link PageCacheWarmer}), so the appends find their pages in the page cache.
 */
public final class FallocatePreallocator implements Preallocator {

    private static final Logger log = LoggerFactory.getLogger(FallocatePreallocator.class);

    static final int EINTR = 4;
    static final int ENOSYS = 38;
    static final int EOPNOTSUPP = 95;
    /** Linux's value on x86-64 and aarch64, the only platforms this calls the C library on. */
    static final int O_WRONLY_CLOEXEC = 0x1 | 0x80000;
    /** A signal storm could return EINTR forever; past this many, the failure is real. */
    static final int MAX_EINTR_RETRIES = 100;

    /** The three calls this needs; an interface so tests can make them fail. */
    interface CLibrary extends Library {
        int open(String path, int flags) throws LastErrorException;

        int fallocate(int fd, int mode, long offset, long length) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    /** The C library of this process, or the reason it cannot be used (then null). */
    private static final class Libc {
        static final String UNAVAILABLE;
        static final CLibrary LIBC;

        static {
            CLibrary libc = null;
            String reason = null;
            if (!Platform.isLinux() || !Platform.is64Bit() || !(Platform.ARCH.equals("x86-64") || Platform.ARCH.equals("aarch64"))) {
                reason = "not Linux on x86-64 or aarch64 (" + Platform.ARCH + ", os type " + Platform.getOSType() + ")";
            } else {
                try {
                    libc = Native.load("c", CLibrary.class);
                } catch (LinkageError | RuntimeException e) {
                    reason = "JNA cannot load the C library (" + e + ")";
                }
            }
            LIBC = libc;
            UNAVAILABLE = reason;
        }
    }

    /** The preallocator of this process's C library, warming what it allocates. */
    static final FallocatePreallocator SYSTEM = new FallocatePreallocator(null, true);
    private static final FallocatePreallocator COLD = new FallocatePreallocator(null, false);

    private final CLibrary injected;
    private final boolean warm;
    private final AtomicBoolean fellBack = new AtomicBoolean();

    /** Calls {@code libc} instead of the process's C library (tests); warms nothing. */
    FallocatePreallocator(CLibrary libc) {
        this(libc, false);
    }

    private FallocatePreallocator(CLibrary libc, boolean warm) {
        this.injected = libc;
        this.warm = warm;
    }

    /**
     * {@link Preallocator#FALLOCATE} without the background read that brings the new pages into
     * the page cache ({@link PageCacheWarmer}): the appends allocate them (benchmarks compare).
     */
    public static Preallocator withoutWarming() {
        return COLD;
    }

    /** Whether {@code fallocate(2)} can be called here at all (a file system may still refuse it). */
    public static boolean available() {
        return Libc.LIBC != null;
    }

    @Override
    public void extend(Path path, FileChannel channel, long oldLength, long newLength) throws IOException {
        if (newLength <= oldLength) {
            return;
        }
        CLibrary libc = injected != null ? injected : Libc.LIBC;
        if (libc == null) {
            fallBack(path, channel, oldLength, newLength, Libc.UNAVAILABLE);
            return;
        }
        int fd;
        try {
            fd = libc.open(path.toString(), O_WRONLY_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("cannot open " + path + " to allocate bytes " + oldLength + " to " + newLength + ": "
                    + describe(e), e);
        }
        IOException failure = null;
        try {
            for (int attempt = 0; ; attempt++) {
                try {
                    libc.fallocate(fd, 0, oldLength, newLength - oldLength);
                    if (warm) {
                        PageCacheWarmer.shared().warm(path, oldLength, newLength);
                    }
                    return;
                } catch (LastErrorException e) {
                    int errno = e.getErrorCode();
                    if (errno == EINTR && attempt < MAX_EINTR_RETRIES) {
                        continue;
                    }
                    if (errno == EOPNOTSUPP || errno == ENOSYS) {
                        fallBack(path, channel, oldLength, newLength, "the file system does not support fallocate ("
                                + describe(e) + ")");
                        return;
                    }
                    failure = new IOException("fallocate of " + path + " from " + oldLength + " to " + newLength
                            + " bytes failed: " + describe(e), e);
                    throw failure;
                }
            }
        } finally {
            try {
                libc.close(fd);
            } catch (LastErrorException e) {
                // Nothing was written through this descriptor, so a failed close loses nothing; the call's own error wins.
                if (failure == null) {
                    log.warn("close of {} after fallocate failed: {}", path, describe(e));
                }
            }
        }
    }

    private void fallBack(Path path, FileChannel channel, long oldLength, long newLength, String why) throws IOException {
        if (fellBack.compareAndSet(false, true)) {
            log.info("{}: growing files by writing zeros instead of fallocate: {}", path, why);
        }
        Preallocator.ZERO_FILL.extend(path, channel, oldLength, newLength);
    }

    private static String describe(LastErrorException e) {
        return e.getMessage() + " (errno " + e.getErrorCode() + ")";
    }
}
