package io.jadevectordb.connect.avro;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

import io.jadevectordb.testkit.ConfluentAvroProducer;

/** Schemas, records and float packing shared by the Avro tests. */
final class AvroFixtures {

    private AvroFixtures() {
    }

    /** schemas/vector_mutation.avsc, the published wire contract. */
    static Schema contractSchema() {
        Path dir = Paths.get(System.getProperty("jadevectordb.schemas.dir", "../schemas"));
        try {
            return new Schema.Parser().parse(Files.readString(dir.resolve("vector_mutation.avsc")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The contract plus fields a later producer might add: before, between and after the
     * canonical ones, of types the reader must skip (map, nested record, fixed, array of double).
     */
    static Schema evolvedSchema() {
        return new Schema.Parser().parse("""
                {"type":"record","name":"VectorMutation","namespace":"io.jadevectordb","fields":[
                  {"name":"tenant","type":["null","string"],"default":null},
                  {"name":"op","type":{"type":"enum","name":"Op","symbols":["STORE","UPDATE","DELETE"]},"default":"STORE"},
                  {"name":"id","type":"string"},
                  {"name":"tags","type":{"type":"map","values":"string"},"default":{}},
                  {"name":"vector","type":["null",{"type":"array","items":"float"}],"default":null},
                  {"name":"origin","type":["null",{"type":"record","name":"Origin","fields":[
                     {"name":"host","type":"string"},{"name":"digest","type":{"type":"fixed","name":"Md5","size":16}}]}],"default":null},
                  {"name":"database","type":["null","string"],"default":null},
                  {"name":"vector_bytes","type":["null","bytes"],"default":null},
                  {"name":"scores","type":{"type":"array","items":"double"},"default":[]}
                ]}""");
    }

    static List<Float> boxed(float[] values) {
        List<Float> list = new ArrayList<>(values.length);
        for (float v : values) {
            list.add(v);
        }
        return list;
    }

    /** Packs floats as little-endian float32, keeping NaN payloads (raw bits). */
    static byte[] littleEndian(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putInt(Float.floatToRawIntBits(v));
        }
        return b.array();
    }

    /** Packs boxed floats (as Apicurio's converter delivers them) as little-endian float32. */
    static byte[] littleEndian(List<?> values) {
        ByteBuffer b = ByteBuffer.allocate(values.size() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (Object v : values) {
            b.putInt(Float.floatToRawIntBits((Float) v));
        }
        return b.array();
    }

    static float[] fromRawBits(int... bits) {
        float[] values = new float[bits.length];
        for (int i = 0; i < bits.length; i++) {
            values[i] = Float.intBitsToFloat(bits[i]);
        }
        return values;
    }

    /** A record of {@code schema} with the canonical fields set where the schema has them. */
    static GenericRecord mutation(Schema schema, String database, String id, String op, float[] vector, byte[] vectorBytes) {
        GenericRecord r = new GenericData.Record(schema);
        for (Schema.Field f : schema.getFields()) {
            if (f.hasDefaultValue()) {
                r.put(f.name(), GenericData.get().getDefaultValue(f));
            }
        }
        r.put("database", database);
        r.put("id", id);
        if (schema.getField("op") != null) {
            Schema opType = schema.getField("op").schema();
            r.put("op", op == null ? null : opType.getType() == Schema.Type.ENUM
                    ? new GenericData.EnumSymbol(opType, op) : op);
        }
        r.put("vector", vector == null ? null : boxed(vector));
        if (schema.getField("vector_bytes") != null) {
            r.put("vector_bytes", vectorBytes == null ? null : ByteBuffer.wrap(vectorBytes));
        }
        return r;
    }

    /** Plain Avro binary of {@code record} (no wire-format header). */
    static byte[] avroBinary(Schema schema, GenericRecord record) {
        return ConfluentAvroProducer.avroBinary(schema, record);
    }
}
