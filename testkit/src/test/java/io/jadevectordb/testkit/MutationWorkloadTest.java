package io.jadevectordb.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** What the workload sends: the metadata shapes the sink's semantics must be tested with. */
class MutationWorkloadTest {

    private static Schema shipped() throws Exception {
        Path repo = Path.of(System.getProperty("jvdb.repo", "..")).toAbsolutePath().normalize();
        return new Schema.Parser().parse(Files.readString(repo.resolve("schemas/vector_mutation.avsc")));
    }

    @Test
    void writesWithTheShippedSchemaPlusOptionalTitleAndLanguage() throws Exception {
        Schema schema = new MutationWorkload(shipped(), Map.of("a", 4), 10, 1).schema();
        for (String name : new String[] {"title", "language"}) {
            Schema.Field field = schema.getField(name);
            assertThat(field).as(name).isNotNull();
            assertThat(field.schema().toString()).isEqualTo("[\"null\",\"string\"]");
            assertThat(field.hasDefaultValue()).isTrue();
        }
        assertThat(schema.getFields().subList(0, shipped().getFields().size()).stream().map(Schema.Field::name))
                .containsExactlyElementsOf(shipped().getFields().stream().map(Schema.Field::name).toList());
        assertThat(SampleMetadata.extend(schema, SampleMetadata.Mode.TAGS)).as("a schema that has them stays as it is")
                .isSameAs(schema);
    }

    @Test
    void sendsRetagsVectorOnlyUpdatesAndStoresWithoutMetadata() throws Exception {
        MutationWorkload workload = new MutationWorkload(shipped(), Map.of("a", 4, "b", 8), 50, 7);
        int retags = 0;
        int vectorOnlyUpdates = 0;
        int bareStores = 0;
        int nullTitles = 0;
        for (int i = 0; i < 5000; i++) {
            var value = workload.next().value();
            if (value == null || value.get("op").toString().equals("DELETE")) {
                continue;
            }
            boolean vector = value.get("vector") != null || value.get("vector_bytes") != null;
            byte[] metadata = ExpectedMetadata.of(value);
            String op = value.get("op").toString();
            if (op.equals("UPDATE") && !vector) {
                assertThat(metadata).as("a re-tag carries metadata").isNotNull();
                retags++;
            } else if (op.equals("UPDATE") && metadata == null) {
                vectorOnlyUpdates++;
            } else if (op.equals("STORE") && metadata == null) {
                bareStores++;
            } else if (value.get("title") == null) {
                nullTitles++;
            }
        }
        assertThat(retags).isGreaterThan(50);
        assertThat(vectorOnlyUpdates).isGreaterThan(50);
        assertThat(bareStores).isGreaterThan(20);
        assertThat(nullTitles).isGreaterThan(20);
    }

    @Test
    void kibModeCarriesAboutOneKibOfMetadataPerStore() throws Exception {
        MutationWorkload workload = new MutationWorkload(shipped(), Map.of("a", 4), 1_000_000, 3, SampleMetadata.Mode.KIB);
        long total = 0;
        int count = 0;
        for (int i = 0; i < 500; i++) {
            byte[] metadata = ExpectedMetadata.of(workload.next().value());
            if (metadata != null) {
                total += metadata.length;
                count++;
            }
        }
        assertThat(total / count).isBetween(900L, 1200L);
    }

    @Test
    void noneModeSendsNoMetadataAndNoRetags() throws Exception {
        MutationWorkload workload = new MutationWorkload(shipped(), Map.of("a", 4), 20, 5, SampleMetadata.Mode.NONE);
        assertThat(workload.schema()).isEqualTo(shipped());
        for (int i = 0; i < 1000; i++) {
            var value = workload.next().value();
            if (value != null) {
                assertThat(ExpectedMetadata.of(value)).isNull();
                if (!value.get("op").toString().equals("DELETE")) {
                    assertThat(value.get("vector") != null || value.get("vector_bytes") != null).isTrue();
                }
            }
        }
    }
}
