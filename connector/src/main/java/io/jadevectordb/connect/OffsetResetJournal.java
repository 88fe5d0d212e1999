package io.jadevectordb.connect;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalLong;

import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offset resets accepted through the REST API (KIP-875) and not yet carried out, one file per
 * partition in {@code <data.dir>/.offset-resets/}: the connector records a reset while it is
 * stopped, and the task that next opens the partition drops the partition's local state,
 * replays from the recorded offset, and only then deletes the file (so a crash part-way
 * repeats the drop, which is idempotent, and never replays into half-dropped shards).
 *
 * <p>File {@code <topic>-<partition>.reset}, US-ASCII, two lines: {@code offset=N} (or
 * {@code offset=earliest} for a removal) and {@code requested=<ISO-8601 instant>}. Written as
 * a temporary, forced, renamed into place, and the directory forced, so a reset the REST API
 * acknowledged survives a power loss.
 */
final class OffsetResetJournal {

    private static final Logger log = LoggerFactory.getLogger(OffsetResetJournal.class);

    static final String DIRECTORY = ".offset-resets";
    private static final String SUFFIX = ".reset";
    private static final String EARLIEST = "earliest";
    /** What {@link #pending} returns for a reset to the earliest offset (a {@code DELETE}). */
    static final long EARLIEST_OFFSET = -1;

    private final Path directory;

    OffsetResetJournal(Path dataDir) {
        this.directory = dataDir.resolve(DIRECTORY);
    }

    Path directory() {
        return directory;
    }

    /** Records resets, durably; a null offset is a removal (replay from the earliest offset). */
    void record(Map<TopicPartition, Long> offsets) throws IOException {
        Files.createDirectories(directory);
        // The directory's own entry in data.dir (always: an earlier call may have crashed before this force).
        force(directory.getParent());
        Instant now = Instant.now();
        for (Map.Entry<TopicPartition, Long> entry : offsets.entrySet()) {
            Long offset = entry.getValue();
            String text = "offset=" + (offset == null ? EARLIEST : Long.toString(offset)) + "\nrequested=" + now + "\n";
            Path file = file(entry.getKey());
            Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        forceDirectory();
    }

    /**
     * The offset a partition is to be replayed from, {@link #EARLIEST_OFFSET} for the earliest,
     * or empty when no reset of it is pending.
     *
     * @throws IOException when the file cannot be read or does not say where to start
     */
    OptionalLong pending(TopicPartition partition) throws IOException {
        Path file = file(partition);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException none) {
            return OptionalLong.empty();
        }
        for (String line : text.split("\n")) {
            if (line.startsWith("offset=")) {
                String value = line.substring("offset=".length()).trim();
                if (value.equals(EARLIEST)) {
                    return OptionalLong.of(EARLIEST_OFFSET);
                }
                try {
                    long offset = Long.parseLong(value);
                    if (offset >= 0) {
                        return OptionalLong.of(offset);
                    }
                } catch (NumberFormatException e) {
                    // reported below
                }
            }
        }
        throw new IOException("offset reset file " + file + " of " + partition + " has no valid 'offset=N' or 'offset="
                + EARLIEST + "' line; fix or delete the file (deleting it cancels the reset)");
    }

    /** The reset of {@code partition} is carried out: forget it, durably. */
    void done(TopicPartition partition) throws IOException {
        if (Files.deleteIfExists(file(partition))) {
            forceDirectory();
            log.info("{}: offset reset carried out; removed {}", partition, file(partition));
        }
    }

    private Path file(TopicPartition partition) {
        return directory.resolve(KafkaPosition.source(partition) + SUFFIX);
    }

    private void forceDirectory() throws IOException {
        force(directory);
    }

    private static void force(Path directory) throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
