#!/usr/bin/env bash
# An experiment, not a test (about 25 minutes on 2 cores): Llama 2's reward-model table with three seeds per loss.
# Runs tools/experiments/llama2-rm-table.yaml (base, SFT, 12,000 preference prompts x 2 samples rated by the
# annotator, then the helpfulness RM without a margin, with the small and with the large margin, three seeds each)
# and prints held-out accuracy per rating level: mean over seeds +- their standard deviation, and the binomial s.e.
# of one run. `true order` scores the RM against the task suite's true rewards on pairs whose true rewards differ.
#   tools/experiments/llama2-rm-table.sh [--set run_dir=...] [--set defaults.threads=1]
set -euo pipefail
cd "$(dirname "$0")/../.."
run_dir=runs/llama2-rm-table
for a in "$@"; do [[ "$a" == run_dir=* ]] && run_dir="${a#run_dir=}"; done
bin/align4j run tools/experiments/llama2-rm-table.yaml "$@"
python3 - "$run_dir" <<'PY'
import json, math, os, sys
run = sys.argv[1]
levels = ["significantly_better", "better", "slightly_better", "negligibly_better"]
print("| loss | " + " | ".join(levels) + " | all | true order |")
print("|---|" + "---|" * (len(levels) + 2))
for margin in ["none", "small", "large"]:
    evals = [json.load(open(os.path.join(run, f"rm-{margin}-{s}", "eval")))["after"] for s in (1, 2, 3)]
    def cell(get):
        xs = [get(e) for e in evals]
        m = sum(xs) / len(xs)
        sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))
        return xs, m, sd
    row = []
    for lv in levels:
        xs, m, sd = cell(lambda e: e["by_rating"][lv]["accuracy"])
        n = evals[0]["by_rating"][lv]["pairs"]
        row.append(f"{m:.3f} +- {sd:.3f} (n {n}, s.e. {math.sqrt(m * (1 - m) / n):.3f})")
    xs, m, sd = cell(lambda e: e["accuracy"])
    row.append(f"{m:.3f} +- {sd:.3f} (n {evals[0]['pairs']})")
    xs, m, sd = cell(lambda e: e["true_order"]["accuracy"])
    row.append(f"{m:.3f} +- {sd:.3f} (n {evals[0]['true_order']['pairs']})")
    print(f"| margin {margin} | " + " | ".join(row) + " |")
PY
