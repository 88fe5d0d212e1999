package io.jadevectordb.connect;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The connector's version, filtered into a resource at build time. */
final class SinkVersion {

    static final String VERSION = load();

    private SinkVersion() {
    }

    private static String load() {
        Properties props = new Properties();
        try (InputStream in = SinkVersion.class.getResourceAsStream("jadevectordb-connect.properties")) {
            if (in != null) {
                props.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the connector's version resource", e);
        }
        return props.getProperty("version", "unknown");
    }
}
