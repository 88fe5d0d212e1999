package io.jadevectordb.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;

class ConfigDocsTest {

    /** Set this system property to rewrite the table instead of failing. */
    static final String REGENERATE = "connector.docs.regenerate";

    /** docs/connector.md, found from the module directory Maven runs tests in. */
    private static Path connectorDoc() {
        Path fromModule = Paths.get("..", "docs", "connector.md");
        return Files.exists(fromModule) ? fromModule : Paths.get("docs", "connector.md");
    }

    @Test
    void connectorDocTableMatchesTheConfigDef() throws Exception {
        String markdown = Files.readString(connectorDoc(), StandardCharsets.UTF_8);

        String regenerated = ConfigDocs.regenerate(markdown, VectorSinkConfig.CONFIG_DEF);
        if (Boolean.getBoolean(REGENERATE)) {
            Files.writeString(connectorDoc(), regenerated, StandardCharsets.UTF_8);
            markdown = regenerated;
        }

        assertThat(markdown)
                .as("docs/connector.md is out of date with VectorSinkConfig; regenerate it: mvn -B -ntp -pl connector "
                        + "-am test -Dtest=ConfigDocsTest -Dsurefire.failIfNoSpecifiedTests=false -D" + REGENERATE + "=true")
                .isEqualTo(regenerated);
    }

    @Test
    void tableListsEveryKeyButTheInternalOnesWithItsDocumentation() {
        String table = ConfigDocs.table(VectorSinkConfig.CONFIG_DEF);

        for (ConfigDef.ConfigKey key : VectorSinkConfig.CONFIG_DEF.configKeys().values()) {
            if (key.internalConfig) {
                assertThat(table).doesNotContain("`" + key.name + "`");
            } else {
                assertThat(table).contains("`" + key.name + "`").contains(key.documentation.replace("|", "\\|"));
            }
        }
    }
}
