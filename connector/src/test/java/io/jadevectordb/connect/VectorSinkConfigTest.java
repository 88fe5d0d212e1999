package io.jadevectordb.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.connect.VectorSinkConfig.UpdateMissingPolicy;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.format.ShardFormat;

class VectorSinkConfigTest {

    @TempDir
    Path dir;

    private Map<String, String> minimal() {
        Map<String, String> props = new HashMap<>();
        props.put(VectorSinkConfig.DATA_DIR_CONFIG, dir.resolve("data").toString());
        return props;
    }

    @Test
    void appliesDocumentedDefaults() {
        VectorSinkConfig config = new VectorSinkConfig(minimal());

        assertThat(config.dataDir()).isEqualTo(dir.resolve("data"));
        assertThat(config.unlistedDimension()).as("a new database takes its first vector's length").isZero();
        assertThat(config.updateMissingPolicy()).isEqualTo(UpdateMissingPolicy.REJECT);
        assertThat(config.batchSize()).isEqualTo(VectorSinkConfig.BATCH_SIZE_DEFAULT);
        assertThat(config.replayFromEarliest()).isTrue();
        StoreOptions options = config.storeOptions();
        assertThat(options.maxOpenShards()).isEqualTo(StoreOptions.DEFAULT_MAX_OPEN_SHARDS);
        assertThat(options.allowNonFinite()).isFalse();
        assertThat(options.expectedVectorsPerShard()).isZero();
    }

    @Test
    void expectedVectorsPerShardReachesTheEngineAndANegativeCountIsRefusedNamingTheKey() {
        Map<String, String> props = minimal();
        props.put(VectorSinkConfig.SHARD_EXPECTED_VECTORS_CONFIG, "2000000");
        assertThat(new VectorSinkConfig(props).storeOptions().expectedVectorsPerShard()).isEqualTo(2_000_000);

        props.put(VectorSinkConfig.SHARD_EXPECTED_VECTORS_CONFIG, "-5");
        assertThatThrownBy(() -> new VectorSinkConfig(props))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(VectorSinkConfig.SHARD_EXPECTED_VECTORS_CONFIG)
                .hasMessageContaining("-5");
    }

    @Test
    void parsesFixedDimensionsPerDatabase() {
        Map<String, String> props = minimal();
        props.put(VectorSinkConfig.DIMENSION_POLICY_CONFIG, "fixed");
        props.put(VectorSinkConfig.DATABASE_DIMENSIONS_CONFIG, "articles:768, images:512");

        VectorSinkConfig config = new VectorSinkConfig(props);

        assertThat(config.databaseDimensions()).containsExactly(Map.entry("articles", 768), Map.entry("images", 512));
    }

    @Test
    void nanPolicyAllowReachesTheEngineOptions() {
        Map<String, String> props = minimal();
        props.put(VectorSinkConfig.NAN_POLICY_CONFIG, "allow");

        assertThat(new VectorSinkConfig(props).storeOptions().allowNonFinite()).isTrue();
    }

    @Test
    void missingDataDirIsRejectedNamingTheKey() {
        assertThatThrownBy(() -> new VectorSinkConfig(Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(VectorSinkConfig.DATA_DIR_CONFIG);
    }

    @Test
    void relativeDataDirIsRejectedWithTheFix() {
        Map<String, String> props = minimal();
        props.put(VectorSinkConfig.DATA_DIR_CONFIG, "relative/data");

        assertThatThrownBy(() -> new VectorSinkConfig(props))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("data.dir")
                .hasMessageContaining("fix: give an absolute path");
    }

    @Test
    void dataDirThatIsAFileIsRejected() throws Exception {
        Path file = Files.createFile(dir.resolve("file"));
        Map<String, String> props = minimal();
        props.put(VectorSinkConfig.DATA_DIR_CONFIG, file.toString());

        assertThatThrownBy(() -> new VectorSinkConfig(props)).hasMessageContaining("is not a directory");
    }

    @Test
    void rejectingUnlistedDatabasesWithoutListingAnyIsRefusedEitherWay() {
        Map<String, String> props = minimal();
        props.put(VectorSinkConfig.DIMENSION_POLICY_CONFIG, "fixed");
        assertThatThrownBy(() -> new VectorSinkConfig(props))
                .hasMessageContaining("dimension.policy=fixed but no database is listed in database.dimensions")
                .hasMessageContaining("fix:");

        props.remove(VectorSinkConfig.DIMENSION_POLICY_CONFIG);
        props.put(VectorSinkConfig.DATABASE_DIMENSIONS_CONFIG, "*:reject");
        assertThatThrownBy(() -> new VectorSinkConfig(props))
                .hasMessageContaining("database.dimensions = '*:reject' but no database is listed").hasMessageContaining("fix:");
    }

    @Test
    void theStarEntrySaysWhatUnlistedDatabasesGet() {
        Map<String, String> props = minimal();
        props.put(VectorSinkConfig.DATABASE_DIMENSIONS_CONFIG, "articles:768, *:reject");
        VectorSinkConfig config = new VectorSinkConfig(props);
        assertThat(config.databaseDimensions()).containsExactly(Map.entry("articles", 768));
        assertThat(config.unlistedDimension()).isEqualTo(-1);

        props.put(VectorSinkConfig.DATABASE_DIMENSIONS_CONFIG, "*:384");
        assertThat(new VectorSinkConfig(props).unlistedDimension()).isEqualTo(384);
        props.put(VectorSinkConfig.DATABASE_DIMENSIONS_CONFIG, "*:first-record");
        assertThat(new VectorSinkConfig(props).unlistedDimension()).isZero();
        props.put(VectorSinkConfig.DATABASE_DIMENSIONS_CONFIG, "*:sometimes");
        assertThatThrownBy(() -> new VectorSinkConfig(props)).hasMessageContaining("*:sometimes")
                .hasMessageContaining("*:reject for the databases not listed");
    }

    @Test
    void theDeprecatedDimensionPolicyStillWorksAndWarnsNamingTheNewForm() {
        Map<String, String> props = minimal();
        props.put(VectorSinkConfig.DIMENSION_POLICY_CONFIG, "fixed");
        props.put(VectorSinkConfig.DATABASE_DIMENSIONS_CONFIG, "articles:768");

        assertThat(logOf(props)).contains("WARN", "dimension.policy is deprecated and will be removed",
                "instead of dimension.policy=fixed write the entry '*:reject' in database.dimensions");
        assertThat(new VectorSinkConfig(props).unlistedDimension()).isEqualTo(-1);
    }

    @Test
    void theDeprecatedDimensionPolicyBesideAStarEntryFailsNamingBoth() {
        Map<String, String> props = minimal();
        props.put(VectorSinkConfig.DIMENSION_POLICY_CONFIG, "first-record");
        props.put(VectorSinkConfig.DATABASE_DIMENSIONS_CONFIG, "articles:768,*:reject");

        assertThatThrownBy(() -> new VectorSinkConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("dimension.policy=first-record (deprecated) and the entry '*:reject' of "
                        + "database.dimensions").hasMessageContaining("fix: remove dimension.policy");
    }

    @Test
    void malformedDimensionEntryNamesTheEntryAndTheFix() {
        Map<String, String> props = minimal();
        props.put(VectorSinkConfig.DATABASE_DIMENSIONS_CONFIG, "articles=768");

        assertThatThrownBy(() -> new VectorSinkConfig(props))
                .hasMessageContaining("articles=768")
                .hasMessageContaining("<database>:<dimension>");
    }

    /** What {@code new VectorSinkConfig(props)} logs to stderr (slf4j-simple writes to the current System.err). */
    private static String logOf(Map<String, String> props) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            new VectorSinkConfig(props);
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theDeprecatedRoutingKeyWarnsNamingItselfTheNewFormAndItsRemoval() {
        Map<String, String> props = minimal();
        props.put(VectorSinkConfig.DATABASE_ROUTING_CONFIG, "topic");

        assertThat(logOf(props)).contains("WARN", "database.routing is deprecated and will be removed",
                "instead of database.routing=topic write database.field= (empty");
        assertThat(new VectorSinkConfig(props).databaseField()).isEmpty();
    }

    @Test
    void withoutDeprecatedKeysNothingIsWarned() {
        Map<String, String> props = minimal();
        props.put(VectorSinkConfig.DATABASE_FIELD_CONFIG, "");

        assertThat(logOf(props)).doesNotContain("deprecated");
        assertThat(new VectorSinkConfig(props).databaseField()).isEmpty();
    }

    @Test
    void oldTopicRoutingWithADatabaseFieldStillIgnoresTheFieldAndSaysSo() {
        Map<String, String> props = minimal();
        props.put(VectorSinkConfig.DATABASE_ROUTING_CONFIG, "topic");
        props.put(VectorSinkConfig.DATABASE_FIELD_CONFIG, "db");

        assertThat(logOf(props)).contains("database.field=db is ignored because database.routing=topic");
        assertThat(new VectorSinkConfig(props).databaseField()).isEmpty();
    }

    @Test
    void oldFieldRoutingWithAnEmptyDatabaseFieldFailsValidationNamingBoth() {
        Map<String, String> props = minimal();
        props.put(VectorSinkConfig.DATABASE_ROUTING_CONFIG, "field");
        props.put(VectorSinkConfig.DATABASE_FIELD_CONFIG, "");

        assertThatThrownBy(() -> new VectorSinkConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("database.routing=field").hasMessageContaining("database.field is empty")
                .hasMessageContaining("fix:");
        assertThat(new VectorSinkConnector().validate(props).configValues())
                .filteredOn(v -> !v.errorMessages().isEmpty()).extracting(ConfigValue::name)
                .containsExactly(VectorSinkConfig.DATABASE_ROUTING_CONFIG);
    }

    @Test
    void applyOverlapIsAcceptedButLeftOutOfTheTableAsAreDeprecatedKeys() {
        Map<String, String> props = minimal();
        props.put(VectorSinkConfig.APPLY_OVERLAP_CONFIG, "false");

        assertThat(new VectorSinkConfig(props).applyOverlap()).isFalse();
        assertThat(ConfigDocs.table(VectorSinkConfig.CONFIG_DEF))
                .doesNotContain(VectorSinkConfig.APPLY_OVERLAP_CONFIG, VectorSinkConfig.DATABASE_ROUTING_CONFIG,
                        VectorSinkConfig.DIMENSION_POLICY_CONFIG)
                .contains("`" + VectorSinkConfig.DATABASE_FIELD_CONFIG + "`");
    }

    @Test
    void connectorValidateReportsEveryBadKey() {
        Map<String, String> props = minimal();
        props.put(VectorSinkConfig.BATCH_SIZE_CONFIG, "0");
        props.put(VectorSinkConfig.NAN_POLICY_CONFIG, "sometimes");
        props.put(VectorSinkConfig.DATABASE_ROUTING_CONFIG, "header");
        props.put(VectorSinkConfig.DATABASE_DIMENSIONS_CONFIG, "x:-3");

        List<ConfigValue> values = new VectorSinkConnector().validate(props).configValues();

        assertThat(values).filteredOn(v -> !v.errorMessages().isEmpty())
                .extracting(ConfigValue::name)
                .containsExactlyInAnyOrder(VectorSinkConfig.BATCH_SIZE_CONFIG, VectorSinkConfig.NAN_POLICY_CONFIG,
                        VectorSinkConfig.DATABASE_ROUTING_CONFIG, VectorSinkConfig.DATABASE_DIMENSIONS_CONFIG);
    }

    @Test
    void connectorValidateReportsCrossKeyProblemsOnTheKeyToFix() {
        Map<String, String> props = minimal();
        props.put(VectorSinkConfig.DIMENSION_POLICY_CONFIG, "fixed");

        List<ConfigValue> values = new VectorSinkConnector().validate(props).configValues();

        assertThat(values).filteredOn(v -> !v.errorMessages().isEmpty())
                .singleElement()
                .satisfies(v -> {
                    assertThat(v.name()).isEqualTo(VectorSinkConfig.DIMENSION_POLICY_CONFIG);
                    assertThat(v.errorMessages()).anyMatch(m -> m.contains("fix:"));
                });
    }

    @Test
    void connectorValidateAcceptsAGoodConfig() {
        List<ConfigValue> values = new VectorSinkConnector().validate(minimal()).configValues();

        assertThat(values).allMatch(v -> v.errorMessages().isEmpty());
    }

    @Test
    void aDimensionAboveTheFormatsLimitIsRefusedNamingTheEntryAndTheLimit() {
        for (String entry : List.of("articles:65537", "*:100000")) {
            Map<String, String> props = minimal();
            props.put(VectorSinkConfig.DATABASE_DIMENSIONS_CONFIG, entry);

            assertThatThrownBy(() -> new VectorSinkConfig(props)).as(entry).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(entry).hasMessageContaining("65536");
        }
        Map<String, String> atTheLimit = minimal();
        atTheLimit.put(VectorSinkConfig.DATABASE_DIMENSIONS_CONFIG, "articles:65536");
        assertThat(new VectorSinkConfig(atTheLimit).databaseDimensions()).containsEntry("articles", 65536);
    }

    @Test
    void aDatabaseNameTheEngineWouldRefuseIsRefusedInTheDimensionList() {
        for (String entry : List.of("../etc:3", "a/b:3", ".hidden:8", "CON:4")) {
            Map<String, String> props = minimal();
            props.put(VectorSinkConfig.DATABASE_DIMENSIONS_CONFIG, entry);

            assertThatThrownBy(() -> new VectorSinkConfig(props)).as(entry).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(VectorSinkConfig.DATABASE_DIMENSIONS_CONFIG).hasMessageContaining(entry)
                    .hasMessageContaining("database name");
        }
    }

    @Test
    void aTopicTemplateThatCanNeverMakeAValidDatabaseNameIsRefused() {
        for (String template : List.of("db/${topic}", ".${topic}", "../${topic}", "x".repeat(128) + "${topic}")) {
            Map<String, String> props = minimal();
            props.put(VectorSinkConfig.DATABASE_TOPIC_TEMPLATE_CONFIG, template);

            assertThatThrownBy(() -> new VectorSinkConfig(props)).as(template).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(VectorSinkConfig.DATABASE_TOPIC_TEMPLATE_CONFIG).hasMessageContaining("fix");
        }
        for (String template : List.of("${topic}", "emb-${topic}", "${topic}.v2", "fixed")) {
            Map<String, String> props = minimal();
            props.put(VectorSinkConfig.DATABASE_TOPIC_TEMPLATE_CONFIG, template);
            assertThat(new VectorSinkConfig(props).databaseTopicTemplate()).isEqualTo(template);
        }
    }

    @Test
    void anAvroConverterThatDeadLettersOnARegistryOutageIsWarnedWithTheFix() {
        Map<String, String> props = minimal();
        props.put("value.converter", "io.confluent.connect.avro.AvroConverter");
        props.put("errors.tolerance", "all");

        assertThat(logOf(props)).contains("WARN", "errors.tolerance=all", "errors.retry.timeout",
                "errors.retry.timeout=-1");

        props.put("errors.retry.timeout", "-1");
        assertThat(logOf(props)).doesNotContain("errors.retry.timeout=-1");
        props.put("errors.retry.timeout", "600000");
        props.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        assertThat(logOf(props)).doesNotContain("errors.retry.timeout=-1");
    }

    @Test
    void metadataKeepsEveryOtherFieldByDefaultUpToSixtyFourKibibytesWhichReachTheEngine() {
        VectorSinkConfig config = new VectorSinkConfig(minimal());

        assertThat(config.keepsAllMetadataFields()).isTrue();
        assertThat(config.fieldsTheSinkReads()).containsExactly("database", "id", "op", "vector", "vector_bytes");
        assertThat(config.metadataMaxBytes()).isEqualTo(65536);
        Map<String, String> props = minimal();
        props.put(VectorSinkConfig.METADATA_MAX_BYTES_CONFIG, "1000");
        assertThat(new VectorSinkConfig(props).storeOptions().maxMetadataBytes()).isEqualTo(1000);
    }

    @Test
    void metadataMaxBytesStopsAtTheShardFormatsLimit() {
        assertThat(VectorSinkConfig.METADATA_MAX_BYTES_LIMIT).isEqualTo(ShardFormat.MAX_METADATA_BYTES);
        Map<String, String> props = minimal();
        props.put(VectorSinkConfig.METADATA_MAX_BYTES_CONFIG, Integer.toString(ShardFormat.MAX_METADATA_BYTES));
        assertThat(new VectorSinkConfig(props).storeOptions().maxMetadataBytes()).isEqualTo(ShardFormat.MAX_METADATA_BYTES);

        props.put(VectorSinkConfig.METADATA_MAX_BYTES_CONFIG, Integer.toString(ShardFormat.MAX_METADATA_BYTES + 1));
        assertThatThrownBy(() -> new VectorSinkConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(VectorSinkConfig.METADATA_MAX_BYTES_CONFIG);
        props.put(VectorSinkConfig.METADATA_MAX_BYTES_CONFIG, "0");
        assertThatThrownBy(() -> new VectorSinkConfig(props)).isInstanceOf(ConfigException.class);
    }

    @Test
    void metadataFieldsTakesNoneOrAListOfNames() {
        Map<String, String> props = minimal();
        props.put(VectorSinkConfig.METADATA_FIELDS_CONFIG, "none");
        VectorSinkConfig none = new VectorSinkConfig(props);
        assertThat(none.keepsAllMetadataFields()).isFalse();
        assertThat(none.metadataFields()).isEmpty();

        props.put(VectorSinkConfig.METADATA_FIELDS_CONFIG, " title , lang,year ");
        assertThat(new VectorSinkConfig(props).metadataFields()).containsExactly("title", "lang", "year");
    }

    @Test
    void metadataFieldsRefusesEmptyNamesKeywordsInAListAndRepeats() {
        for (String bad : List.of("", "title,,lang", "title,all", "none,lang", "lang,lang")) {
            Map<String, String> props = minimal();
            props.put(VectorSinkConfig.METADATA_FIELDS_CONFIG, bad);
            assertThatThrownBy(() -> new VectorSinkConfig(props)).as(bad).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(VectorSinkConfig.METADATA_FIELDS_CONFIG).hasMessageContaining("fix:");
        }
    }

    @Test
    void metadataFieldsRefusesAFieldTheSinkReadsNamingItsKey() {
        Map<String, String> props = minimal();
        props.put(VectorSinkConfig.VECTOR_FIELD_CONFIG, "embedding");
        props.put(VectorSinkConfig.METADATA_FIELDS_CONFIG, "title,embedding");

        assertThatThrownBy(() -> new VectorSinkConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("'embedding', which the sink reads as vector.field")
                .hasMessageContaining("fix: remove 'embedding' from metadata.fields");
        assertThat(VectorSinkConfig.problems(props)).extracting(VectorSinkConfig.Problem::key)
                .containsExactly(VectorSinkConfig.METADATA_FIELDS_CONFIG);

        props.put(VectorSinkConfig.METADATA_FIELDS_CONFIG, "title,vector"); // 'vector' is no longer read: a field like any other
        assertThat(new VectorSinkConfig(props).metadataFields()).containsExactly("title", "vector");
    }
}
