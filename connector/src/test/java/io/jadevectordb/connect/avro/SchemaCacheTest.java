package io.jadevectordb.connect.avro;

import static io.jadevectordb.connect.avro.AvroFixtures.contractSchema;
import static io.jadevectordb.connect.avro.AvroFixtures.evolvedSchema;
import static io.jadevectordb.connect.avro.AvroFixtures.littleEndian;
import static io.jadevectordb.connect.avro.AvroFixtures.mutation;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.RetriableException;
import org.junit.jupiter.api.Test;

import io.jadevectordb.testkit.ApicurioRegistry;
import io.jadevectordb.testkit.ConfluentAvroProducer;

/** The schema cache, observed the real way: by stopping the registry. */
class SchemaCacheTest {

    @Test
    void cachedSchemasKeepDecodingWhileTheRegistryIsDownAndEvictedOnesNeedIt() throws Exception {
        Schema v1 = contractSchema();
        Schema v2 = evolvedSchema();
        byte[] first;
        byte[] second;
        VectorMutationAvroConverter converter = new VectorMutationAvroConverter();
        try (ApicurioRegistry registry = ApicurioRegistry.start()) {
            ConfluentAvroProducer producer = new ConfluentAvroProducer(registry.confluentApiUrl());
            int id1 = producer.register("cache-value", v1);
            int id2 = producer.register("cache-value", v2);
            first = ConfluentAvroProducer.serialize(id1, v1, mutation(v1, "db", "a", "STORE", new float[] {1f}, null));
            second = ConfluentAvroProducer.serialize(id2, v2, mutation(v2, "db", "b", "STORE", new float[] {2f}, null));
            converter.configure(Map.of("schema.registry.url", registry.confluentApiUrl(), "schema.cache.size", "1"), false);
            converter.toConnectData("cache", first);
            converter.toConnectData("cache", second);
        }

        Struct stillCached = (Struct) converter.toConnectData("cache", second).value();

        assertThat(stillCached.getBytes("vector_bytes")).containsExactly(littleEndian(new float[] {2f}));
        assertThatThrownBy(() -> converter.toConnectData("cache", first))
                .as("cache size 1: the first schema was evicted, so decoding it needs the (stopped) registry")
                .isInstanceOf(RetriableException.class)
                .hasMessageContaining("unreachable");
    }

    @Test
    void aWriterSchemaTheReaderRejectsIsCachedAsRejectedNotFetchedPerRecord() throws Exception {
        Schema noId = new Schema.Parser().parse("""
                {"type":"record","name":"Anonymous","fields":[{"name":"vector","type":{"type":"array","items":"float"}}]}""");
        GenericRecord r = new GenericData.Record(noId);
        r.put("vector", AvroFixtures.boxed(new float[] {1f}));
        VectorMutationAvroConverter converter = new VectorMutationAvroConverter();
        byte[] value;
        try (ApicurioRegistry registry = ApicurioRegistry.start()) {
            int id = new ConfluentAvroProducer(registry.confluentApiUrl()).register("rejected-value", noId);
            value = ConfluentAvroProducer.serialize(id, noId, r);
            converter.configure(Map.of("schema.registry.url", registry.confluentApiUrl()), false);
            assertThat(UndecodableValue.reason(converter.toConnectData("rejected", value).value())).contains("no field 'id'");
        }

        // The registry is gone: a second look-up would be a RetriableException ("unreachable").
        SchemaAndValue again = converter.toConnectData("rejected", value);

        assertThat(UndecodableValue.reason(again.value())).as("the same record again, with the registry down")
                .contains("no field 'id'");
    }
}
