#!/usr/bin/env bash
# The README's test command: builds every module and runs every test (unit, fixtures, end-to-end).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/fetch-assets.sh
exec mvn -B verify "$@"
