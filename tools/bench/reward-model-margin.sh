#!/usr/bin/env bash
# An experiment, not a test: the reward-model stage on the task suite's preference pairs with the ranking loss's
# small margin and without; prints held-out accuracy per rating bucket (minutes of CPU).
#   tools/bench/reward-model-margin.sh [-Dalign4j.pairs=3000] [-Dalign4j.lr=1e-3] [-Dalign4j.epochs=2]
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p target
mvn -B -q -o compile dependency:build-classpath -pl tools/bench -am -Dmdep.outputFile="$PWD/target/bench.cp" >/dev/null
source bin/jvm-env.sh
exec java -Xss4m "${ALIGN4J_JVM_FLAGS[@]}" "$@" \
  -cp "tools/bench/target/classes:$(cat target/bench.cp)" org.align4j.bench.RewardModelMarginExperiment
