package io.jadevectordb.engine;

import java.io.IOException;
import java.nio.file.Path;

/** A tool asked for a database that the store does not hold. */
public class DatabaseNotFoundException extends IOException {
    public DatabaseNotFoundException(String name, Path root) {
        super("database '" + DatabaseName.printable(name) + "' does not exist in " + root
                + " (no directory with a " + Database.META_FILE + "); check the name and the data directory");
    }
}
