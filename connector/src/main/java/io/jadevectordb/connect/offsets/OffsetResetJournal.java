package io.jadevectordb.connect.offsets;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Predicate;

import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jadevectordb.engine.SourcePartition;

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
public final class OffsetResetJournal {

    private static final Logger log = LoggerFactory.getLogger(OffsetResetJournal.class);

    public static final String DIRECTORY = ".offset-resets";
    private static final String SUFFIX = ".reset";
    private static final String EARLIEST = "earliest";
    /** What {@link #pending} returns for a reset to the earliest offset (a {@code DELETE}). */
    public static final long EARLIEST_OFFSET = -1;

    private final Path directory;

    public OffsetResetJournal(Path dataDir) {
        this.directory = dataDir.resolve(DIRECTORY);
    }

    public Path directory() {
        return directory;
    }

    /** Records resets, durably; a null offset is a removal (replay from the earliest offset). */
    public void record(Map<TopicPartition, Long> offsets) throws IOException {
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
    public OptionalLong pending(TopicPartition partition) throws IOException {
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
    public void done(TopicPartition partition) throws IOException {
        if (Files.deleteIfExists(file(partition))) {
            forceDirectory();
            log.info("{}: offset reset carried out; removed {}", partition, file(partition));
        }
    }

    /**
     * Deletes, durably, the resets of partitions whose topic the connector no longer consumes
     * (its {@code topics} changed while the reset waited): no task will open them, and a reset
     * kept for a topic added back months later would drop state nobody meant to drop. Resets of
     * topics still consumed are kept however old: they were acknowledged, so they are carried out.
     *
     * @return the partitions whose reset was discarded
     */
    public List<TopicPartition> discardUnconsumed(Predicate<String> consumed) throws IOException {
        List<TopicPartition> discarded = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return discarded;
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
            stream.forEach(files::add);
        }
        for (Path file : files) {
            String name = file.getFileName().toString();
            SourcePartition source = SourcePartition.fromShardFileName(
                    name.substring(0, name.length() - SUFFIX.length()) + SourcePartition.SHARD_SUFFIX);
            if (source == null || consumed.test(source.stream())) {
                continue;
            }
            TopicPartition partition = new TopicPartition(source.stream(), source.partition());
            Files.deleteIfExists(file);
            discarded.add(partition);
            log.warn("{}: discarded the offset reset recorded in {}: the connector no longer consumes topic {}", partition,
                    file, source.stream());
        }
        if (!discarded.isEmpty()) {
            forceDirectory();
        }
        return discarded;
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
