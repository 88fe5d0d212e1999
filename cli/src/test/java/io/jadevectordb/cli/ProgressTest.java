package io.jadevectordb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProgressTest {

    @Test
    void withoutATerminalNothingIsWritten() {
        StringWriter err = new StringWriter();
        try (Progress progress = new Progress(new PrintWriter(err), false, "dump", 10)) {
            progress.advance(10);
        }
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void onATerminalTheBarIsRedrawnInPlaceUpToOneHundredPercentThenEndsTheLine() {
        StringWriter err = new StringWriter();
        try (Progress progress = new Progress(new PrintWriter(err), true, "dump", 1000)) {
            for (int i = 0; i < 1000; i++) {
                progress.advance(1);
            }
        }
        String text = err.toString();
        assertThat(text).startsWith("\rdump [------------------------------]   0% 0/1000");
        assertThat(text).endsWith("\rdump [##############################] 100% 1000/1000\n");
        assertThat(text.chars().filter(c -> c == '\r').count()).isBetween(101L, 103L); // once per percent, not per item
    }

    @Test
    void commandsDrawTheBarOnlyWhenOnATerminal(@TempDir Path root) throws Exception {
        TestStore.write(root, "articles", 4, 20, 1);
        assertThat(Cli.runWith(false, root, "dump", "articles").err()).isEmpty();
        assertThat(Cli.runWith(true, root, "dump", "articles").err()).contains("\rdump articles [").endsWith("100% 13/13\n");
    }
}
