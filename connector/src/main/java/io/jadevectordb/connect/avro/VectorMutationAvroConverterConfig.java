package io.jadevectordb.connect.avro;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

import io.jadevectordb.connect.settings.MetadataFieldsSetting;
import io.jadevectordb.engine.StoreOptions;

/**
 * Settings of {@link VectorMutationAvroConverter}, given with the worker's or connector's
 * {@code value.converter.} prefix. Key names follow Confluent's AvroConverter where they mean
 * the same thing, so a config can switch converters by changing the class name only.
 */
public final class VectorMutationAvroConverterConfig extends AbstractConfig {

    /** Comma-separated registry base URLs. */
    public static final String SCHEMA_REGISTRY_URL_CONFIG = "schema.registry.url";
    private static final String SCHEMA_REGISTRY_URL_DOC = "Base URL(s) of a Confluent-compatible schema "
            + "registry API, comma-separated, tried in order while unreachable. Confluent Schema Registry and "
            + "Karapace: http://host:8081; Redpanda: http://host:8081; Apicurio 2.x: http://host:8080/apis/ccompat/v7.";

    /** How many writer schemas (decoding plans) to keep. */
    public static final String SCHEMA_CACHE_SIZE_CONFIG = "schema.cache.size";
    private static final String SCHEMA_CACHE_SIZE_DOC = "Writer schemas kept in memory, least recently used "
            + "evicted first. A topic normally uses a handful.";
    private static final int SCHEMA_CACHE_SIZE_DEFAULT = 1000;

    /** HTTP timeout of one registry request. */
    public static final String REQUEST_TIMEOUT_MS_CONFIG = "schema.registry.request.timeout.ms";
    private static final String REQUEST_TIMEOUT_MS_DOC = "Connect and request timeout of one registry "
            + "lookup, in milliseconds. A timeout is a retriable error.";
    private static final long REQUEST_TIMEOUT_MS_DEFAULT = 10_000L;

    /** Basic-auth credentials for the registry. */
    public static final String BASIC_AUTH_USER_INFO_CONFIG = "basic.auth.user.info";
    private static final String BASIC_AUTH_USER_INFO_DOC = "user:password for HTTP basic authentication "
            + "against the registry; empty for none.";

    /** Canonical fields every writer schema must contain. */
    public static final String REQUIRED_FIELDS_CONFIG = "required.fields";
    private static final String REQUIRED_FIELDS_DOC = "Canonical fields (of database, id, op, vector, "
            + "vector_bytes) that every writer schema must declare; a schema without one is rejected when "
            + "first seen. Empty it when the connector takes ids from the record key.";
    private static final String REQUIRED_FIELDS_DEFAULT = VectorMutationSchema.ID;

    /** Which of the writer's other fields become the vector's metadata. */
    public static final String METADATA_FIELDS_CONFIG = "metadata.fields";
    private static final String METADATA_FIELDS_DOC = "Which fields of the writer's record, other than "
            + "database, id, op, vector and vector_bytes, become the vector's metadata (one CBOR map, see "
            + "docs/schemas.md): all (every other field), none, or a comma-separated list of field names (names a "
            + "writer lacks are skipped; the document keeps the writer's field order). Same meaning as the sink's "
            + "metadata.fields, which does not apply to values from this converter.";
    private static final String METADATA_FIELDS_DEFAULT = "all";

    /** The largest metadata document of one record. */
    public static final String METADATA_MAX_BYTES_CONFIG = "metadata.max.bytes";
    private static final String METADATA_MAX_BYTES_DOC = "Largest metadata document of one record, in bytes "
            + "of CBOR. A record whose metadata is larger is a bad record (dead letter queue or task failure, as "
            + "errors.tolerance says), never truncated. At most 524288, the shard format's limit.";
    private static final int METADATA_MAX_BYTES_DEFAULT = StoreOptions.DEFAULT_MAX_METADATA_BYTES;
    /** The shard format's limit on one metadata document. */
    static final int METADATA_MAX_BYTES_LIMIT = MetadataFieldsSetting.MAX_BYTES_LIMIT;

    /** The definition of every setting, with defaults, validators and docs. */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(SCHEMA_REGISTRY_URL_CONFIG, ConfigDef.Type.LIST, ConfigDef.NO_DEFAULT_VALUE,
                    new HttpUrlList(),
                    ConfigDef.Importance.HIGH, SCHEMA_REGISTRY_URL_DOC)
            .define(SCHEMA_CACHE_SIZE_CONFIG, ConfigDef.Type.INT, SCHEMA_CACHE_SIZE_DEFAULT,
                    ConfigDef.Range.atLeast(1), ConfigDef.Importance.LOW, SCHEMA_CACHE_SIZE_DOC)
            .define(REQUEST_TIMEOUT_MS_CONFIG, ConfigDef.Type.LONG, REQUEST_TIMEOUT_MS_DEFAULT,
                    ConfigDef.Range.atLeast(1), ConfigDef.Importance.LOW, REQUEST_TIMEOUT_MS_DOC)
            .define(BASIC_AUTH_USER_INFO_CONFIG, ConfigDef.Type.PASSWORD, "",
                    ConfigDef.Importance.MEDIUM, BASIC_AUTH_USER_INFO_DOC)
            .define(REQUIRED_FIELDS_CONFIG, ConfigDef.Type.LIST, REQUIRED_FIELDS_DEFAULT,
                    ConfigDef.ValidList.in(VectorMutationSchema.FIELDS.toArray(String[]::new)),
                    ConfigDef.Importance.MEDIUM, REQUIRED_FIELDS_DOC)
            .define(METADATA_FIELDS_CONFIG, ConfigDef.Type.LIST, METADATA_FIELDS_DEFAULT, MetadataFieldsSetting.validator(VectorMutationSchema.FIELDS,
                    "is a field the converter reads as the mutation itself"),
                    ConfigDef.Importance.MEDIUM, METADATA_FIELDS_DOC)
            .define(METADATA_MAX_BYTES_CONFIG, ConfigDef.Type.INT, METADATA_MAX_BYTES_DEFAULT,
                    ConfigDef.Range.between(1, METADATA_MAX_BYTES_LIMIT), ConfigDef.Importance.LOW, METADATA_MAX_BYTES_DOC);

    /**
     * @param originals the converter's settings, without the {@code value.converter.} prefix
     */
    public VectorMutationAvroConverterConfig(Map<?, ?> originals) {
        super(CONFIG_DEF, originals);
    }

    /** A non-empty list of http(s) URLs with a host. */
    private static final class HttpUrlList implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            @SuppressWarnings("unchecked")
            List<String> urls = (List<String>) value;
            if (urls == null || urls.isEmpty()) {
                throw new ConfigException(name, value, "give at least one registry URL, e.g. http://127.0.0.1:8081");
            }
            for (String url : urls) {
                checkUrl(name, url);
            }
        }

        @Override
        public String toString() {
            return "non-empty list of http(s) URLs";
        }
    }

    private static void checkUrl(String name, String url) {
        try {
            URI uri = URI.create(url.trim());
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL with a host");
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigException(name, url, "expected an http(s) URL such as http://127.0.0.1:8081 ("
                    + e.getMessage() + ")");
        }
    }

    List<URI> registryUrls() {
        return getList(SCHEMA_REGISTRY_URL_CONFIG).stream().map(String::trim).map(URI::create).toList();
    }

    int schemaCacheSize() {
        return getInt(SCHEMA_CACHE_SIZE_CONFIG);
    }

    Duration requestTimeout() {
        return Duration.ofMillis(getLong(REQUEST_TIMEOUT_MS_CONFIG));
    }

    String basicAuthUserInfo() {
        Password p = getPassword(BASIC_AUTH_USER_INFO_CONFIG);
        return p == null || p.value().isEmpty() ? null : p.value();
    }

    List<String> requiredFields() {
        return getList(REQUIRED_FIELDS_CONFIG);
    }

    MetadataFields metadataFields() {
        return MetadataFields.of(getList(METADATA_FIELDS_CONFIG));
    }

    int metadataMaxBytes() {
        return getInt(METADATA_MAX_BYTES_CONFIG);
    }
}
