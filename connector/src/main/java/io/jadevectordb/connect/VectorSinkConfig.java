package io.jadevectordb.connect;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jadevectordb.connect.settings.MetadataFieldsSetting;
import io.jadevectordb.engine.Database;
import io.jadevectordb.engine.DatabaseName;
import io.jadevectordb.engine.InvalidMutationException;
import io.jadevectordb.engine.StoreOptions;

/**
 * The sink's configuration: one {@link ConfigDef} with types, defaults, validators, groups and
 * documentation (the {@code docs/connector.md} table is generated from it), plus typed
 * accessors and the cross-key checks a single validator cannot express ({@link #problems}).
 */
public final class VectorSinkConfig extends AbstractConfig {

    private static final Logger log = LoggerFactory.getLogger(VectorSinkConfig.class);

    /** Values of the deprecated {@link #DATABASE_ROUTING_CONFIG}. */
    public enum DatabaseRouting { FIELD, TOPIC }

    /** Values of {@link #ID_SOURCE_CONFIG}. */
    public enum IdSource { FIELD, KEY }

    /** Values of the deprecated {@link #DIMENSION_POLICY_CONFIG}. */
    public enum DimensionPolicy { FIRST_RECORD, FIXED }

    /** Values of {@link #NAN_POLICY_CONFIG}. */
    public enum NanPolicy { REJECT, ALLOW }

    /** Values of {@link #UPDATE_MISSING_POLICY_CONFIG}. */
    public enum UpdateMissingPolicy { REJECT, IGNORE, UPSERT }

    /** Values of {@link #TOMBSTONE_BEHAVIOR_CONFIG}. */
    public enum TombstoneBehavior { DELETE, IGNORE, FAIL }

    /** Values of {@link #RECREATED_TOPIC_BEHAVIOR_CONFIG}. */
    public enum RecreatedTopicBehavior { FAIL, REBUILD }

    /** Values of {@link #OFFSETS_RESET_CONFIG}. */
    public enum OffsetsReset { AUTO, LOCAL, REFUSE }

    public static final String GROUP_STORAGE = "Storage";
    public static final String GROUP_ROUTING = "Routing";
    public static final String GROUP_RECORD = "Record format";
    public static final String GROUP_VECTORS = "Vectors";
    public static final String GROUP_METADATA = "Metadata";
    public static final String GROUP_BATCHING = "Batching";
    public static final String GROUP_RECOVERY = "Recovery";

    public static final String DATA_DIR_CONFIG = "data.dir";
    public static final String DATA_DIR_DOC = "Absolute path of the store's root directory on the worker's local disk. "
            + "Each database is a subdirectory; each topic partition feeding it is one shard file inside it.";

    public static final String MAX_OPEN_SHARDS_CONFIG = "max.open.shards";
    public static final String MAX_OPEN_SHARDS_DOC = "Most shard files one task keeps open (mapped) at once; "
            + "the least recently used beyond it are closed (never losing applied data) and reopened on demand.";
    public static final int MAX_OPEN_SHARDS_DEFAULT = StoreOptions.DEFAULT_MAX_OPEN_SHARDS;

    public static final String FLUSH_INTERVAL_MS_CONFIG = "flush.interval.ms";
    public static final String FLUSH_INTERVAL_MS_DOC = "How often the engine's background flusher forces dirty pages "
            + "to disk ahead of a commit, to keep commit latency flat. 0 disables it. It never moves a checkpoint: "
            + "offsets are committed only by the connector's commit.";
    public static final long FLUSH_INTERVAL_MS_DEFAULT = StoreOptions.DEFAULT_FLUSH_INTERVAL.toMillis();

    public static final String MAX_ID_BYTES_CONFIG = "max.id.bytes";
    public static final String MAX_ID_BYTES_DOC = "Longest vector id, in UTF-8 bytes, of databases this connector creates. "
            + "Longer ids are rejected as bad records.";
    public static final int MAX_ID_BYTES_DEFAULT = StoreOptions.DEFAULT_MAX_ID_BYTES;

    public static final String SHARD_EXPECTED_VECTORS_CONFIG = "shard.expected.vectors";
    public static final String SHARD_EXPECTED_VECTORS_DOC = "Vectors one shard (one database fed by one topic partition) "
            + "is expected to hold. A shard opened without an index snapshot starts with an in-memory index that size, "
            + "which saves the index growths of a bulk load. Growth is memory only and spread over the following writes "
            + "(records never move), so this is a small optimisation; it costs 32 to 64 bytes of memory per expected "
            + "vector. 0 starts small and doubles the index as needed.";
    public static final long SHARD_EXPECTED_VECTORS_DEFAULT = 0;

    public static final String DATABASE_FIELD_CONFIG = "database.field";
    public static final String DATABASE_FIELD_DOC = "Name of the value field holding a record's database; when the "
            + "value has no such field (or it is null or empty), the key's field of that name (a struct or map key); "
            + "when neither names one, database.topic.template. Empty: no field is read and every record goes to "
            + "database.topic.template.";
    public static final String DATABASE_FIELD_DEFAULT = "database";

    public static final String DATABASE_TOPIC_TEMPLATE_CONFIG = "database.topic.template";
    public static final String DATABASE_TOPIC_TEMPLATE_DOC = "Database of a record that names none in database.field "
            + "(every record when database.field is empty); '${topic}' is replaced by the record's topic after any "
            + "topic-renaming SMT, e.g. 'emb-${topic}'.";
    public static final String DATABASE_TOPIC_TEMPLATE_DEFAULT = "${topic}";
    /** The placeholder of {@link #DATABASE_TOPIC_TEMPLATE_CONFIG}. */
    public static final String TOPIC_PLACEHOLDER = "${topic}";

    /**
     * Deprecated: 'field' is what {@link #DATABASE_FIELD_CONFIG} does on its own, 'topic' is an
     * empty {@code database.field}. Still accepted, with a warning; not in the generated table.
     */
    public static final String DATABASE_ROUTING_CONFIG = "database.routing";
    public static final String DATABASE_ROUTING_DOC = "Deprecated, use database.field: 'field' is the default "
            + "behaviour, 'topic' is database.field= (empty).";
    public static final String DATABASE_ROUTING_DEFAULT = "field";

    public static final String ID_SOURCE_CONFIG = "id.source";
    public static final String ID_SOURCE_DOC = "Where a record's vector id comes from: 'field' (the value's id field) "
            + "or 'key' (the record key: a string, or a struct/map with the id field). Tombstones always take the id "
            + "from the key.";
    public static final String ID_SOURCE_DEFAULT = "field";

    public static final String ID_FIELD_CONFIG = "id.field";
    public static final String ID_FIELD_DOC = "Name of the value or key field holding the vector id.";
    public static final String ID_FIELD_DEFAULT = "id";

    public static final String OP_FIELD_CONFIG = "op.field";
    public static final String OP_FIELD_DOC = "Name of the value field holding the operation: STORE, UPDATE or DELETE "
            + "(case-insensitive). An absent or null op means STORE.";
    public static final String OP_FIELD_DEFAULT = "op";

    public static final String VECTOR_FIELD_CONFIG = "vector.field";
    public static final String VECTOR_FIELD_DOC = "Name of the value field holding the vector as an array of numbers.";
    public static final String VECTOR_FIELD_DEFAULT = "vector";

    public static final String VECTOR_BYTES_FIELD_CONFIG = "vector.bytes.field";
    public static final String VECTOR_BYTES_FIELD_DOC = "Name of the value field holding the vector as little-endian "
            + "float32 bytes (base64 in schemaless JSON). A STORE or UPDATE carries exactly one of vector.field and this.";
    public static final String VECTOR_BYTES_FIELD_DEFAULT = "vector_bytes";

    /**
     * Deprecated: {@code fixed} is the entry {@code *:reject} of {@link #DATABASE_DIMENSIONS_CONFIG},
     * {@code first-record} is what an unlisted database gets without a {@code *} entry.
     */
    public static final String DIMENSION_POLICY_CONFIG = "dimension.policy";
    public static final String DIMENSION_POLICY_DOC = "Deprecated, use a '*' entry in database.dimensions: "
            + "'first-record' (the default) is no '*' entry, 'fixed' is '*:reject'.";
    public static final String DIMENSION_POLICY_DEFAULT = "first-record";

    public static final String DATABASE_DIMENSIONS_CONFIG = "database.dimensions";
    public static final String DATABASE_DIMENSIONS_DOC = "Dimensions of databases, as a list of "
            + "'<database>:<dimension>', e.g. 'articles:768,images:512'; vectors of another length are bad records. "
            + "One entry '*:<what>' says what a database not listed gets when a record creates it: '*:first-record' "
            + "(the default) the length of its first vector, '*:<dimension>' that dimension, '*:reject' nothing: "
            + "records for it are bad records.";
    public static final String DATABASE_DIMENSIONS_DEFAULT = "";
    /** The {@link #DATABASE_DIMENSIONS_CONFIG} entry name for every database not listed. */
    public static final String ANY_DATABASE = "*";
    private static final String REJECT = "reject";

    public static final String NAN_POLICY_CONFIG = "nan.policy";
    public static final String NAN_POLICY_DOC = "'reject': a vector with a NaN or infinite component is a bad record; "
            + "'allow': store it as is.";
    public static final String NAN_POLICY_DEFAULT = "reject";

    public static final String UPDATE_MISSING_POLICY_CONFIG = "update.missing.policy";
    public static final String UPDATE_MISSING_POLICY_DOC = "What an UPDATE of an id the database does not hold does: "
            + "'reject' (a bad record: dead letter queue or task failure per errors.tolerance), 'ignore' (logged and "
            + "counted) or 'upsert' (stored as if it were a STORE; an UPDATE that carries metadata and no vector, a "
            + "re-tag, has nothing to store and changes nothing).";
    public static final String UPDATE_MISSING_POLICY_DEFAULT = "reject";

    public static final String TOMBSTONE_BEHAVIOR_CONFIG = "tombstone.behavior";
    public static final String TOMBSTONE_BEHAVIOR_DOC = "What a record with a null value does: 'delete' the id in its "
            + "key, 'ignore' it (counted), or 'fail' (a bad record).";
    public static final String TOMBSTONE_BEHAVIOR_DEFAULT = "delete";

    /** The {@link #METADATA_FIELDS_CONFIG} value that keeps every field the sink does not read. */
    public static final String METADATA_ALL = MetadataFieldsSetting.ALL;
    /** The {@link #METADATA_FIELDS_CONFIG} value that keeps no metadata. */
    public static final String METADATA_NONE = MetadataFieldsSetting.NONE;

    public static final String METADATA_FIELDS_CONFIG = "metadata.fields";
    public static final String METADATA_FIELDS_DOC = "Which fields of a record's value are kept as the vector's metadata "
            + "(one CBOR map, in the writer's field order; see docs/schemas.md): 'all' every field except database.field, "
            + "id.field, op.field, vector.field and vector.bytes.field; 'none' no metadata; or a comma-separated list of "
            + "field names (fields a record lacks are skipped). A field whose value is null is left out; a record with "
            + "no non-null kept field carries no metadata. The Avro fast-path converter reads the writer's fields "
            + "itself and has its own metadata.fields setting; 'none' here also drops what it sends.";
    public static final String METADATA_FIELDS_DEFAULT = METADATA_ALL;

    public static final String METADATA_MAX_BYTES_CONFIG = "metadata.max.bytes";
    public static final String METADATA_MAX_BYTES_DOC = "Largest encoded metadata of one record, in bytes. A record whose "
            + "kept fields encode larger is a bad record (dead letter queue or task failure per errors.tolerance), never "
            + "truncated. Also the bound of the databases' metadata in the engine.";
    public static final int METADATA_MAX_BYTES_DEFAULT = StoreOptions.DEFAULT_MAX_METADATA_BYTES;
    /** The shard format's bound on one record's metadata. */
    public static final int METADATA_MAX_BYTES_LIMIT = MetadataFieldsSetting.MAX_BYTES_LIMIT;

    public static final String BATCH_SIZE_CONFIG = "batch.size";
    public static final String BATCH_SIZE_DOC = "Mutations buffered per topic partition before they are applied to "
            + "the shards in one engine call. Everything buffered is applied at every offset commit anyway.";
    public static final int BATCH_SIZE_DEFAULT = 500;

    /**
     * An internal knob (tests and benchmarks compare both ways): accepted, left out of the
     * generated table because a user never needs to turn it off.
     */
    public static final String APPLY_OVERLAP_CONFIG = "apply.overlap";
    public static final String APPLY_OVERLAP_DOC = "Apply full batches on a background thread while the task fetches and "
            + "converts the next records: at most one batch in flight per task, and a commit waits for it, so offsets are "
            + "committed exactly as without it. false applies on the task thread.";
    public static final boolean APPLY_OVERLAP_DEFAULT = true;

    public static final String BUFFER_MAX_BYTES_CONFIG = "buffer.max.bytes";
    public static final String BUFFER_MAX_BYTES_DOC = "Bound on the heap a task's buffered mutations hold: their vectors "
            + "(4 bytes per component), ids and bookkeeping, plus, for an UPDATE under update.missing.policy=reject, the "
            + "record kept for the dead letter queue (estimated from its converted value; a boxed vector costs about 24 "
            + "bytes per component). Other records are not kept once mapped. Above it the "
            + "task applies everything at once; if the shards cannot take it (a retriable I/O problem), it pauses the "
            + "partitions holding buffered data until the buffer drains.";
    public static final long BUFFER_MAX_BYTES_DEFAULT = 64L << 20;

    public static final String REPLAY_FROM_EARLIEST_CONFIG = "replay.from.earliest";
    public static final String REPLAY_FROM_EARLIEST_DOC = "When a partition has no shard in data.dir (no local state), "
            + "replay it from its earliest offset to rebuild the state (the topic should be compacted or keep "
            + "everything). When false, such a partition resumes from the consumer group's committed offset.";
    public static final boolean REPLAY_FROM_EARLIEST_DEFAULT = true;

    public static final String RECREATED_TOPIC_BEHAVIOR_CONFIG = "recreated.topic.behavior";
    public static final String RECREATED_TOPIC_BEHAVIOR_DOC = "What a task does when a partition's log no longer "
            + "holds what its shards assume, in the first batch after a resume or later: its offsets go back below "
            + "the checkpoint or below what was delivered (the topic was deleted and recreated, or its log replaced), "
            + "or the log now starts past the offset expected next (records were deleted by retention or "
            + "DeleteRecords before the sink applied them, also when a running task fell behind retention). 'fail': "
            + "stop the task with the fix, keeping the old state. 'rebuild': drop the partition's local state (its "
            + "shard in every database) and rebuild it from the log as it is, starting at that record.";
    public static final String RECREATED_TOPIC_BEHAVIOR_DEFAULT = "fail";

    public static final String OFFSETS_RESET_CONFIG = "offsets.reset";
    public static final String OFFSETS_RESET_DOC = "What an offset reset through Connect's REST API (PATCH or DELETE "
            + "/connectors/NAME/offsets on a stopped connector, KIP-875) does. An accepted reset of a partition is "
            + "recorded in data.dir of the worker that handles the request; when a task next opens the partition it "
            + "drops the partition's local state (its shard in every database) and replays it from the given offset "
            + "(DELETE: from the earliest). 'local': accept, for a worker that sees the tasks' data.dir (a standalone "
            + "worker, a single distributed worker, or storage every worker shares). 'refuse': refuse every reset, "
            + "naming the steps to reset by hand. 'auto': 'local' in a standalone worker, 'refuse' in a distributed one.";
    public static final String OFFSETS_RESET_DEFAULT = "auto";

    public static final String IO_RETRY_BACKOFF_MS_CONFIG = "io.retry.backoff.ms";
    public static final String IO_RETRY_BACKOFF_MS_DOC = "Wait before retrying after a retriable I/O problem (a shard "
            + "locked by another writer, a full disk).";
    public static final long IO_RETRY_BACKOFF_MS_DEFAULT = 1000L;

    public static final String IO_RETRY_TIMEOUT_MS_CONFIG = "io.retry.timeout.ms";
    public static final String IO_RETRY_TIMEOUT_MS_DOC = "How long a retriable I/O problem may last before the task "
            + "fails. I/O problems never go to the dead letter queue.";
    public static final long IO_RETRY_TIMEOUT_MS_DEFAULT = 300_000L;

    /** Connect's own error-handling keys, read for {@link #warnRegistryOutageDeadLetters}. */
    private static final String ERRORS_TOLERANCE = "errors.tolerance";
    private static final String ERRORS_RETRY_TIMEOUT = "errors.retry.timeout";

    /** The definition: the single source of truth for keys, defaults, validators and docs. */
    public static final ConfigDef CONFIG_DEF = definition();

    public VectorSinkConfig(Map<String, String> props) {
        super(CONFIG_DEF, props);
        warnDeprecated(props);
        warnRegistryOutageDeadLetters(props);
        List<Problem> problems = problems(props);
        if (!problems.isEmpty()) {
            StringBuilder message = new StringBuilder("Invalid JadeVectorDB sink configuration:");
            problems.forEach(p -> message.append(' ').append(p.message()).append(';'));
            throw new ConfigException(message.substring(0, message.length() - 1));
        }
    }

    private static ConfigDef definition() {
        ConfigDef def = new ConfigDef();
        int order = 0;
        def.define(DATA_DIR_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                Importance.HIGH, DATA_DIR_DOC, GROUP_STORAGE, ++order, Width.LONG, "Data directory");
        def.define(MAX_OPEN_SHARDS_CONFIG, Type.INT, MAX_OPEN_SHARDS_DEFAULT, Range.atLeast(1),
                Importance.MEDIUM, MAX_OPEN_SHARDS_DOC, GROUP_STORAGE, ++order, Width.SHORT, "Max open shards");
        def.define(FLUSH_INTERVAL_MS_CONFIG, Type.LONG, FLUSH_INTERVAL_MS_DEFAULT, Range.atLeast(0),
                Importance.LOW, FLUSH_INTERVAL_MS_DOC, GROUP_STORAGE, ++order, Width.SHORT, "Background flush interval");
        def.define(MAX_ID_BYTES_CONFIG, Type.INT, MAX_ID_BYTES_DEFAULT, Range.between(1, StoreOptions.MAX_ID_BYTES_LIMIT),
                Importance.LOW, MAX_ID_BYTES_DOC, GROUP_STORAGE, ++order, Width.SHORT, "Max id bytes");
        def.define(SHARD_EXPECTED_VECTORS_CONFIG, Type.LONG, SHARD_EXPECTED_VECTORS_DEFAULT,
                Range.between(0, StoreOptions.MAX_EXPECTED_VECTORS_PER_SHARD), Importance.LOW, SHARD_EXPECTED_VECTORS_DOC,
                GROUP_STORAGE, ++order, Width.SHORT, "Expected vectors per shard");

        order = 0;
        def.define(DATABASE_FIELD_CONFIG, Type.STRING, DATABASE_FIELD_DEFAULT, null,
                Importance.HIGH, DATABASE_FIELD_DOC, GROUP_ROUTING, ++order, Width.MEDIUM, "Database field");
        def.define(DATABASE_TOPIC_TEMPLATE_CONFIG, Type.STRING, DATABASE_TOPIC_TEMPLATE_DEFAULT,
                new TopicTemplateValidator(), Importance.MEDIUM, DATABASE_TOPIC_TEMPLATE_DOC, GROUP_ROUTING, ++order,
                Width.MEDIUM, "Database topic template");
        def.define(ID_SOURCE_CONFIG, Type.STRING, ID_SOURCE_DEFAULT, choice(IdSource.values()),
                Importance.HIGH, ID_SOURCE_DOC, GROUP_ROUTING, ++order, Width.SHORT, "Id source");
        def.define(ID_FIELD_CONFIG, Type.STRING, ID_FIELD_DEFAULT, new ConfigDef.NonEmptyString(),
                Importance.MEDIUM, ID_FIELD_DOC, GROUP_ROUTING, ++order, Width.MEDIUM, "Id field");

        order = 0;
        def.define(OP_FIELD_CONFIG, Type.STRING, OP_FIELD_DEFAULT, new ConfigDef.NonEmptyString(),
                Importance.LOW, OP_FIELD_DOC, GROUP_RECORD, ++order, Width.MEDIUM, "Op field");
        def.define(VECTOR_FIELD_CONFIG, Type.STRING, VECTOR_FIELD_DEFAULT, new ConfigDef.NonEmptyString(),
                Importance.LOW, VECTOR_FIELD_DOC, GROUP_RECORD, ++order, Width.MEDIUM, "Vector field");
        def.define(VECTOR_BYTES_FIELD_CONFIG, Type.STRING, VECTOR_BYTES_FIELD_DEFAULT, new ConfigDef.NonEmptyString(),
                Importance.LOW, VECTOR_BYTES_FIELD_DOC, GROUP_RECORD, ++order, Width.MEDIUM, "Vector bytes field");
        def.define(TOMBSTONE_BEHAVIOR_CONFIG, Type.STRING, TOMBSTONE_BEHAVIOR_DEFAULT,
                choice(TombstoneBehavior.values()), Importance.MEDIUM, TOMBSTONE_BEHAVIOR_DOC, GROUP_RECORD, ++order,
                Width.SHORT, "Tombstone behavior");

        order = 0;
        def.define(DATABASE_DIMENSIONS_CONFIG, Type.LIST, DATABASE_DIMENSIONS_DEFAULT, new DimensionListValidator(),
                Importance.MEDIUM, DATABASE_DIMENSIONS_DOC, GROUP_VECTORS, ++order, Width.LONG, "Database dimensions");
        def.define(NAN_POLICY_CONFIG, Type.STRING, NAN_POLICY_DEFAULT, choice(NanPolicy.values()),
                Importance.MEDIUM, NAN_POLICY_DOC, GROUP_VECTORS, ++order, Width.SHORT, "NaN policy");
        def.define(UPDATE_MISSING_POLICY_CONFIG, Type.STRING, UPDATE_MISSING_POLICY_DEFAULT,
                choice(UpdateMissingPolicy.values()), Importance.MEDIUM, UPDATE_MISSING_POLICY_DOC, GROUP_VECTORS,
                ++order, Width.SHORT, "UPDATE of a missing id");

        order = 0;
        def.define(METADATA_FIELDS_CONFIG, Type.LIST, METADATA_FIELDS_DEFAULT, MetadataFieldsSetting.validator(List.of(), "is a field the sink reads"),
                Importance.MEDIUM, METADATA_FIELDS_DOC, GROUP_METADATA, ++order, Width.LONG, "Metadata fields");
        def.define(METADATA_MAX_BYTES_CONFIG, Type.INT, METADATA_MAX_BYTES_DEFAULT,
                Range.between(1, METADATA_MAX_BYTES_LIMIT), Importance.LOW, METADATA_MAX_BYTES_DOC, GROUP_METADATA,
                ++order, Width.SHORT, "Metadata max bytes");

        order = 0;
        def.define(BATCH_SIZE_CONFIG, Type.INT, BATCH_SIZE_DEFAULT, Range.between(1, 1_000_000),
                Importance.MEDIUM, BATCH_SIZE_DOC, GROUP_BATCHING, ++order, Width.SHORT, "Batch size");
        def.define(BUFFER_MAX_BYTES_CONFIG, Type.LONG, BUFFER_MAX_BYTES_DEFAULT, Range.atLeast(1024),
                Importance.LOW, BUFFER_MAX_BYTES_DOC, GROUP_BATCHING, ++order, Width.SHORT, "Buffer bound (bytes)");

        order = 0;
        def.define(REPLAY_FROM_EARLIEST_CONFIG, Type.BOOLEAN, REPLAY_FROM_EARLIEST_DEFAULT, null,
                Importance.MEDIUM, REPLAY_FROM_EARLIEST_DOC, GROUP_RECOVERY, ++order, Width.SHORT, "Replay from earliest");
        def.define(RECREATED_TOPIC_BEHAVIOR_CONFIG, Type.STRING, RECREATED_TOPIC_BEHAVIOR_DEFAULT,
                choice(RecreatedTopicBehavior.values()), Importance.LOW, RECREATED_TOPIC_BEHAVIOR_DOC, GROUP_RECOVERY,
                ++order, Width.SHORT, "Recreated topic");
        def.define(OFFSETS_RESET_CONFIG, Type.STRING, OFFSETS_RESET_DEFAULT, choice(OffsetsReset.values()),
                Importance.LOW, OFFSETS_RESET_DOC, GROUP_RECOVERY, ++order, Width.SHORT, "Offset resets");
        def.define(IO_RETRY_BACKOFF_MS_CONFIG, Type.LONG, IO_RETRY_BACKOFF_MS_DEFAULT, Range.atLeast(0),
                Importance.LOW, IO_RETRY_BACKOFF_MS_DOC, GROUP_RECOVERY, ++order, Width.SHORT, "I/O retry backoff");
        def.define(IO_RETRY_TIMEOUT_MS_CONFIG, Type.LONG, IO_RETRY_TIMEOUT_MS_DEFAULT, Range.atLeast(0),
                Importance.LOW, IO_RETRY_TIMEOUT_MS_DOC, GROUP_RECOVERY, ++order, Width.SHORT, "I/O retry timeout");

        // Accepted and validated, but not offered: ConfigDocs leaves internal keys out of the table.
        def.defineInternal(APPLY_OVERLAP_CONFIG, Type.BOOLEAN, APPLY_OVERLAP_DEFAULT, null, Importance.LOW,
                APPLY_OVERLAP_DOC);
        def.defineInternal(DATABASE_ROUTING_CONFIG, Type.STRING, DATABASE_ROUTING_DEFAULT,
                choice(DatabaseRouting.values()), Importance.LOW, DATABASE_ROUTING_DOC);
        def.defineInternal(DIMENSION_POLICY_CONFIG, Type.STRING, DIMENSION_POLICY_DEFAULT, choice(DimensionPolicy.values()),
                Importance.LOW, DIMENSION_POLICY_DOC);
        return def;
    }

    /** The config value of an enum constant: {@code FIRST_RECORD -> first-record}. */
    public static String configValue(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * A setting as messages spell it, {@code nan.policy=allow}: the one way to name a key with a
     * value in an error, a log line or a fix, so that neither is ever a literal.
     */
    public static String setting(String key, Object value) {
        return key + "=" + (value instanceof Enum<?> constant ? configValue(constant) : String.valueOf(value));
    }

    private static ConfigDef.ValidString choice(Enum<?>[] values) {
        String[] names = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            names[i] = configValue(values[i]);
        }
        return ConfigDef.ValidString.in(names);
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String value) {
        return Enum.valueOf(type, value.toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    /**
     * Cross-key problems of an otherwise well-typed configuration, each naming the key and the
     * fix. Single-key problems are found by the validators of {@link #CONFIG_DEF}.
     */
    public static List<Problem> problems(Map<String, String> props) {
        List<Problem> problems = new ArrayList<>();
        String dataDir = props.get(DATA_DIR_CONFIG);
        if (dataDir != null && !dataDir.isBlank()) {
            Path path = Paths.get(dataDir);
            if (!path.isAbsolute()) {
                problems.add(new Problem(DATA_DIR_CONFIG, DATA_DIR_CONFIG + " = '" + dataDir + "' is a relative path, which would depend on the "
                        + "worker's working directory; fix: give an absolute path such as /var/lib/jadevectordb"));
            } else if (Files.exists(path) && !Files.isDirectory(path)) {
                problems.add(new Problem(DATA_DIR_CONFIG, DATA_DIR_CONFIG + " = '" + dataDir + "' exists but is not a directory; fix: point it "
                        + "at a directory (it is created when absent)"));
            }
        }
        String routing = props.get(DATABASE_ROUTING_CONFIG);
        String databaseField = props.get(DATABASE_FIELD_CONFIG);
        if (configValue(DatabaseRouting.FIELD).equals(routing) && databaseField != null && databaseField.isEmpty()) {
            problems.add(new Problem(DATABASE_ROUTING_CONFIG, setting(DATABASE_ROUTING_CONFIG, DatabaseRouting.FIELD)
                    + " (deprecated) asks for a database field, but " + DATABASE_FIELD_CONFIG + " is empty (no field); "
                    + "fix: remove " + DATABASE_ROUTING_CONFIG + " and set " + DATABASE_FIELD_CONFIG
                    + " to the field's name, or leave it empty to route every record by " + DATABASE_TOPIC_TEMPLATE_CONFIG));
        }
        metadataFieldProblem(props).ifPresent(problems::add);
        String policy = props.get(DIMENSION_POLICY_CONFIG);
        Map<String, Integer> dims;
        try {
            dims = parseDimensions(DATABASE_DIMENSIONS_CONFIG, List.of(
                    props.getOrDefault(DATABASE_DIMENSIONS_CONFIG, DATABASE_DIMENSIONS_DEFAULT).split(",")));
        } catch (ConfigException e) {
            return problems; // the key's validator reports it
        }
        Integer any = dims.get(ANY_DATABASE);
        if (policy != null && any != null) {
            problems.add(new Problem(DIMENSION_POLICY_CONFIG, setting(DIMENSION_POLICY_CONFIG, policy) + " (deprecated) "
                    + "and the entry '" + ANY_DATABASE + ":" + anyValue(any) + "' of " + DATABASE_DIMENSIONS_CONFIG
                    + " both say what an unlisted database gets; fix: remove " + DIMENSION_POLICY_CONFIG));
        }
        boolean rejectsUnlisted = configValue(DimensionPolicy.FIXED).equals(policy) || Integer.valueOf(-1).equals(any);
        if (rejectsUnlisted && dims.keySet().stream().allMatch(ANY_DATABASE::equals)) {
            String key = any == null ? DIMENSION_POLICY_CONFIG : DATABASE_DIMENSIONS_CONFIG;
            problems.add(new Problem(key, (any == null ? setting(DIMENSION_POLICY_CONFIG, DimensionPolicy.FIXED)
                    : DATABASE_DIMENSIONS_CONFIG + " = '" + ANY_DATABASE + ":" + REJECT + "'") + " but no database is "
                    + "listed in " + DATABASE_DIMENSIONS_CONFIG + ", so every record would be rejected; fix: list "
                    + "'<database>:<dimension>' pairs in " + DATABASE_DIMENSIONS_CONFIG + ", or accept new databases "
                    + "with '" + ANY_DATABASE + ":first-record'"));
        }
        return problems;
    }

    /** A {@link #METADATA_FIELDS_CONFIG} entry that names a field the sink reads itself. */
    private static Optional<Problem> metadataFieldProblem(Map<String, String> props) {
        String listed = props.get(METADATA_FIELDS_CONFIG);
        if (listed == null) {
            return Optional.empty();
        }
        Map<String, String> readers = new LinkedHashMap<>();
        if (!configValue(DatabaseRouting.TOPIC).equals(props.get(DATABASE_ROUTING_CONFIG))) {
            readers.put(DATABASE_FIELD_CONFIG, props.getOrDefault(DATABASE_FIELD_CONFIG, DATABASE_FIELD_DEFAULT));
        }
        readers.put(ID_FIELD_CONFIG, props.getOrDefault(ID_FIELD_CONFIG, ID_FIELD_DEFAULT));
        readers.put(OP_FIELD_CONFIG, props.getOrDefault(OP_FIELD_CONFIG, OP_FIELD_DEFAULT));
        readers.put(VECTOR_FIELD_CONFIG, props.getOrDefault(VECTOR_FIELD_CONFIG, VECTOR_FIELD_DEFAULT));
        readers.put(VECTOR_BYTES_FIELD_CONFIG, props.getOrDefault(VECTOR_BYTES_FIELD_CONFIG, VECTOR_BYTES_FIELD_DEFAULT));
        for (String entry : listed.split(",")) {
            String name = entry.trim();
            for (Map.Entry<String, String> reader : readers.entrySet()) {
                if (!name.isEmpty() && name.equals(reader.getValue().trim())) {
                    return Optional.of(new Problem(METADATA_FIELDS_CONFIG, METADATA_FIELDS_CONFIG + " = '" + listed
                            + "' lists '" + name + "', which the sink reads as " + reader.getKey() + " and never keeps as "
                            + "metadata; fix: remove '" + name + "' from " + METADATA_FIELDS_CONFIG));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Logs a WARN for each deprecated key that is set, naming the key, what to write instead and
     * that it will be removed. The key still works exactly as before.
     */
    private static void warnDeprecated(Map<String, String> props) {
        String policy = props.get(DIMENSION_POLICY_CONFIG);
        if (policy != null) {
            log.warn("{} is deprecated and will be removed in a future release; instead of {} write {}",
                    DIMENSION_POLICY_CONFIG, setting(DIMENSION_POLICY_CONFIG, policy),
                    configValue(DimensionPolicy.FIXED).equals(policy)
                            ? "the entry '" + ANY_DATABASE + ":" + REJECT + "' in " + DATABASE_DIMENSIONS_CONFIG
                            : "nothing (a database not listed in " + DATABASE_DIMENSIONS_CONFIG + " takes the length of "
                                    + "its first vector)");
        }
        String routing = props.get(DATABASE_ROUTING_CONFIG);
        if (routing == null) {
            return;
        }
        String instead = configValue(DatabaseRouting.TOPIC).equals(routing)
                ? setting(DATABASE_FIELD_CONFIG, "") + " (empty: every record goes to " + DATABASE_TOPIC_TEMPLATE_CONFIG + ")"
                : "nothing (" + DATABASE_FIELD_CONFIG + " alone reads the field, else " + DATABASE_TOPIC_TEMPLATE_CONFIG + ")";
        log.warn("{} is deprecated and will be removed in a future release; instead of {} write {}", DATABASE_ROUTING_CONFIG,
                setting(DATABASE_ROUTING_CONFIG, routing), instead);
        String field = props.get(DATABASE_FIELD_CONFIG);
        if (configValue(DatabaseRouting.TOPIC).equals(routing) && field != null && !field.isEmpty()) {
            log.warn("{}={} is ignored because {} routes every record by {}", DATABASE_FIELD_CONFIG, field,
                    setting(DATABASE_ROUTING_CONFIG, routing), DATABASE_TOPIC_TEMPLATE_CONFIG);
        }
    }

    /**
     * Logs a WARN when a schema-registry converter (any Avro converter set on the connector)
     * runs under {@code errors.tolerance=all} with a finite {@code errors.retry.timeout}: Connect
     * retries a converter failure only that long, so a registry outage longer than it sends good
     * records to the dead letter queue (or drops them without one). Not a validation error: a
     * dead letter queue someone replays may be what the operator wants. A converter set only in
     * the worker's config is not visible to the connector and is not checked.
     */
    private static void warnRegistryOutageDeadLetters(Map<String, String> props) {
        if (!"all".equals(props.get(ERRORS_TOLERANCE)) || "-1".equals(props.get(ERRORS_RETRY_TIMEOUT))) {
            return;
        }
        for (String key : List.of("value.converter", "key.converter")) {
            String converter = props.get(key);
            if (converter != null && converter.contains("Avro")) {
                log.warn("{}={} with {} and {}={}: a schema registry outage longer than the retry timeout sends good "
                        + "records to the dead letter queue (or drops them without one); fix: set {} so Connect retries "
                        + "until the registry is back, or accept it knowingly", key, converter,
                        setting(ERRORS_TOLERANCE, "all"), ERRORS_RETRY_TIMEOUT,
                        props.getOrDefault(ERRORS_RETRY_TIMEOUT, "0"), setting(ERRORS_RETRY_TIMEOUT, -1));
            }
        }
    }

    /**
     * A configuration problem found by a cross-key check.
     *
     * @param key     the key to fix
     * @param message what is wrong and the fix
     */
    public record Problem(String key, String message) {
    }

    /**
     * Refuses a {@link #DATABASE_TOPIC_TEMPLATE_CONFIG} that makes no valid database name of any
     * topic: the template with a one-letter topic must pass the engine's {@link DatabaseName}
     * check (a topic name uses the same alphabet, so each record's name then fails only for
     * its own topic, as a bad record).
     */
    static final class TopicTemplateValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            String template = (String) value;
            if (template == null || template.isEmpty()) {
                throw new ConfigException(name, template, "must not be empty; fix: give a database name, or '"
                        + TOPIC_PLACEHOLDER + "' to name each database after its topic");
            }
            try {
                DatabaseName.validate(template.replace(TOPIC_PLACEHOLDER, "t"));
            } catch (InvalidMutationException e) {
                throw new ConfigException(name, template, "makes no valid database name (with topic 't': "
                        + e.getMessage() + "); fix: use letters, digits, '.', '_', '-' around '" + TOPIC_PLACEHOLDER
                        + "', starting with a letter or digit, at most " + DatabaseName.MAX_LENGTH + " characters in all");
            }
        }

        @Override
        public String toString() {
            return "a valid database name, in which " + TOPIC_PLACEHOLDER + " stands for the topic";
        }
    }

    /** Validates {@code name:dimension} list entries, naming the bad entry and the fix. */
    static final class DimensionListValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            if (value == null) {
                return;
            }
            @SuppressWarnings("unchecked")
            List<String> entries = (List<String>) value;
            parseDimensions(name, entries);
        }

        @Override
        public String toString() {
            return "list of <database>:<dimension> (dimension " + Database.MIN_DIMENSION + ".." + Database.MAX_DIMENSION
                    + "), and at most one *:first-record, *:<dimension> or "
                    + "*:reject";
        }
    }

    /**
     * The {@code <database>:<dimension>} entries of {@link #DATABASE_DIMENSIONS_CONFIG}; the
     * {@code *} entry, if any, under {@link #ANY_DATABASE} as its dimension, 0 for
     * {@code first-record} or -1 for {@code reject}.
     */
    static Map<String, Integer> parseDimensions(String key, List<String> entries) {
        Map<String, Integer> result = new LinkedHashMap<>();
        for (String entry : entries) {
            String trimmed = entry.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            int colon = trimmed.lastIndexOf(':');
            String fix = "; fix: write entries as <database>:<dimension>, e.g. articles:768, and at most one "
                    + "*:first-record, *:<dimension> or *:reject for the databases not listed";
            if (colon <= 0 || colon == trimmed.length() - 1) {
                throw new ConfigException(key, entry, "entry is not <database>:<dimension>" + fix);
            }
            String database = trimmed.substring(0, colon).trim();
            String value = trimmed.substring(colon + 1).trim();
            int dimension;
            if (database.equals(ANY_DATABASE) && value.equals(configValue(DimensionPolicy.FIRST_RECORD))) {
                dimension = 0;
            } else if (database.equals(ANY_DATABASE) && value.equals(REJECT)) {
                dimension = -1;
            } else {
                try {
                    dimension = Integer.parseInt(value);
                } catch (NumberFormatException e) {
                    throw new ConfigException(key, entry, "dimension is not an integer" + fix);
                }
                if (dimension < Database.MIN_DIMENSION || dimension > Database.MAX_DIMENSION) {
                    throw new ConfigException(key, entry, "dimension must be " + Database.MIN_DIMENSION + ".."
                            + Database.MAX_DIMENSION + " (the shard format's limit)" + fix);
                }
            }
            if (!database.equals(ANY_DATABASE)) {
                try {
                    DatabaseName.validate(database);
                } catch (InvalidMutationException e) {
                    throw new ConfigException(key, entry, "not a valid database name: " + e.getMessage()
                            + "; fix: list the database under a valid name");
                }
            }
            if (result.put(database, dimension) != null) {
                throw new ConfigException(key, entry, "database '" + database + "' is listed twice; fix: keep one entry");
            }
        }
        return result;
    }

    public Path dataDir() {
        return Paths.get(getString(DATA_DIR_CONFIG));
    }

    /** The engine options this configuration asks for. */
    public StoreOptions storeOptions() {
        return StoreOptions.defaults()
                .withMaxOpenShards(getInt(MAX_OPEN_SHARDS_CONFIG))
                .withFlushInterval(Duration.ofMillis(getLong(FLUSH_INTERVAL_MS_CONFIG)))
                .withMaxIdBytes(getInt(MAX_ID_BYTES_CONFIG))
                .withExpectedVectorsPerShard(getLong(SHARD_EXPECTED_VECTORS_CONFIG))
                .withAllowNonFinite(nanPolicy() == NanPolicy.ALLOW)
                .withMaxMetadataBytes(metadataMaxBytes());
    }

    public boolean applyOverlap() {
        return getBoolean(APPLY_OVERLAP_CONFIG);
    }

    /**
     * The field a record's database is read from, or empty when every record goes to
     * {@link #databaseTopicTemplate()} ({@code database.field=}, or the deprecated
     * {@code database.routing=topic}).
     */
    public Optional<String> databaseField() {
        String field = getString(DATABASE_FIELD_CONFIG);
        boolean topicRouting = parse(DatabaseRouting.class, getString(DATABASE_ROUTING_CONFIG)) == DatabaseRouting.TOPIC;
        return topicRouting || field.isEmpty() ? Optional.empty() : Optional.of(field);
    }

    public String databaseTopicTemplate() {
        return getString(DATABASE_TOPIC_TEMPLATE_CONFIG);
    }

    public IdSource idSource() {
        return parse(IdSource.class, getString(ID_SOURCE_CONFIG));
    }

    public String idField() {
        return getString(ID_FIELD_CONFIG);
    }

    public String opField() {
        return getString(OP_FIELD_CONFIG);
    }

    public String vectorField() {
        return getString(VECTOR_FIELD_CONFIG);
    }

    public String vectorBytesField() {
        return getString(VECTOR_BYTES_FIELD_CONFIG);
    }

    public TombstoneBehavior tombstoneBehavior() {
        return parse(TombstoneBehavior.class, getString(TOMBSTONE_BEHAVIOR_CONFIG));
    }

    /**
     * The dimensions of the databases listed in {@link #DATABASE_DIMENSIONS_CONFIG}, in
     * configuration order (without the {@code *} entry).
     */
    public Map<String, Integer> databaseDimensions() {
        Map<String, Integer> dims = parseDimensions(DATABASE_DIMENSIONS_CONFIG, getList(DATABASE_DIMENSIONS_CONFIG));
        dims.remove(ANY_DATABASE);
        return Collections.unmodifiableMap(dims);
    }

    /**
     * What a database not listed in {@link #DATABASE_DIMENSIONS_CONFIG} gets when a record creates
     * it: a dimension, 0 for the length of its first vector, or -1 when it is rejected (the
     * {@code *} entry, else the deprecated {@link #DIMENSION_POLICY_CONFIG}).
     */
    public int unlistedDimension() {
        Integer any = parseDimensions(DATABASE_DIMENSIONS_CONFIG, getList(DATABASE_DIMENSIONS_CONFIG)).get(ANY_DATABASE);
        if (any != null) {
            return any;
        }
        return parse(DimensionPolicy.class, getString(DIMENSION_POLICY_CONFIG)) == DimensionPolicy.FIXED ? -1 : 0;
    }

    private static String anyValue(int unlisted) {
        return unlisted > 0 ? Integer.toString(unlisted) : unlisted == 0 ? configValue(DimensionPolicy.FIRST_RECORD) : REJECT;
    }

    public NanPolicy nanPolicy() {
        return parse(NanPolicy.class, getString(NAN_POLICY_CONFIG));
    }

    public UpdateMissingPolicy updateMissingPolicy() {
        return parse(UpdateMissingPolicy.class, getString(UPDATE_MISSING_POLICY_CONFIG));
    }

    /** Whether every field the sink does not read is kept as metadata ({@code metadata.fields=all}). */
    public boolean keepsAllMetadataFields() {
        return List.of(METADATA_ALL).equals(getList(METADATA_FIELDS_CONFIG));
    }

    /**
     * The fields kept as metadata when {@code metadata.fields} lists them: empty for
     * {@code none}, and for {@code all} (see {@link #keepsAllMetadataFields()}).
     */
    public Set<String> metadataFields() {
        List<String> fields = getList(METADATA_FIELDS_CONFIG);
        if (fields.equals(List.of(METADATA_ALL)) || fields.equals(List.of(METADATA_NONE))) {
            return Set.of();
        }
        return Collections.unmodifiableSet(new LinkedHashSet<>(fields));
    }

    /** The value fields the sink itself reads, never kept as metadata. */
    public Set<String> fieldsTheSinkReads() {
        Set<String> fields = new LinkedHashSet<>();
        databaseField().ifPresent(fields::add);
        fields.addAll(List.of(idField(), opField(), vectorField(), vectorBytesField()));
        return Collections.unmodifiableSet(fields);
    }

    public int metadataMaxBytes() {
        return getInt(METADATA_MAX_BYTES_CONFIG);
    }

    public int batchSize() {
        return getInt(BATCH_SIZE_CONFIG);
    }

    public long bufferMaxBytes() {
        return getLong(BUFFER_MAX_BYTES_CONFIG);
    }

    public boolean replayFromEarliest() {
        return getBoolean(REPLAY_FROM_EARLIEST_CONFIG);
    }

    public RecreatedTopicBehavior recreatedTopicBehavior() {
        return parse(RecreatedTopicBehavior.class, getString(RECREATED_TOPIC_BEHAVIOR_CONFIG));
    }

    public OffsetsReset offsetsReset() {
        return parse(OffsetsReset.class, getString(OFFSETS_RESET_CONFIG));
    }

    public long ioRetryBackoffMs() {
        return getLong(IO_RETRY_BACKOFF_MS_CONFIG);
    }

    public long ioRetryTimeoutMs() {
        return getLong(IO_RETRY_TIMEOUT_MS_CONFIG);
    }
}
