package io.jadevectordb.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * What a producer's Confluent-style Avro serializer does, without Confluent jars: registers a
 * schema under a subject through the Confluent-compatible API
 * ({@code POST {url}/subjects/{subject}/versions}) and writes records as magic byte, 4-byte
 * schema id, Avro binary (Avro's own {@link GenericDatumWriter}).
 */
public final class ConfluentAvroProducer {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String confluentApiUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * @param confluentApiUrl the registry's Confluent-compatible base URL
     */
    public ConfluentAvroProducer(String confluentApiUrl) {
        this.confluentApiUrl = confluentApiUrl;
    }

    /**
     * Registers {@code schema} under {@code subject} (e.g. {@code topic-value}).
     *
     * @return the schema id that records must carry
     */
    public int register(String subject, Schema schema) {
        try {
            String body = JSON.writeValueAsString(Map.of("schema", schema.toString()));
            HttpRequest request = HttpRequest.newBuilder(URI.create(confluentApiUrl + "/subjects/" + subject + "/versions"))
                    .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                    .timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                    .build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("registering " + subject + " failed: HTTP "
                        + response.statusCode() + " " + response.body());
            }
            return JSON.readTree(response.body()).get("id").asInt();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Serializes {@code record} (written with {@code schema}) in Confluent wire format: magic
     * byte 0, the schema id as a big-endian int, then the Avro binary.
     */
    public static byte[] serialize(int schemaId, Schema schema, GenericRecord record) {
        byte[] body = avroBinary(schema, record);
        return ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(schemaId).put(body).array();
    }

    /** Plain Avro binary of {@code record} (no wire-format header). */
    public static byte[] avroBinary(Schema schema, GenericRecord record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
