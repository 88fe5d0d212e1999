/**
 * The fast-path converter ({@link io.jadevectordb.connect.avro.VectorMutationAvroConverter}, named
 * in shipped configs): Confluent wire format, a schema registry client, and Avro decoded straight
 * into the canonical mutation struct, the vector as packed float32 bytes and the writer's other
 * fields as one CBOR map ({@code MetadataTranscoder}). A value it cannot
 * decode becomes an {@link io.jadevectordb.connect.avro.UndecodableValue} that the sink
 * dead-letters. Uses nothing of the sink.
 */
package io.jadevectordb.connect.avro;
