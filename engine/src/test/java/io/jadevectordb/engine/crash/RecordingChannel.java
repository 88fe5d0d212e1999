package io.jadevectordb.engine.crash;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;

/**
 * A {@link FileChannel} that delegates to the real one and records, into a {@link Recording},
 * each write (position and the bytes actually written), truncate and force once it returns.
 * Recording happens under the recording's lock together with the real call, so the recorded
 * order is the order the calls completed in.
 *
 * <p>A {@code READ_WRITE} mapping is refused, because writes through it would bypass the
 * recording (the seam's rule: mappings are for reading). {@code PRIVATE} (copy-on-write)
 * mappings are allowed: writes to them stay in memory and never reach the file, which is why
 * the engine keeps its index tables in them. {@code transferFrom} (a write) is refused.
 */
final class RecordingChannel extends ForwardingFileChannel {

    private final int node;
    private final Path path;
    private final Recording recording;
    private final boolean realForces;
    /** Forces are swallowed unrecorded (see {@link RecordingFileIO#withoutForces()}). */
    private final boolean dropForces;

    RecordingChannel(FileChannel real, int node, Path path, Recording recording, boolean realForces, boolean dropForces) {
        super(real);
        this.node = node;
        this.path = path;
        this.recording = recording;
        this.realForces = realForces;
        this.dropForces = dropForces;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        synchronized (recording) {
            long position = real.position();
            ByteBuffer copy = src.duplicate();
            int n = real.write(src);
            record(position, copy, n);
            return n;
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            while (srcs[i].hasRemaining()) {
                int n = write(srcs[i]);
                total += n;
                if (n == 0) {
                    return total;
                }
            }
        }
        return total;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        synchronized (recording) {
            ByteBuffer copy = src.duplicate();
            int n = real.write(src, position);
            record(position, copy, n);
            return n;
        }
    }

    private void record(long position, ByteBuffer copy, int n) {
        if (n > 0) {
            byte[] bytes = new byte[n];
            copy.get(bytes);
            recording.add(new FileOp.Write(node, position, bytes));
        }
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        synchronized (recording) {
            long before = real.size();
            real.truncate(size);
            if (size < before) {
                recording.add(new FileOp.Truncate(node, size));
            }
            return this;
        }
    }

    @Override
    public void force(boolean metaData) throws IOException {
        if (dropForces) {
            return;
        }
        synchronized (recording) {
            if (realForces) {
                real.force(metaData);
            }
            recording.add(new FileOp.Force(node, metaData));
        }
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) {
        throw new UnsupportedOperationException("transferFrom into " + path + " would write unrecorded bytes; use write");
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        if (mode == MapMode.READ_WRITE) {
            throw new UnsupportedOperationException("mapping " + path + " " + mode
                    + ": writes through a mapping are not recorded; the engine maps for reading only");
        }
        return real.map(mode, position, size);
    }
}
