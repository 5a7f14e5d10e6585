#!/usr/bin/env bash
# PPO iteration time split on the tiny pipeline: generation, reward scoring, the no-gradient forward passes (old
# policy, reference, value model) and the updates, with FLOP/s against libtorch's matmul measured in the same run.
# Runs recipes/ppo.yaml's first PPO stage through bin/align4j (the launcher's JVM settings), then reads its report.
# Usage: tools/bench/ppo-bench.sh [--iterations N] [--threads N] [--run DIR]   (defaults 8, 2, target/ppo-bench)
set -euo pipefail
cd "$(dirname "$0")/../.."
iterations=8
threads=2
run=target/ppo-bench
while [ $# -gt 0 ]; do
  case "$1" in
    --iterations) iterations="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --run) run="$2"; shift 2 ;;
    *) sed -n '2,5p' "$0"; exit 2 ;;
  esac
done
# pretrain and SFT run once (skipped when finished); the ppo stage is timed anew each time
bin/align4j run recipes/ppo.yaml --until ppo --force ppo --set run_dir="$run" --set defaults.threads="$threads" \
  --set vars.iterations="$iterations" --set stages.ppo.options.eval_every=0 --set stages.ppo.options.checkpoint_every=0
mkdir -p target
mvn -B -q -o compile dependency:build-classpath -pl tools/bench -am -Dmdep.outputFile="$PWD/target/bench.cp" >/dev/null
source bin/jvm-env.sh
exec java -Xss4m "${ALIGN4J_JVM_FLAGS[@]}" -cp "tools/bench/target/classes:$(cat target/bench.cp)" \
  org.align4j.bench.PpoBench --run "$run" --threads "$threads"
