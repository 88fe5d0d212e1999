#!/usr/bin/env bash
# The README's "run" command: builds what it needs (Java 17 and Maven are the only
# prerequisites), then runs the whole pipeline locally with real parts: a KRaft Kafka broker,
# Apicurio Registry, a distributed Kafka Connect worker loading the packaged plugin, and a
# generator streaming vector mutations. Options: ./quickstart.sh --help
set -euo pipefail
cd "$(dirname "$0")"
if [[ ( "${1:-}" != "--help" && "${1:-}" != "-h" ) || ! -f quickstart/target/classpath.txt ]]; then
  echo "Building (mvn install -DskipTests; the first run downloads dependencies)..."
  mvn -B -ntp -q install -DskipTests
fi
exec java -Xmx1g -Djvdb.repo="$PWD" -cp "quickstart/target/classes:$(cat quickstart/target/classpath.txt)" \
  io.jadevectordb.quickstart.Quickstart "$@"
