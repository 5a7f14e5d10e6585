#!/usr/bin/env bash
# Tokenizer throughput: align4j's pure-Java tokenizers next to Hugging Face tokenizers (Rust, Node binding
# @anush008/tokenizers) on the same corpus, in the same run. Prints MB/s of UTF-8 input on one core (sequential
# encode calls) and on all cores (align4j encodeBatch / HF encodeBatch), and the token count per pass (equal
# counts = equal tokenization). Needs the assets of tools/assets/tokenizers.sh.
#   tools/bench/tokenizers.sh [PASSES]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CACHE="$ROOT/tools/assets/cache/tokenizers"
PASSES="${1:-5}"
bash "$ROOT/tools/assets/tokenizers.sh" >/dev/null
cd "$ROOT"
mvn -B -o -q compile dependency:build-classpath -pl tools/bench -am \
  -Dmdep.outputFile="$CACHE/classpath.txt" -Dmdep.includeScope=runtime
CORPUS="$CACHE/bench-corpus.jsonl"
python3 - "$ROOT" "$CORPUS" <<'PY'
import glob, json, sys
root, out = sys.argv[1], sys.argv[2]
texts = []
for f in sorted(glob.glob(root + "/**/*.java", recursive=True)) + sorted(glob.glob(root + "/**/*.md", recursive=True)):
    if "/target/" in f or "/cache/" in f or "/node_modules/" in f:
        continue
    texts += [p for p in open(f, encoding="utf-8", errors="replace").read().split("\n\n") if p.strip()]
texts += [json.loads(l)["text"] for l in open(root + "/plugins/tokenizers/src/test/resources/tokenizer-reference/corpus.jsonl")]
with open(out, "w") as f:
    for t in texts:
        f.write(json.dumps({"text": t}) + "\n")
print(f"corpus: {len(texts)} texts, {sum(len(t.encode()) for t in texts) / 1e6:.2f} MB")
PY
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
java -Dpasses="$PASSES" -cp "tools/bench/target/classes:$(cat "$CACHE/classpath.txt")" \
  org.align4j.bench.TokenizerBench "$CORPUS" "$CACHE/llama3/tokenizer.json" "$CACHE/mistral/tokenizer.json" \
  "$CACHE/llama3-tiktoken/tokenizer.model" "$ROOT/plugins/tokenizers/src/test/resources/tokenizer-reference/spm-llama2-style.model" \
  2>&1 | grep -v '^SLF4J'
PASSES="$PASSES" node "$ROOT/tools/bench/tokenizer-bench-hf.cjs" "$CORPUS" "$CACHE/llama3/tokenizer.json" "$CACHE/mistral/tokenizer.json"
# HF's Rust core on one thread without the binding's per-call overhead: encodeBatch with one rayon thread
RAYON_NUM_THREADS=1 PASSES="$PASSES" node "$ROOT/tools/bench/tokenizer-bench-hf.cjs" "$CORPUS" "$CACHE/llama3/tokenizer.json" "$CACHE/mistral/tokenizer.json"
