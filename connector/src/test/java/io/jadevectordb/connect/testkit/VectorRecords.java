package io.jadevectordb.connect.testkit;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.Locale;

/**
 * JSON keys and values of vector mutations as producers send them: schemaless maps, or
 * {@code JsonConverter} envelopes with a schema matching the canonical record contract.
 */
public final class VectorRecords {

    private static final String VALUE_SCHEMA = "{\"type\":\"struct\",\"name\":\"io.jadevectordb.VectorMutation\","
            + "\"optional\":false,\"fields\":["
            + "{\"field\":\"database\",\"type\":\"string\",\"optional\":true},"
            + "{\"field\":\"id\",\"type\":\"string\",\"optional\":true},"
            + "{\"field\":\"op\",\"type\":\"string\",\"optional\":true},"
            + "{\"field\":\"vector\",\"type\":\"array\",\"items\":{\"type\":\"float\",\"optional\":false},\"optional\":true},"
            + "{\"field\":\"vector_bytes\",\"type\":\"bytes\",\"optional\":true},"
            + "{\"field\":\"model\",\"type\":\"string\",\"optional\":true}]}";

    private VectorRecords() {
    }

    /** A map key naming database and id (what tombstones need under field routing). */
    public static String key(String database, String id) {
        return "{\"database\":" + quote(database) + ",\"id\":" + quote(id) + "}";
    }

    /** A schemaless value. {@code vector} may be null; {@code asBytes} sends it as base64 float32 bytes. */
    public static String schemaless(String database, String id, String op, float[] vector, boolean asBytes) {
        return "{" + fields(database, id, op, vector, asBytes) + "}";
    }

    /** A value with a JsonConverter schema envelope (a Connect Struct on the sink side). */
    public static String withSchema(String database, String id, String op, float[] vector, boolean asBytes) {
        return "{\"schema\":" + VALUE_SCHEMA + ",\"payload\":{" + fields(database, id, op, vector, asBytes)
                + ",\"model\":\"test-embedder\"}}";
    }

    private static String fields(String database, String id, String op, float[] vector, boolean asBytes) {
        StringBuilder sb = new StringBuilder();
        sb.append("\"database\":").append(quote(database));
        sb.append(",\"id\":").append(quote(id));
        sb.append(",\"op\":").append(quote(op));
        if (vector != null && asBytes) {
            sb.append(",\"vector\":null,\"vector_bytes\":").append(quote(base64(vector)));
        } else {
            sb.append(",\"vector\":").append(vector == null ? "null" : array(vector));
            sb.append(",\"vector_bytes\":null");
        }
        return sb.toString();
    }

    private static String array(float[] vector) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < vector.length; i++) {
            float v = vector[i];
            sb.append(i == 0 ? "" : ",");
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("JSON has no NaN or Infinity literal: send such vectors as bytes");
            }
            sb.append(String.format(Locale.ROOT, "%s", v));
        }
        return sb.append(']').toString();
    }

    public static String base64(float[] vector) {
        ByteBuffer buffer = ByteBuffer.allocate(vector.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : vector) {
            buffer.putFloat(v);
        }
        return Base64.getEncoder().encodeToString(buffer.array());
    }

    private static String quote(String s) {
        return s == null ? "null" : "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** A deterministic vector for (id, version), different for every pair. */
    public static float[] vector(String id, int version, int dimension) {
        float[] v = new float[dimension];
        int seed = id.hashCode() * 31 + version;
        for (int i = 0; i < dimension; i++) {
            v[i] = ((seed * (i + 7)) % 1000) / 100f + version;
        }
        return v;
    }
}
