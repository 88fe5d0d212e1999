package io.jadevectordb.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.apicurio.registry.utils.converter.AvroConverter;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.ResolvingDecoder;
import org.apache.kafka.connect.data.Struct;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import io.jadevectordb.connect.avro.ConfluentWireFormat;
import io.jadevectordb.connect.avro.VectorMutationAvroConverter;
import io.jadevectordb.testkit.ApicurioRegistry;
import io.jadevectordb.testkit.ConfluentAvroProducer;

/**
 * Records per second through one value converter, one thread: the fast path
 * ({@link VectorMutationAvroConverter}) against Apicurio's general {@link AvroConverter}, on the
 * same Confluent-wire-format bytes, with the vector as {@code array<float>} and as {@code bytes}.
 * The {@code ...ToFloats} variants also turn the converted value into the {@code float[]} a sink
 * needs, which for the general path means unboxing every element.
 *
 * Two baselines split the general path's cost: {@code avroGenericReaderFloatArray} is Avro's own
 * {@link GenericDatumReader} on the payload with no Connect conversion (it still boxes every
 * float into a {@code GenericData.Array}); {@code avroResolvingDecoderNoBoxing} reads the
 * payload float by float through Avro's {@link ResolvingDecoder} into a byte[], boxing nothing
 * (the first design of the fast path).
 *
 * <p>{@code metadataBytes} adds about that many bytes of metadata fields per record (the shipped
 * schema's {@code model}, {@code source_timestamp_ms}, {@code language} and a {@code title} that
 * fills the rest): the fast path transcodes them to CBOR in the same pass, the general path
 * delivers them as struct fields. 0 leaves them null (no metadata).
 *
 * <p>A real Apicurio Registry serves the schemas: the one {@link BenchmarkMain} started (system
 * property {@code bench.registry.url}), else one started for the trial. Both converters cache
 * the schema after the first record, so the registry is not on the measured path.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ConverterBenchmark {

    private static final String TOPIC = "vectors";
    private static final int DISTINCT_RECORDS = 64;

    @Param({"768"})
    public int dimension;

    @Param({"0", "1024"})
    public int metadataBytes;

    private ApicurioRegistry ownRegistry;
    private GenericDatumReader<GenericRecord> avroReader;
    private BinaryDecoder avroDecoder;
    private ResolvingDecoder resolvingDecoder;
    private AvroConverter<?> apicurio;
    private VectorMutationAvroConverter fast;
    private byte[][] arrayValues;
    private byte[][] bytesValues;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        String baseUrl = System.getProperty("bench.registry.url");
        if (baseUrl == null) {
            ownRegistry = ApicurioRegistry.start();
            baseUrl = ownRegistry.baseUrl();
        }
        String confluentApi = baseUrl + "/apis/ccompat/v7";
        Schema schema = new Schema.Parser().parse(Files.readString(
                Paths.get(System.getProperty("jadevectordb.schemas.dir", "../schemas"), "vector_mutation.avsc")));
        int id = new ConfluentAvroProducer(confluentApi).register(TOPIC + "-value", schema);
        Random random = new Random(20261125L);
        arrayValues = new byte[DISTINCT_RECORDS][];
        bytesValues = new byte[DISTINCT_RECORDS][];
        for (int i = 0; i < DISTINCT_RECORDS; i++) {
            float[] v = new float[dimension];
            for (int d = 0; d < dimension; d++) {
                v[d] = (float) random.nextGaussian();
            }
            arrayValues[i] = ConfluentAvroProducer.serialize(id, schema, record(schema, "doc-" + i, v, false, metadataBytes));
            bytesValues[i] = ConfluentAvroProducer.serialize(id, schema, record(schema, "doc-" + i, v, true, metadataBytes));
        }
        apicurio = new AvroConverter<>();
        apicurio.configure(Map.of(
                "apicurio.registry.url", baseUrl + "/apis/registry/v2",
                "apicurio.registry.as-confluent", "true",
                "apicurio.registry.use-id", "contentId",
                "apicurio.registry.headers.enabled", "false"), false);
        fast = new VectorMutationAvroConverter();
        fast.configure(Map.of("schema.registry.url", confluentApi), false);
        avroReader = new GenericDatumReader<>(schema);
        resolvingDecoder = DecoderFactory.get().resolvingDecoder(schema, schema, null);
        // Both converters must agree before either is timed.
        float[] a = toFloats((Struct) apicurio.toConnectData(TOPIC, arrayValues[0]).value());
        float[] b = toFloats((Struct) fast.toConnectData(TOPIC, arrayValues[0]).value());
        if (!Arrays.equals(a, b) || a.length != dimension) {
            throw new IllegalStateException("converters disagree on the benchmark records");
        }
    }

    private static GenericRecord record(Schema schema, String id, float[] v, boolean asBytes, int metadataBytes) {
        GenericRecord r = new GenericData.Record(schema);
        if (metadataBytes > 0) {
            // The map, these three, the field names and the title's header take 77 bytes of CBOR; its text fills the rest.
            r.put("model", "all-MiniLM-L6-v2@1");
            r.put("source_timestamp_ms", 1_764_000_000_000L);
            r.put("language", "en");
            r.put("title", "t".repeat(Math.max(1, metadataBytes - 77)));
        }
        r.put("database", "articles");
        r.put("id", id);
        r.put("op", new GenericData.EnumSymbol(schema.getField("op").schema(), "STORE"));
        if (asBytes) {
            ByteBuffer packed = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            packed.asFloatBuffer().put(v);
            r.put("vector_bytes", packed);
        } else {
            List<Float> boxed = new ArrayList<>(v.length);
            for (float f : v) {
                boxed.add(f);
            }
            r.put("vector", boxed);
        }
        return r;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (ownRegistry != null) {
            ownRegistry.close();
        }
    }

    private byte[] nextOf(byte[][] values) {
        return values[next++ & (DISTINCT_RECORDS - 1)];
    }

    /** What a sink does with a converted value: get the vector as float[]. */
    static float[] toFloats(Struct value) {
        Object list = value.schema().field("vector") != null ? value.get("vector") : null;
        if (list != null) {
            List<?> boxed = (List<?>) list;
            float[] out = new float[boxed.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = (Float) boxed.get(i);
            }
            return out;
        }
        Object raw = value.get("vector_bytes");
        ByteBuffer bytes = raw instanceof ByteBuffer bb ? bb.duplicate() : ByteBuffer.wrap((byte[]) raw);
        float[] out = new float[bytes.remaining() / Float.BYTES];
        bytes.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    @Benchmark
    public Object fastPathFloatArray() {
        return fast.toConnectData(TOPIC, nextOf(arrayValues)).value();
    }

    @Benchmark
    public Object apicurioFloatArray() {
        return apicurio.toConnectData(TOPIC, nextOf(arrayValues)).value();
    }

    @Benchmark
    public Object avroGenericReaderFloatArray() throws IOException {
        byte[] value = nextOf(arrayValues);
        avroDecoder = DecoderFactory.get().binaryDecoder(value, ConfluentWireFormat.HEADER_LENGTH,
                value.length - ConfluentWireFormat.HEADER_LENGTH, avroDecoder);
        return avroReader.read(null, avroDecoder);
    }

    @Benchmark
    public byte[] avroResolvingDecoderNoBoxing() throws IOException {
        byte[] value = nextOf(arrayValues);
        avroDecoder = DecoderFactory.get().binaryDecoder(value, ConfluentWireFormat.HEADER_LENGTH,
                value.length - ConfluentWireFormat.HEADER_LENGTH, avroDecoder);
        resolvingDecoder.configure(avroDecoder);
        byte[] vector = null;
        for (Schema.Field f : resolvingDecoder.readFieldOrder()) {
            Schema type = f.schema();
            if (type.getType() == Schema.Type.UNION) {
                type = type.getTypes().get(resolvingDecoder.readIndex());
            }
            switch (type.getType()) {
                case NULL -> resolvingDecoder.readNull();
                case STRING -> resolvingDecoder.readString();
                case ENUM -> resolvingDecoder.readEnum();
                case LONG -> resolvingDecoder.readLong();
                case BYTES -> resolvingDecoder.readBytes(null);
                case ARRAY -> {
                    ByteBuffer out = ByteBuffer.allocate(dimension * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                    for (long n = resolvingDecoder.readArrayStart(); n > 0; n = resolvingDecoder.arrayNext()) {
                        for (long i = 0; i < n; i++) {
                            out.putFloat(resolvingDecoder.readFloat());
                        }
                    }
                    vector = out.array();
                }
                default -> throw new IllegalStateException("unexpected " + type);
            }
        }
        resolvingDecoder.drain();
        return vector;
    }

    @Benchmark
    public Object fastPathBytes() {
        return fast.toConnectData(TOPIC, nextOf(bytesValues)).value();
    }

    @Benchmark
    public Object apicurioBytes() {
        return apicurio.toConnectData(TOPIC, nextOf(bytesValues)).value();
    }

    @Benchmark
    public float[] fastPathFloatArrayToFloats() {
        return toFloats((Struct) fast.toConnectData(TOPIC, nextOf(arrayValues)).value());
    }

    @Benchmark
    public float[] apicurioFloatArrayToFloats() {
        return toFloats((Struct) apicurio.toConnectData(TOPIC, nextOf(arrayValues)).value());
    }
}
