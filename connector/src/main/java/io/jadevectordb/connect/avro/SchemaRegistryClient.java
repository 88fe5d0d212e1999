package io.jadevectordb.connect.avro;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks up writer schemas by id through the Confluent-compatible REST API
 * ({@code GET {url}/schemas/ids/{id}}), as served by Confluent Schema Registry, Apicurio
 * ({@code /apis/ccompat/v7}), Karapace and Redpanda. Uncached: callers cache what they build.
 *
 * <p>Failures are classified for Connect: an id the registry does not know, or a schema that is
 * not Avro, is a {@link DataException} (the record is bad). Everything that is not the record's
 * fault (registry unreachable, failing, refusing credentials, or a URL that does not serve the
 * Confluent-compatible API) is a {@link RetriableException}: with {@code errors.tolerance=all}
 * Connect sends a record whose conversion failed to the dead letter queue once
 * {@code errors.retry.timeout} is spent, and a registry problem must stall the pipeline (set
 * {@code errors.retry.timeout=-1}), not divert healthy records.
 */
final class SchemaRegistryClient {

    private static final Logger log = LoggerFactory.getLogger(SchemaRegistryClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<URI> baseUrls;
    private final Duration timeout;
    private final String authorization;
    private final HttpClient http;

    /**
     * @param baseUrls registry base URLs, tried in order while one is unreachable
     * @param timeout connect and request timeout
     * @param userInfo {@code user:password} for HTTP basic auth, or null
     */
    public SchemaRegistryClient(List<URI> baseUrls, Duration timeout, String userInfo) {
        if (baseUrls.isEmpty()) {
            throw new IllegalArgumentException("at least one schema registry URL is needed");
        }
        this.baseUrls = List.copyOf(baseUrls);
        this.timeout = timeout;
        this.authorization = userInfo == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /**
     * Fetches and parses the Avro schema registered under {@code id}.
     *
     * @param topic the topic of the record that named the id, for error messages
     * @param id the schema id from the record's wire-format header
     * @return the parsed writer schema
     */
    public Schema schemaById(String topic, int id) {
        RetriableException lastUnreachable = null;
        for (URI base : baseUrls) {
            URI uri = URI.create(stripSlash(base.toString()) + "/schemas/ids/" + id);
            HttpResponse<String> response;
            try {
                response = http.send(request(uri), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                lastUnreachable = new RetriableException(String.format(
                        "topic %s, schema id %d: schema registry %s is unreachable (%s); check that it "
                                + "runs and that %s is right", topic, id, uri, e, VectorMutationAvroConverterConfig.SCHEMA_REGISTRY_URL_CONFIG), e);
                log.warn("{}", lastUnreachable.getMessage());
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RetriableException("topic " + topic + ", schema id " + id
                        + ": interrupted while fetching from " + uri, e);
            }
            return parse(topic, id, uri, response);
        }
        throw lastUnreachable;
    }

    private HttpRequest request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).GET()
                .header("Accept", "application/vnd.schemaregistry.v1+json, application/json");
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b.build();
    }

    private static Schema parse(String topic, int id, URI uri, HttpResponse<String> response) {
        int status = response.statusCode();
        String where = String.format("topic %s, schema id %d (%s)", topic, id, uri);
        if (status == 404 && !isUnknownSchemaError(response.body())) {
            throw new RetriableException(where + ": HTTP 404 without the Confluent error code 40403: "
                    + VectorMutationAvroConverterConfig.SCHEMA_REGISTRY_URL_CONFIG + " does not serve the Confluent-compatible API (Apicurio 2.x: "
                    + "http://host:port/apis/ccompat/v7); fix the URL");
        }
        if (status == 404) {
            throw new UnknownSchemaException(where + ": the registry has no schema with this id; the record was "
                    + "produced against another registry, or its schema was deleted; point "
                    + VectorMutationAvroConverterConfig.SCHEMA_REGISTRY_URL_CONFIG + " at the producer's registry (Apicurio: .../apis/ccompat/v7, "
                    + "ids are contentIds)");
        }
        if (status == 401 || status == 403) {
            throw new RetriableException(where + ": the registry refused access (HTTP " + status
                    + "); set " + VectorMutationAvroConverterConfig.BASIC_AUTH_USER_INFO_CONFIG + " to valid credentials");
        }
        if (status != 200) {
            throw new RetriableException(where + ": the registry answered HTTP " + status + ": " + abbreviate(response.body()));
        }
        try {
            JsonNode body = JSON.readTree(response.body());
            String type = body.path("schemaType").asText("AVRO");
            if (!"AVRO".equalsIgnoreCase(type)) {
                throw new DataException(where + ": schema is " + type
                        + ", not Avro; use the converter that matches the producer's serializer");
            }
            if (body.path("references").size() > 0) {
                throw new DataException(where + ": schema uses references, which this converter does "
                        + "not resolve; inline the referenced types in the producer's schema");
            }
            JsonNode schema = body.get("schema");
            if (schema == null || !schema.isTextual()) {
                throw new DataException(where + ": response has no 'schema' string; is " + VectorMutationAvroConverterConfig.SCHEMA_REGISTRY_URL_CONFIG
                        + " a Confluent-compatible API? Body: " + abbreviate(response.body()));
            }
            return new Schema.Parser().parse(schema.asText());
        } catch (IOException | SchemaParseException e) {
            throw new DataException(where + ": could not parse the registry's answer as an Avro schema: " + e.getMessage(), e);
        }
    }

    /** The registry has no schema with the id (unlike the schema's content, not final: it may be registered yet). */
    static final class UnknownSchemaException extends DataException {
        UnknownSchemaException(String message) {
            super(message);
        }
    }

    private static boolean isUnknownSchemaError(String body) {
        try {
            return JSON.readTree(body).path("error_code").asInt() == 40403;
        } catch (IOException e) {
            return false;
        }
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }
}
