#!/usr/bin/env bash
# Scale-out benchmark: step time and samples/s of 1 rank vs 2 ranks (plain data parallel and ZeRO-1), 1 libtorch
# thread each, tiny and d=512 8-layer models; optimizer-state bytes per rank. Ranks are child JVMs with the
# launcher's settings. Usage: tools/bench/scaleout-bench.sh [--quick] [--only tiny,d512]
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p target
mvn -B -q -o compile dependency:build-classpath -pl tools/bench -am -Dmdep.outputFile="$PWD/target/bench.cp" >/dev/null
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
exec java -Xss4m --add-opens=java.base/java.nio=ALL-UNNAMED -Dorg.bytedeco.javacpp.logger=slf4j \
  -cp "tools/bench/target/classes:$(cat target/bench.cp)" org.align4j.bench.ScaleOutBench "$@"
