package io.jadevectordb.engine;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jadevectordb.engine.io.FileIO;
import io.jadevectordb.engine.io.ShardFiles;

/**
 * The one owner of a store (given to {@link VectorStore#open(Path, StoreOptions, String)}): the identity of the source that
 * writes it (for the Kafka sink, its connector), recorded in {@value #FILE} at the store root.
 * Checkpoints, resume points and drops are keyed by source partition across every database
 * of a store, so two sources that share topic names (two connectors, two clusters) must
 * never share one: the second is refused at open, naming both.
 *
 * <p>Written once, whole: a temporary file forced, linked into place (a link fails when the
 * name exists, so of two racing claimants exactly one wins) and the root forced, all through
 * the {@link FileIO} seam. A store without the file (created before owners existed) is adopted
 * by the first owner that opens it; opens without an owner (readers, tools) claim nothing.
 */
final class StoreOwner {

    private static final Logger log = LoggerFactory.getLogger(StoreOwner.class);

    /** The owner record at the store root. */
    static final String FILE = ".owner";
    private static final String KEY = "owner";

    private StoreOwner() {
    }

    /**
     * Records {@code owner} as the store's owner unless it has one, and refuses another.
     *
     * @throws StoreOwnedException when the store belongs to another identity
     */
    static void claim(FileIO io, Path root, String owner) throws IOException {
        String current = read(root);
        if (current == null) {
            boolean adopting = hasDatabases(root);
            write(io, root, owner);
            current = read(root);
            if (owner.equals(current)) {
                if (adopting) {
                    log.warn("store {}: had no owner record; adopted by {} (recorded in {})", root, owner, root.resolve(FILE));
                } else {
                    log.info("store {}: owned by {} (recorded in {})", root, owner, root.resolve(FILE));
                }
                return;
            }
        }
        if (!owner.equals(current)) {
            throw new StoreOwnedException("store " + root + " belongs to " + current + " (recorded in " + root.resolve(FILE)
                    + "), so " + owner + " may not write to it: two sources in one store would mix their checkpoints and "
                    + "lose records. Fix: give " + owner + " its own data directory; or, if " + owner + " really takes over "
                    + "this store (the same data under a new name), stop " + current + " and delete " + root.resolve(FILE));
        }
    }

    /** The recorded owner, or null when there is none. */
    static String read(Path root) throws IOException {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(root.resolve(FILE), StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (NoSuchFileException none) {
            return null;
        }
        String owner = p.getProperty(KEY);
        if (owner == null || owner.isBlank()) {
            throw new CorruptShardException("store " + root + ": " + root.resolve(FILE) + " names no owner ('" + KEY
                    + "=...'); write the owning identity there, or delete the file to let the next writer adopt the store");
        }
        return owner.trim();
    }

    private static void write(FileIO io, Path root, String owner) throws IOException {
        Properties p = new Properties();
        p.setProperty(KEY, owner);
        p.setProperty("claimed", Instant.now().toString());
        StringWriter text = new StringWriter();
        p.store(text, "JadeVectorDB store owner");
        Path tmp = root.resolve(FILE + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        FileChannel channel = io.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            try (channel) {
                ShardFiles.writeFully(channel, ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)), 0);
                channel.force(true);
            }
            io.createLink(root.resolve(FILE), tmp);
            ShardFiles.fsyncDirectory(io, root);
        } catch (FileAlreadyExistsException raced) {
            // another claimant won; the caller compares
        } finally {
            io.deleteIfExists(tmp);
        }
    }

    private static boolean hasDatabases(Path root) throws IOException {
        try (var dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path dir : dirs) {
                if (Database.isDatabaseDirectory(dir)) {
                    return true;
                }
            }
        }
        return false;
    }
}
