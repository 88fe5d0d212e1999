package io.jadevectordb.connect.avro;

import static io.jadevectordb.connect.avro.AvroFixtures.contractSchema;
import static io.jadevectordb.connect.avro.AvroFixtures.littleEndian;
import static io.jadevectordb.connect.avro.AvroFixtures.mutation;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.ServiceLoader;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.storage.Converter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.jadevectordb.connect.fixtures.ApicurioRegistryExtension;
import io.jadevectordb.testkit.ConfluentAvroProducer;

/** The converter against a real Apicurio Registry, through its Confluent-compatible API. */
class VectorMutationAvroConverterTest {

    @RegisterExtension
    static final ApicurioRegistryExtension REGISTRY = new ApicurioRegistryExtension();

    private static VectorMutationAvroConverter converter(String url) {
        VectorMutationAvroConverter c = new VectorMutationAvroConverter();
        c.configure(Map.of("schema.registry.url", url), false);
        return c;
    }

    /** The reason an undecodable value was delivered with, failing when the value decoded. */
    private static String undecodableReason(SchemaAndValue converted) {
        assertThat(converted.schema()).as("an undecodable value's schema").isEqualTo(UndecodableValue.SCHEMA);
        return UndecodableValue.reason(converted.value());
    }

    @Test
    void decodesValueWhoseSchemaIsRegisteredThroughTheConfluentApi() {
        ConfluentAvroProducer producer = new ConfluentAvroProducer(REGISTRY.registry().confluentApiUrl());
        Schema schema = contractSchema();
        int id = producer.register("vectors-value", schema);
        float[] vector = {0.1f, 0.2f, Float.NaN};
        byte[] value = ConfluentAvroProducer.serialize(id, schema, mutation(schema, "articles", "doc-17", "STORE", vector, null));

        SchemaAndValue result = converter(REGISTRY.registry().confluentApiUrl()).toConnectData("vectors", value);

        assertThat(result.schema()).isEqualTo(VectorMutationSchema.VALUE);
        Struct struct = (Struct) result.value();
        assertThat(struct.getString("database")).isEqualTo("articles");
        assertThat(struct.getString("id")).isEqualTo("doc-17");
        assertThat(struct.getString("op")).isEqualTo("STORE");
        assertThat(struct.getBytes("vector_bytes")).containsExactly(littleEndian(vector));
    }

    @Test
    void decodeErrorNamesTheTopicOfTheFailingRecordEvenWhenTheSchemaWasCachedFromAnother() {
        ConfluentAvroProducer producer = new ConfluentAvroProducer(REGISTRY.registry().confluentApiUrl());
        Schema schema = contractSchema();
        int id = producer.register("shared-value", schema);
        byte[] value = ConfluentAvroProducer.serialize(id, schema, mutation(schema, "db", "k", "STORE", new float[] {1f, 2f}, null));
        VectorMutationAvroConverter converter = converter(REGISTRY.registry().confluentApiUrl());
        converter.toConnectData("first-topic", value);
        byte[] truncated = Arrays.copyOf(value, value.length - 2);

        assertThat(undecodableReason(converter.toConnectData("second-topic", truncated)))
                .contains("topic second-topic, schema id " + id)
                .contains("truncated");
    }

    @Test
    void tombstoneConvertsToNullValue() {
        SchemaAndValue result = converter(REGISTRY.registry().confluentApiUrl()).toConnectData("vectors", null);

        assertThat(result.value()).isNull();
        assertThat(result.schema()).isNull();
    }

    @Test
    void unknownSchemaIdIsDeliveredAsUndecodableNamingTopicIdAndFix() {
        byte[] value = {0, 0, 0x01, 0x00, 0x00, 2, 'x'};

        assertThat(undecodableReason(converter(REGISTRY.registry().confluentApiUrl()).toConnectData("vectors", value)))
                .contains("topic vectors, schema id 65536")
                .contains("no schema with this id")
                .contains("schema.registry.url");
    }

    @Test
    void wrongMagicByteIsDeliveredAsUndecodable() {
        byte[] value = {'{', '"', 'i', 'd', '"', ':'};

        assertThat(undecodableReason(converter(REGISTRY.registry().confluentApiUrl()).toConnectData("vectors", value)))
                .contains("unknown magic byte 0x7b");
    }

    @Test
    void unreachableRegistryIsRetriableNamingTheUrl() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closedPort + "/apis/ccompat/v7";
        byte[] value = {0, 0, 0, 0, 1, 2, 'x'};

        assertThatThrownBy(() -> converter(url).toConnectData("vectors", value))
                .isInstanceOf(RetriableException.class)
                .hasMessageContaining("topic vectors, schema id 1")
                .hasMessageContaining("127.0.0.1:" + closedPort)
                .hasMessageContaining("unreachable");
    }

    @Test
    void urlWithoutTheConfluentCompatibleApiIsRetriableNotARecordError() {
        byte[] value = {0, 0, 0, 0, 1, 2, 'x'};
        String nativeApiUrl = REGISTRY.registry().registryV2Url();

        assertThatThrownBy(() -> converter(nativeApiUrl).toConnectData("vectors", value))
                .isInstanceOf(RetriableException.class)
                .hasMessageContaining("does not serve the Confluent-compatible API")
                .hasMessageContaining("/apis/ccompat/v7");
    }

    @Test
    void writerSchemaMissingRequiredIdIsDeliveredAsUndecodable() {
        ConfluentAvroProducer producer = new ConfluentAvroProducer(REGISTRY.registry().confluentApiUrl());
        Schema noId = new Schema.Parser().parse("""
                {"type":"record","name":"Anonymous","fields":[{"name":"vector","type":{"type":"array","items":"float"}}]}""");
        int id = producer.register("anonymous-value", noId);
        GenericRecord r = new org.apache.avro.generic.GenericData.Record(noId);
        r.put("vector", AvroFixtures.boxed(new float[] {1f}));
        byte[] value = ConfluentAvroProducer.serialize(id, noId, r);

        assertThat(undecodableReason(converter(REGISTRY.registry().confluentApiUrl()).toConnectData("anonymous", value)))
                .contains("topic anonymous, schema id " + id)
                .contains("no field 'id'");

        VectorMutationAvroConverter keyRouted = new VectorMutationAvroConverter();
        keyRouted.configure(Map.of("schema.registry.url", REGISTRY.registry().confluentApiUrl(), "required.fields", ""), false);
        Struct struct = (Struct) keyRouted.toConnectData("anonymous", value).value();
        assertThat(struct.getBytes("vector_bytes")).containsExactly(littleEndian(new float[] {1f}));
    }

    @Test
    void keyConversionIsRefusedWithTheConverterToUseInstead() {
        VectorMutationAvroConverter c = new VectorMutationAvroConverter();

        assertThatThrownBy(() -> c.configure(Map.of("schema.registry.url", REGISTRY.registry().confluentApiUrl()), true))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("StringConverter");
    }

    @Test
    void fromConnectDataIsRefusedBecauseTheConverterIsSinkOnly() {
        VectorMutationAvroConverter c = converter(REGISTRY.registry().confluentApiUrl());

        assertThatThrownBy(() -> c.fromConnectData("vectors", VectorMutationSchema.VALUE, null))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("only decodes");
    }

    @Test
    void missingOrMalformedRegistryUrlFailsConfigurationNamingTheKey() {
        assertThatThrownBy(() -> new VectorMutationAvroConverter().configure(Map.of(), false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.url");
        assertThatThrownBy(() -> new VectorMutationAvroConverter().configure(Map.of("schema.registry.url", "127.0.0.1:8081"), false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.url")
                .hasMessageContaining("http://127.0.0.1:8081");
        assertThatThrownBy(() -> new VectorMutationAvroConverter().configure(
                Map.of("schema.registry.url", "http://127.0.0.1:1", "required.fields", "id,vectors"), false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("required.fields");
    }

    private static void configureWith(String key, String value) {
        new VectorMutationAvroConverter().configure(Map.of("schema.registry.url", "http://127.0.0.1:1", key, value), false);
    }

    @Test
    void metadataSettingsAreValidatedNamingTheKeyAndTheFix() {
        assertThatThrownBy(() -> configureWith("metadata.fields", "title,vector"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("metadata.fields")
                .hasMessageContaining("'vector' is a field the converter reads as the mutation itself");
        assertThatThrownBy(() -> configureWith("metadata.fields", "all,title"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'all' stands alone");
        assertThatThrownBy(() -> configureWith("metadata.fields", ""))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("is empty; fix: write 'all', 'none' or a comma-separated list");
        assertThatThrownBy(() -> configureWith("metadata.fields", "title,,lang"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("lists an empty field name");
        assertThatThrownBy(() -> configureWith("metadata.max.bytes", "524289"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("metadata.max.bytes");
        assertThatThrownBy(() -> configureWith("metadata.max.bytes", "0"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("metadata.max.bytes");
        configureWith("metadata.fields", "none");
        configureWith("metadata.fields", "title, lang");
        configureWith("metadata.max.bytes", "524288");
    }

    @Test
    void metadataFieldsSettingChoosesWhatTheConverterKeeps() {
        ConfluentAvroProducer producer = new ConfluentAvroProducer(REGISTRY.registry().confluentApiUrl());
        Schema schema = contractSchema();
        int id = producer.register("kept-value", schema);
        GenericRecord r = mutation(schema, "db", "k", "STORE", new float[] {1f}, null);
        r.put("model", "minilm@1");
        r.put("source_timestamp_ms", 5L);
        byte[] value = ConfluentAvroProducer.serialize(id, schema, r);
        VectorMutationAvroConverter none = new VectorMutationAvroConverter();
        none.configure(Map.of("schema.registry.url", REGISTRY.registry().confluentApiUrl(), "metadata.fields", "none"), false);
        VectorMutationAvroConverter modelOnly = new VectorMutationAvroConverter();
        modelOnly.configure(Map.of("schema.registry.url", REGISTRY.registry().confluentApiUrl(), "metadata.fields", "model"),
                false);

        byte[] all = FastPathValue.metadata((Struct) converter(REGISTRY.registry().confluentApiUrl())
                .toConnectData("kept", value).value());
        byte[] model = FastPathValue.metadata((Struct) modelOnly.toConnectData("kept", value).value());

        assertThat(FastPathValue.metadata((Struct) none.toConnectData("kept", value).value())).isNull();
        // {"source_timestamp_ms": 5, "model": "minilm@1"} and {"model": "minilm@1"}, indefinite-length maps.
        assertThat(HexFormat.of().formatHex(all))
                .isEqualTo("bf" + "73" + hex("source_timestamp_ms") + "05" + "65" + hex("model") + "68" + hex("minilm@1") + "ff");
        assertThat(HexFormat.of().formatHex(model)).isEqualTo("bf" + "65" + hex("model") + "68" + hex("minilm@1") + "ff");
    }

    private static String hex(String ascii) {
        return HexFormat.of().formatHex(ascii.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void serviceLoaderFindsTheConverterForServiceLoadPluginDiscovery() {
        assertThat(ServiceLoader.load(Converter.class).stream().map(ServiceLoader.Provider::type))
                .contains(VectorMutationAvroConverter.class);
    }
}
