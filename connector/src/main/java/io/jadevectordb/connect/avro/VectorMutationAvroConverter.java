package io.jadevectordb.connect.avro;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fast path for vector mutations in Confluent wire format: a sink-only value
 * {@link Converter} that resolves each writer schema once through a Confluent-compatible schema
 * registry and decodes Avro straight into the canonical {@link VectorMutationSchema#VALUE}
 * struct, with the vector as packed little-endian float32 bytes (never 768 boxed Floats) and the
 * writer's other fields as one CBOR map in {@link VectorMutationSchema#METADATA}, decoded in the
 * same pass ({@code metadata.fields}, {@code metadata.max.bytes}; see docs/schemas.md).
 *
 * <pre>
 * value.converter=io.jadevectordb.connect.avro.VectorMutationAvroConverter
 * value.converter.schema.registry.url=http://127.0.0.1:8081
 * </pre>
 *
 * A null value (tombstone) converts to a null struct. Connect gives each task its own converter
 * instance; this class is safe to share all the same.
 */
public final class VectorMutationAvroConverter implements Converter {

    private static final Logger log = LoggerFactory.getLogger(VectorMutationAvroConverter.class);

    private SchemaRegistryClient registry;
    private List<String> requiredFields;
    private MetadataFields metadataFields;
    private int metadataMaxBytes;
    private Map<Integer, Resolved> readers;

    /**
     * A writer schema id resolved once: the reader for it, or why it cannot be read (a writer
     * schema the reader rejects stays rejected: ids are immutable, so fetching it again per record
     * would only load the registry).
     */
    private record Resolved(VectorMutationReader reader, DataException rejection) {
    }

    @Override
    public ConfigDef config() {
        return VectorMutationAvroConverterConfig.CONFIG_DEF;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (isKey) {
            throw new ConfigException("key.converter", getClass().getName(),
                    "this converter decodes vector-mutation values only; key records by id with "
                            + "org.apache.kafka.connect.storage.StringConverter");
        }
        VectorMutationAvroConverterConfig config = new VectorMutationAvroConverterConfig(configs);
        this.registry = new SchemaRegistryClient(config.registryUrls(), config.requestTimeout(), config.basicAuthUserInfo());
        this.requiredFields = config.requiredFields();
        this.metadataFields = config.metadataFields();
        this.metadataMaxBytes = config.metadataMaxBytes();
        int capacity = config.schemaCacheSize();
        this.readers = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, Resolved> eldest) {
                return size() > capacity;
            }
        };
        log.info("Vector mutation Avro converter reading schemas from {} (cache {} schemas, required fields {}, "
                        + "metadata fields {}, metadata at most {} bytes)", config.registryUrls(), capacity, requiredFields,
                config.getList(VectorMutationAvroConverterConfig.METADATA_FIELDS_CONFIG), metadataMaxBytes);
    }

    /**
     * Decodes one value. A value that cannot be decoded is not thrown but delivered as an
     * {@link UndecodableValue} carrying the reason, so the sink dead-letters it and waits for
     * that dead letter before any checkpoint passes it (see {@link UndecodableValue} for why).
     * Only a registry that cannot be asked (unreachable, refusing, failing) throws, as a
     * {@link org.apache.kafka.connect.errors.RetriableException}: that is not the record's fault.
     */
    @Override
    public SchemaAndValue toConnectData(String topic, byte[] value) {
        if (value == null) {
            return SchemaAndValue.NULL;
        }
        if (registry == null) {
            throw new IllegalStateException("configure() was not called");
        }
        try {
            int schemaId = ConfluentWireFormat.schemaId(topic, value);
            VectorMutationReader reader = readerFor(topic, schemaId);
            return new SchemaAndValue(VectorMutationSchema.VALUE, reader.read(topic,
                    value, ConfluentWireFormat.HEADER_LENGTH, value.length - ConfluentWireFormat.HEADER_LENGTH));
        } catch (DataException e) {
            return UndecodableValue.of(e.getMessage());
        }
    }

    private VectorMutationReader readerFor(String topic, int schemaId) {
        Resolved cached;
        synchronized (readers) {
            cached = readers.get(schemaId);
        }
        if (cached == null) {
            // Outside the lock: a slow registry must not block threads whose schemas are cached.
            cached = resolve(topic, schemaId);
            synchronized (readers) {
                Resolved raced = readers.putIfAbsent(schemaId, cached);
                cached = raced != null ? raced : cached;
            }
        }
        if (cached.rejection() != null) {
            // The cached message names the topic of the first record; this one may be another.
            throw new DataException("topic " + topic + ": " + cached.rejection().getMessage());
        }
        return cached.reader();
    }

    private Resolved resolve(String topic, int schemaId) {
        org.apache.avro.Schema writer;
        try {
            writer = registry.schemaById(topic, schemaId);
        } catch (SchemaRegistryClient.UnknownSchemaException e) {
            throw e; // not cached: the id may be registered yet (a registry replica behind its leader)
        } catch (DataException e) {
            log.warn("{} (cached: no further record with schema id {} is looked up)", e.getMessage(), schemaId);
            return new Resolved(null, e);
        }
        try {
            return new Resolved(VectorMutationReader.forWriter(topic, schemaId, writer, requiredFields,
                    metadataFields, metadataMaxBytes), null);
        } catch (DataException e) {
            log.warn("{} (cached: no further record with schema id {} is looked up)", e.getMessage(), schemaId);
            return new Resolved(null, e);
        }
    }

    /** Drops the cached writer schemas. */
    @Override
    public void close() {
        if (readers != null) {
            synchronized (readers) {
                readers.clear();
            }
        }
    }

    /**
     * Not supported: this converter is for sinks, which only read.
     *
     * @throws DataException always, naming the converter to use instead
     */
    @Override
    public byte[] fromConnectData(String topic, Schema schema, Object value) {
        throw new DataException("topic " + topic + ": " + getClass().getSimpleName()
                + " only decodes (sink connectors); to write Avro use the registry's own converter "
                + "(e.g. io.apicurio.registry.utils.converter.AvroConverter)");
    }
}
