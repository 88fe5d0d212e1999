/**
 * The apply path, from a delivered record to a durable offset.
 *
 * <p>{@link io.jadevectordb.connect.apply.RecordMapper} turns a record into a
 * {@link io.jadevectordb.connect.apply.RoutedMutation} (or an
 * {@link io.jadevectordb.connect.apply.InvalidRecordException} naming the field, the value and the
 * fix, which {@link io.jadevectordb.connect.apply.ErrantRecordRouter} sends to the dead letter queue
 * or lets fail the task); {@link io.jadevectordb.connect.apply.DatabaseCatalog} checks it against
 * its database; {@link io.jadevectordb.connect.apply.PartitionBuffers} holds it per partition in
 * Kafka order; {@link io.jadevectordb.connect.apply.BatchApplier} applies full batches, on a
 * background thread through {@link io.jadevectordb.connect.apply.ApplyPipeline}; at each offset
 * commit {@link io.jadevectordb.connect.apply.CommitCoordinator} applies what is left, makes it
 * durable through the engine's commit and returns only offsets whose mutations are on disk.
 * {@link io.jadevectordb.connect.apply.IoRetryWindow} decides, per partition, whether an I/O
 * failure is waited out or fails the task.
 *
 * <p>Uses {@link io.jadevectordb.connect.offsets} (positions), {@link io.jadevectordb.connect.avro}
 * (undecodable values) and the root package's configuration and metrics; never the task. Its
 * public types are public for the task only, not an API.
 */
package io.jadevectordb.connect.apply;
