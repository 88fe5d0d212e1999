#!/usr/bin/env bash
# The end-to-end harness (docs/benchmarks.md): builds the engine, the connector and its plugin
# archive, then runs bench's PipelineBenchmark. Figures are printed and written to
# bench/results/e2e.json and bench/results/e2e.svg. Knobs are passed through, e.g.
#   bench/run-e2e.sh -Dbench.e2e.records=1000000
#   bench/run-e2e.sh -Dbench.e2e.configs=noop,fastpath
#   bench/run-e2e.sh -Dbench.scale.records=100000 -Dbench.scale.databases=1000
#   bench/run-e2e.sh -Dbench.e2e.configs=noop,fastpath -Dbench.e2e.dimensions=128,768,1536   (one JSON)
#   bench/run-e2e.sh -Dbench.e2e.configs=noop,fastpath -Dbench.e2e.profile=cpu             (or alloc; flame graph
#       in bench/results/, add -Dbench.e2e.warmupConfigs=noop,fastpath for the steady state; then
#       bench/profile-breakdown.py cpu bench/target/bench-data/profiles/FILE.collapsed RECORDS)
set -euo pipefail
cd "$(dirname "$0")/.."
exec mvn -B -ntp -Pbench -pl bench -am verify -DskipTests -Dbench.suite=e2e "$@"
