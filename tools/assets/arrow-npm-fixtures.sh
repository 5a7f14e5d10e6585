#!/usr/bin/env bash
# Regenerates plugins/data/src/test/resources/fixtures/npm-arrow with independent Arrow/Parquet writers:
# npm apache-arrow (IPC file + stream with a dictionary column) and parquet-wasm (arrow-rs: zstd, data page
# v2, dictionary pages). Needs node >= 18 and npm (registry access).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/plugins/data/src/test/resources/fixtures/npm-arrow"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/arrow-npm-fixtures.mjs" "$work/"
cd "$work"
echo '{"type": "module"}' > package.json
npm install --no-audit --no-fund --silent apache-arrow@21.2.0 parquet-wasm@0.8.0
node arrow-npm-fixtures.mjs "$out"
printf 'apache-arrow 21.2.0\nparquet-wasm 0.8.0\nnode %s\n' "$(node --version)" > "$out/VERSIONS"
