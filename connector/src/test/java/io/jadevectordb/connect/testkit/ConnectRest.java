package io.jadevectordb.connect.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A Connect worker's REST API as an operator uses it, over plain HTTP: for workers outside the
 * test JVM (a container), where {@code EmbeddedConnectCluster}'s own client does not reach.
 */
public final class ConnectRest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient http = HttpClient.newHttpClient();

    /** @param base the worker's REST root, e.g. {@code http://localhost:8083} */
    public ConnectRest(URI base) {
        this.base = base;
    }

    /** {@code GET /connector-plugins}. */
    public JsonNode connectorPlugins() throws IOException, InterruptedException {
        return JSON.readTree(call("GET", "/connector-plugins", null));
    }

    /** {@code PUT /connectors/<name>/config}: creates or reconfigures the connector. */
    public void configure(String connector, Map<String, String> config) throws IOException, InterruptedException {
        call("PUT", "/connectors/" + connector + "/config", json(config));
    }

    /** {@code PUT /connectors/<name>/stop}: stops the connector and its tasks, keeping its offsets (KIP-875). */
    public void stop(String connector) throws IOException, InterruptedException {
        call("PUT", "/connectors/" + connector + "/stop", null);
    }

    /** {@code GET /connectors/<name>/status}. */
    public JsonNode status(String connector) throws IOException, InterruptedException {
        return JSON.readTree(call("GET", "/connectors/" + connector + "/status", null));
    }

    /** Stopped, and its tasks are gone: they closed the store, releasing every shard. */
    public boolean isStoppedWithoutTasks(String connector) throws IOException, InterruptedException {
        JsonNode status = status(connector);
        return "STOPPED".equals(status.get("connector").get("state").asText()) && status.get("tasks").isEmpty();
    }

    /** Committed (next-to-read) offset per partition of {@code topic}, from {@code GET /connectors/<name>/offsets}. */
    public Map<Integer, Long> committedOffsets(String connector, String topic) throws IOException, InterruptedException {
        Map<Integer, Long> committed = new HashMap<>();
        for (JsonNode offset : JSON.readTree(call("GET", "/connectors/" + connector + "/offsets", null)).get("offsets")) {
            if (topic.equals(offset.get("partition").get("kafka_topic").asText())) {
                committed.put(offset.get("partition").get("kafka_partition").asInt(),
                        offset.get("offset").get("kafka_offset").asLong());
            }
        }
        return committed;
    }

    /** The connector's status as text, for failure messages; never throws. */
    public String describe(String connector) {
        try {
            return status(connector).toString();
        } catch (IOException | RuntimeException e) {
            return "(status unavailable: " + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(status unavailable: interrupted)";
        }
    }

    private static String json(Map<String, String> config) {
        try {
            return JSON.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("connector config cannot be written as JSON: " + config, e);
        }
    }

    /** One call; anything but 2xx fails with the worker's answer. */
    private String call(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(60))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IOException(method + " " + request.uri() + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }
}
