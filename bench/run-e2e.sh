#!/usr/bin/env bash
# The end-to-end harness (docs/benchmarks.md): builds the engine, the connector and its plugin
# archive, then runs bench's PipelineBenchmark. Figures are printed and written to
# bench/results/e2e.json and bench/results/e2e.svg. Knobs are passed through, e.g.
#   bench/run-e2e.sh -Dbench.e2e.records=1000000
#   bench/run-e2e.sh -Dbench.e2e.configs=noop,fastpath
#   bench/run-e2e.sh -Dbench.scale.records=100000 -Dbench.scale.databases=1000
set -euo pipefail
cd "$(dirname "$0")/.."
exec mvn -B -ntp -Pbench -pl bench -am verify -DskipTests -Dbench.suite=e2e "$@"
