package io.jadevectordb.connect.avro;

import static io.jadevectordb.connect.avro.AvroFixtures.contractSchema;
import static io.jadevectordb.connect.avro.AvroFixtures.evolvedSchema;
import static io.jadevectordb.connect.avro.AvroFixtures.fromRawBits;
import static io.jadevectordb.connect.avro.AvroFixtures.littleEndian;
import static io.jadevectordb.connect.avro.AvroFixtures.mutation;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.apicurio.registry.utils.converter.AvroConverter;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.jadevectordb.connect.fixtures.ApicurioRegistryExtension;
import io.jadevectordb.testkit.ConfluentAvroProducer;

/**
 * The same Confluent-wire-format bytes through Apicurio's own {@code AvroConverter} (the general
 * path: a Struct with a boxed List of Float) and through the fast path must mean the same
 * mutation, float for float, bit for bit.
 */
class ApicurioConverterEquivalenceTest {

    @RegisterExtension
    static final ApicurioRegistryExtension REGISTRY = new ApicurioRegistryExtension();

    private AvroConverter<?> apicurio;
    private VectorMutationAvroConverter fast;
    private ConfluentAvroProducer producer;

    @BeforeEach
    void converters() {
        apicurio = new AvroConverter<>();
        apicurio.configure(Map.of(
                "apicurio.registry.url", REGISTRY.registry().registryV2Url(),
                "apicurio.registry.as-confluent", "true",
                "apicurio.registry.use-id", "contentId",
                "apicurio.registry.headers.enabled", "false"), false);
        fast = new VectorMutationAvroConverter();
        fast.configure(Map.of("schema.registry.url", REGISTRY.registry().confluentApiUrl()), false);
        producer = new ConfluentAvroProducer(REGISTRY.registry().confluentApiUrl());
    }

    private static float[] vector(long seed, int dimension) {
        Random random = new Random(seed);
        float[] v = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            v[i] = (float) random.nextGaussian();
        }
        v[0] = Float.intBitsToFloat(0x7fc00abc);
        v[dimension - 1] = -0f;
        return v;
    }

    private Struct assertSameMutation(byte[] value, String database, String id, String op, float[] expected) {
        Struct viaApicurio = (Struct) apicurio.toConnectData("vectors", value).value();
        Struct viaFastPath = (Struct) fast.toConnectData("vectors", value).value();

        for (String field : List.of("database", "id", "op")) {
            assertThat(viaFastPath.get(field)).as(field).isEqualTo(viaApicurio.get(field));
        }
        assertThat(viaFastPath.getString("database")).isEqualTo(database);
        assertThat(viaFastPath.getString("id")).isEqualTo(id);
        assertThat(viaFastPath.getString("op")).isEqualTo(op);
        byte[] apicurioVector = viaApicurio.get("vector") != null
                ? littleEndian(viaApicurio.getArray("vector"))
                : bytes(viaApicurio.get("vector_bytes"));
        assertThat(apicurioVector).containsExactly(littleEndian(expected));
        assertThat(viaFastPath.getBytes("vector_bytes")).containsExactly(apicurioVector);
        return viaApicurio;
    }

    private static byte[] bytes(Object value) {
        if (value instanceof ByteBuffer buffer) {
            byte[] copy = new byte[buffer.remaining()];
            buffer.duplicate().get(copy);
            return copy;
        }
        return (byte[]) value;
    }

    @Test
    void floatArrayVectorDecodesIdenticallyOnBothPaths() {
        long seed = new Random().nextLong();
        float[] v = vector(seed, 768);
        Schema schema = contractSchema();
        int id = producer.register("vectors-value", schema);

        Struct viaApicurio = assertSameMutation(
                ConfluentAvroProducer.serialize(id, schema, mutation(schema, "articles", "doc-1", "STORE", v, null)),
                "articles", "doc-1", "STORE", v);

        assertThat(viaApicurio.getArray("vector")).as("the general path boxes: seed %d", seed)
                .hasSize(768).allMatch(Float.class::isInstance);
    }

    @Test
    void bytesVectorDecodesIdenticallyOnBothPaths() {
        float[] v = vector(42, 384);
        Schema schema = contractSchema();
        int id = producer.register("vectors-value", schema);

        assertSameMutation(ConfluentAvroProducer.serialize(id, schema, mutation(schema, null, "doc-2", "UPDATE", null, littleEndian(v))),
                null, "doc-2", "UPDATE", v);
    }

    @Test
    void evolvedWriterSchemaWithExtraFieldsDecodesIdenticallyOnBothPaths() {
        float[] v = fromRawBits(0x3f800000, 0x7f800001, 0x80000000, 0x00000001);
        Schema schema = evolvedSchema();
        int id = producer.register("vectors-evolved-value", schema);
        GenericRecord r = mutation(schema, "articles", "doc-3", "DELETE", v, null);
        r.put("tenant", "acme");
        r.put("scores", List.of(1.0, 2.0));

        assertSameMutation(ConfluentAvroProducer.serialize(id, schema, r), "articles", "doc-3", "DELETE", v);
    }
}
