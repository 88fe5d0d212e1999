package io.jadevectordb.connect.avro;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.types.Password;
import org.junit.jupiter.api.Test;

/** docs/schemas.md documents every converter setting, with its real default. */
class ConverterConfigDocsTest {

    @Test
    void everyConverterSettingIsDocumentedWithItsDefault() throws IOException {
        Path schemasDir = Paths.get(System.getProperty("jadevectordb.schemas.dir", "../schemas"));
        String docs = Files.readString(schemasDir.resolveSibling("docs").resolve("schemas.md"));

        for (ConfigDef.ConfigKey key : VectorMutationAvroConverterConfig.CONFIG_DEF.configKeys().values()) {
            String text = key.hasDefault() && key.defaultValue instanceof Password p ? p.value()
                    : key.hasDefault() ? ConfigDef.convertToString(key.defaultValue, key.type) : null;
            String expectedDefault = text == null ? "(required)"
                    : text.isEmpty() ? "empty"
                    : key.type == ConfigDef.Type.LIST ? "`" + text + "`"
                    : text;
            assertThat(docs).as("docs/schemas.md row for %s", key.name)
                    .contains("| `" + key.name + "` | " + expectedDefault + " |");
        }
    }
}
