package io.jadevectordb.connect.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.connect.VectorSinkConfig;
import io.jadevectordb.connect.offsets.KafkaPosition;
import io.jadevectordb.engine.Mutation;
import io.jadevectordb.engine.SourcePartition;
import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.VectorStore;

/** Database creation and per-record checks against a real store on disk. */
class DatabaseCatalogTest {

    @TempDir
    Path tmp;

    private VectorStore store;

    @BeforeEach
    void openStore() throws Exception {
        store = VectorStore.open(tmp.resolve("data"), StoreOptions.defaults().withFlushInterval(Duration.ZERO));
    }

    @AfterEach
    void closeStore() throws Exception {
        store.close();
    }

    private DatabaseCatalog catalog(String... keyValues) {
        Map<String, String> props = new HashMap<>();
        props.put(VectorSinkConfig.DATA_DIR_CONFIG, store.root().toString());
        for (int i = 0; i < keyValues.length; i += 2) {
            props.put(keyValues[i], keyValues[i + 1]);
        }
        return new DatabaseCatalog(store, new VectorSinkConfig(props));
    }

    private static RoutedMutation store(String database, String id, float... vector) {
        return new RoutedMutation(database, Mutation.store(id, vector, 5),
                new KafkaPosition(new TopicPartition("vectors", 1), 5), null);
    }

    @Test
    void aNewDatabaseTakesTheDimensionOfItsFirstVector() throws Exception {
        assertThat(catalog().prepare(store("docs", "a", 1, 2, 3))).isTrue();

        assertThat(store.database("docs").orElseThrow().dimension()).isEqualTo(3);
    }

    @Test
    void aVectorOfAnotherDimensionIsABadRecordNamingTheDimension() throws Exception {
        DatabaseCatalog catalog = catalog();
        catalog.prepare(store("docs", "a", 1, 2, 3));

        assertThatThrownBy(() -> catalog.prepare(store("docs", "b", 1, 2)))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("topic vectors partition 1 offset 5")
                .hasMessageContaining("dimension 3");
    }

    @Test
    void aConfiguredDimensionWinsOverTheFirstRecord() {
        DatabaseCatalog catalog = catalog(VectorSinkConfig.DATABASE_DIMENSIONS_CONFIG, "docs:4");

        assertThatThrownBy(() -> catalog.prepare(store("docs", "a", 1, 2, 3)))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("dimension 4");
    }

    @Test
    void underFixedPolicyAnUnlistedDatabaseIsABadRecordNamingTheFix() throws Exception {
        DatabaseCatalog catalog = catalog(VectorSinkConfig.DIMENSION_POLICY_CONFIG, "fixed",
                VectorSinkConfig.DATABASE_DIMENSIONS_CONFIG, "docs:2");

        assertThat(catalog.prepare(store("docs", "a", 1, 2))).isTrue();
        assertThatThrownBy(() -> catalog.prepare(store("other", "a", 1, 2)))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("add 'other:<dimension>' to database.dimensions");
        assertThat(store.database("docs")).as("created (provisional until its first commit)").isPresent();
        assertThat(store.database("other")).as("not created").isEmpty();
    }

    @Test
    void aStarRejectEntryRejectsUnlistedDatabasesAsTheDeprecatedFixedPolicyDid() throws Exception {
        DatabaseCatalog catalog = catalog(VectorSinkConfig.DATABASE_DIMENSIONS_CONFIG, "docs:2,*:reject");

        assertThat(catalog.prepare(store("docs", "a", 1, 2))).isTrue();
        assertThatThrownBy(() -> catalog.prepare(store("other", "a", 1, 2)))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("not listed in database.dimensions, which rejects others")
                .hasMessageContaining("add 'other:<dimension>' to database.dimensions");
        assertThat(store.database("docs")).as("created (provisional until its first commit)").isPresent();
        assertThat(store.database("other")).as("not created").isEmpty();
    }

    @Test
    void aStarDimensionEntryGivesUnlistedDatabasesThatDimension() throws Exception {
        DatabaseCatalog catalog = catalog(VectorSinkConfig.DATABASE_DIMENSIONS_CONFIG, "*:3");

        assertThat(catalog.prepare(store("fresh", "a", 1, 2, 3))).isTrue();
        assertThat(store.database("fresh").orElseThrow().dimension()).isEqualTo(3);
        assertThatThrownBy(() -> catalog.prepare(store("other", "a", 1, 2)))
                .as("a first vector of another length does not set the dimension")
                .isInstanceOf(InvalidRecordException.class).hasMessageContaining("dimension 3");
    }

    @Test
    void aNonFiniteComponentIsABadRecordPointingAtNanPolicy() {
        assertThatThrownBy(() -> catalog().prepare(store("docs", "a", 1, Float.NaN)))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("field 'vector[1]'")
                .hasMessageContaining("nan.policy=allow");
    }

    @Test
    void anEngineErrorNamesItsFieldAndValueOnceAndKeepsTheEnginesReason() throws Exception {
        DatabaseCatalog catalog = catalog();
        catalog.prepare(store("docs", "a", 1, 2, 3));

        assertThatThrownBy(() -> catalog.prepare(store("docs", "b", 1, 2)))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining(": field 'vector' = float[2]: database 'docs' has dimension 3")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("vector = float[2]"));
    }

    @Test
    void anUpdateOfAMissingIdIsOneMessageNamingTheConfiguredIdFieldAndTheFix() {
        DatabaseCatalog catalog = catalog(VectorSinkConfig.ID_FIELD_CONFIG, "doc_id");
        RoutedMutation update = new RoutedMutation("docs", Mutation.update("ghost", new float[] {1, 2}, 7),
                new KafkaPosition(new TopicPartition("vectors", 1), 7), null);

        InvalidRecordException inDatabase = catalog.updateOfMissingId(update, true);
        InvalidRecordException noDatabase = catalog.updateOfMissingId(update, false);

        assertThat(inDatabase.field()).isEqualTo("doc_id");
        assertThat(inDatabase.getMessage()).isEqualTo("topic vectors partition 1 offset 7: field 'doc_id' = 'ghost': "
                + "UPDATE of an id that database 'docs' does not hold; fix: send STORE to create it, or set "
                + "update.missing.policy=upsert or ignore");
        assertThat(noDatabase.getMessage()).isEqualTo(inDatabase.getMessage().replace("does not hold;",
                "does not hold (the database does not exist);"));
    }

    @Test
    void onlyRejectRejectsAnUpdateOfAMissingId() {
        RoutedMutation update = new RoutedMutation("docs", Mutation.update("ghost", new float[] {1, 2}, 7),
                new KafkaPosition(new TopicPartition("vectors", 1), 7), null);
        RoutedMutation delete = new RoutedMutation("docs", Mutation.delete("ghost", 8),
                new KafkaPosition(new TopicPartition("vectors", 1), 8), null);

        assertThat(catalog().rejectsUpdateOfMissing(update)).isTrue();
        assertThat(catalog().rejectsUpdateOfMissing(delete)).isFalse();
        assertThat(catalog(VectorSinkConfig.UPDATE_MISSING_POLICY_CONFIG, "ignore").rejectsUpdateOfMissing(update)).isFalse();
    }

    @Test
    void hostileDatabaseNamesAreBadRecordsAndCreateNothingOutsideTheRoot() throws Exception {
        DatabaseCatalog catalog = catalog();

        for (String name : new String[] {"../escape", "a/b", "..", "/abs", "x\u0000y"}) {
            assertThatThrownBy(() -> catalog.prepare(store(name, "a", 1f)))
                    .as(name).isInstanceOf(InvalidRecordException.class).hasMessageContaining("field 'database'");
        }
        try (Stream<Path> siblings = Files.list(tmp)) {
            assertThat(siblings.map(p -> p.getFileName().toString())).containsExactly("data");
        }
        assertThat(store.databaseNames()).isEmpty();
    }

    @Test
    void aDeleteIntoADatabaseThatDoesNotExistHasNothingToDo() throws Exception {
        RoutedMutation delete = new RoutedMutation("nowhere", Mutation.delete("a", 9),
                new KafkaPosition(new TopicPartition("vectors", 0), 9), null);

        assertThat(catalog().prepare(delete)).isFalse();
        assertThat(store.databaseNames()).isEmpty();
    }

    @Test
    void aRejectedFirstRecordFixesNoDimensionAndTheGoodRecordsAfterItLand() throws Exception {
        DatabaseCatalog catalog = catalog();
        SourcePartition source = new SourcePartition("vectors", 1);

        assertThatThrownBy(() -> catalog.prepare(store("docs", "garbage", 1, Float.NaN, 3)))
                .isInstanceOf(InvalidRecordException.class).hasMessageContaining("non-finite");
        assertThatThrownBy(() -> catalog.prepare(store("docs", "x".repeat(500), 1, 2)))
                .isInstanceOf(InvalidRecordException.class).hasMessageContaining("UTF-8 bytes");
        assertThat(store.database("docs")).as("a rejected record creates no database").isEmpty();

        RoutedMutation good = store("docs", "good", 1, 2, 3, 4);
        assertThat(catalog.prepare(good)).isTrue();
        store.apply("docs", source, List.of(good.mutation()));
        store.commit(source, 5);

        assertThat(store.database("docs").orElseThrow().dimension()).isEqualTo(4);
        assertThat(store.database("docs").orElseThrow().get("good")).hasValueSatisfying(v -> assertThat(v).hasSize(4));
    }

    @Test
    void aFirstRecordAppliedButNeverCommittedFixesNoDimensionForTheReplay() throws Exception {
        // Issue 15, finding 13: the task stopped (or crashed) before its first commit; the replay, after an
        // offset reset or a topic rebuild say, starts with a record of another dimension.
        SourcePartition source = new SourcePartition("vectors", 1);
        RoutedMutation wrong = store("docs", "wrong", 1, 2, 3);
        assertThat(catalog().prepare(wrong)).isTrue();
        store.apply("docs", source, List.of(wrong.mutation()));
        store.close();

        store = VectorStore.open(tmp.resolve("data"), StoreOptions.defaults().withFlushInterval(Duration.ZERO));
        RoutedMutation good = store("docs", "good", 1, 2, 3, 4);
        assertThat(catalog().prepare(good)).isTrue();
        store.apply("docs", source, List.of(good.mutation()));
        store.commit(source, 5);

        assertThat(store.database("docs").orElseThrow().dimension()).isEqualTo(4);
        assertThat(store.database("docs").orElseThrow().get("wrong")).isEmpty();
        assertThat(store.database("docs").orElseThrow().get("good")).isPresent();
    }
}
