/**
 * Kafka offsets: where a record sits, where a partition resumes, and whether the log still
 * holds what a shard's checkpoint assumes.
 *
 * <p>{@link io.jadevectordb.connect.offsets.KafkaPosition} is a record's original topic partition
 * and offset (KIP-793), the terms offsets are committed in and shard files are named by.
 * {@link io.jadevectordb.connect.offsets.ResumeCheck} compares each delivered offset with the one
 * expected next and refuses a recreated topic or a log that lost records;
 * {@link io.jadevectordb.connect.offsets.RestoreProgress} reports a partition rebuilt by replay;
 * {@link io.jadevectordb.connect.offsets.OffsetResetGuard} decides whether an offset reset through
 * the REST API can reach the shards, and {@link io.jadevectordb.connect.offsets.OffsetResetJournal}
 * records it in {@code data.dir} until a task carries it out.
 *
 * <p>Uses only the root package's configuration and metrics; nothing of the apply path or the task.
 * Its public types are public for the task, the connector and the apply path only, not an API.
 */
package io.jadevectordb.connect.offsets;
