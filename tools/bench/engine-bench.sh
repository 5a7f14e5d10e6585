#!/usr/bin/env bash
# Engine benchmark: per-op overhead, training FLOP/s vs matmul FLOP/s, generation tok/s with/without KV cache,
# RSS at step 100 vs 2000. Usage: tools/bench/engine-bench.sh [--threads N] [--quick] [--only LETTERS]
# Set OMP_WAIT_POLICY to override the launcher's PASSIVE default (e.g. ACTIVE to measure spinning threads).
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p target
mvn -B -q -o compile dependency:build-classpath -pl tools/bench -am -Dmdep.outputFile="$PWD/target/bench.cp" >/dev/null
# the launcher's JVM settings (OMP_WAIT_POLICY=PASSIVE unless set, --add-opens, SLF4J logging)
source bin/jvm-env.sh
exec java -Xss4m "${ALIGN4J_JVM_FLAGS[@]}" -cp "tools/bench/target/classes:$(cat target/bench.cp)" org.align4j.bench.EngineBench "$@"
