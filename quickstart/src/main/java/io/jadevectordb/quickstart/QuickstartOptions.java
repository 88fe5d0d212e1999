package io.jadevectordb.quickstart;

import java.nio.file.Path;

/**
 * Command-line options of the quickstart.
 *
 * @param records          mutations to stream
 * @param bootstrapServers an existing broker, or null to start one
 * @param registryUrl      an existing registry's Confluent-compatible URL, or null to start Apicurio
 * @param workDir          where processes, logs and the data directory live
 * @param keep             leave the data directory in place at the end (it is always kept; logs too)
 */
record QuickstartOptions(long records, String bootstrapServers, String registryUrl, Path workDir, boolean keep) {

    static final String USAGE = String.join("\n",
            "usage: ./quickstart.sh [--records N] [--bootstrap-servers HOST:PORT] [--registry-url URL] [--work-dir DIR]",
            "  --records N                 mutations to stream (default 20000)",
            "  --bootstrap-servers H:P     use an existing Kafka broker instead of starting one",
            "  --registry-url URL          use an existing schema registry's Confluent-compatible API",
            "                              (e.g. http://127.0.0.1:8081 or .../apis/ccompat/v7) instead of starting Apicurio",
            "  --work-dir DIR              where logs and the data directory go (default .quickstart);",
            "                              each run clears the previous run's kafka/, connect/ and data/ in it");

    static QuickstartOptions parse(String[] args) {
        long records = 20_000;
        String bootstrap = null;
        String registry = null;
        Path work = Path.of(".quickstart");
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                throw new IllegalArgumentException(USAGE);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + arg + " needs a value\n" + USAGE);
            }
            String value = args[++i];
            switch (arg) {
                case "--records" -> {
                    try {
                        records = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--records " + value + ": not a number\n" + USAGE);
                    }
                    if (records < 1) {
                        throw new IllegalArgumentException("--records must be >= 1, was " + value);
                    }
                }
                case "--bootstrap-servers" -> bootstrap = value;
                case "--registry-url" -> registry = value;
                case "--work-dir" -> work = Path.of(value);
                default -> throw new IllegalArgumentException("unknown option " + arg + "\n" + USAGE);
            }
        }
        return new QuickstartOptions(records, bootstrap, registry, work.toAbsolutePath(), true);
    }
}
