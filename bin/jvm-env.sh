# The JVM settings every align4j launch shares: sourced by bin/align4j and the tools/bench scripts, so benchmarks
# run the JVM the way the launcher does. Sets OMP_WAIT_POLICY and the array ALIGN4J_JVM_FLAGS.
#
# libtorch's OpenMP threads spin while waiting by default; on a busy machine (or with several ranks) that
# burns the cores other work needs, making training many times slower (and a batch-1 decode ~2.7x slower on the
# 2-core build machine). Sleep instead unless told otherwise.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
# Arrow needs java.nio opened; JavaCPP logs through SLF4J.
ALIGN4J_JVM_FLAGS=(--add-opens=java.base/java.nio=ALL-UNNAMED -Dorg.bytedeco.javacpp.logger=slf4j)
