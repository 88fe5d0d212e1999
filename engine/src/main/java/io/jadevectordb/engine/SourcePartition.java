package io.jadevectordb.engine;

import java.util.Objects;

/**
 * An opaque source of ordered mutations, such as one Kafka topic partition.
 *
 * <p>The engine knows nothing about Kafka: a source partition is a stream name plus a
 * partition number, and it names the shard files it feeds ({@code <stream>-<partition>.jvdb}
 * inside each database directory). Offsets handed in with mutations and commits are
 * positions in this source; the engine stores them and gives back the lowest durable one.
 */
public record SourcePartition(String stream, int partition) {

    /** Longest stream name accepted (Kafka's own topic-name limit). */
    public static final int MAX_STREAM_LENGTH = 249;

    /** The source used by the engine's direct (non-streaming) API. */
    public static final SourcePartition LOCAL = new SourcePartition("local", 0);

    /** Suffix of every shard file. */
    public static final String SHARD_SUFFIX = ".jvdb";

    public SourcePartition {
        Objects.requireNonNull(stream, "stream");
        if (stream.isEmpty() || stream.length() > MAX_STREAM_LENGTH) {
            throw new IllegalArgumentException("source stream name '" + stream + "' must be 1.."
                    + MAX_STREAM_LENGTH + " characters");
        }
        for (int i = 0; i < stream.length(); i++) {
            char c = stream.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!ok) {
                throw new IllegalArgumentException("source stream name '" + stream
                        + "' contains '" + c + "'; only letters, digits, '.', '_' and '-' are allowed"
                        + " (the Kafka topic alphabet)");
            }
        }
        if (stream.equals(".") || stream.equals("..")) {
            throw new IllegalArgumentException("source stream name '" + stream + "' is reserved");
        }
        if (partition < 0) {
            throw new IllegalArgumentException("source partition of '" + stream + "' must be >= 0, was " + partition);
        }
    }

    /** The shard file name this source feeds in every database, e.g. {@code vectors-3.jvdb}. */
    public String shardFileName() {
        return stream + "-" + partition + SHARD_SUFFIX;
    }

    /**
     * Parses a shard file name back into its source, or returns null when the name is not a
     * shard file.
     */
    public static SourcePartition fromShardFileName(String fileName) {
        if (!fileName.endsWith(SHARD_SUFFIX)) {
            return null;
        }
        String base = fileName.substring(0, fileName.length() - SHARD_SUFFIX.length());
        int dash = base.lastIndexOf('-');
        if (dash <= 0 || dash == base.length() - 1) {
            return null;
        }
        try {
            return new SourcePartition(base.substring(0, dash), Integer.parseInt(base.substring(dash + 1)));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return stream + "-" + partition;
    }
}
