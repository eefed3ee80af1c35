#!/usr/bin/env bash
# Full-scene demonstration of the memory budget (issue 11, "Scale on one machine"): simulate a `full`
# stack (10 000 x 10 000 master px per scene) of a few scenes, run `orthotrack run --memory $MEMORY
# --until invert` on it under /usr/bin/time -v, print the wall time and peak resident memory of each
# step (from the run's manifest.json) and of the process, and fail when the peak exceeds the budget.
#
# Usage: scripts/full_scene.sh [BUILD_DIR]
#   FULL_DIR  where the stack and the run go (default: <BUILD_DIR>/full-scene); an existing
#             FULL_DIR/stack is reused (simulating three full scenes takes ~17 min on 2 cores)
#   SCENES    scenes besides the master ALOS2_20161003 (default 20160627,20100225: a PALSAR-2 pair and
#             two PALSAR-1/PALSAR-2 bridge pairs, which are layover/shadow-masked)
#   MEMORY    --memory of the run (default 2G); THREADS --threads (default 0 = all cores)
# The stack is run with [coreg] compare_traditional = false: the paper's Figure 1 comparison
# (coreg/compare/) works on whole images and is not part of the streamed chain.
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
OT="$BUILD/src/cli/orthotrack"
. scripts/bench_common.sh
bench_require full_scene.sh "$OT"
DIR=${FULL_DIR:-$BUILD/full-scene}
SCENES=${SCENES:-20160627,20100225}
MEMORY=${MEMORY:-2G}
THREADS=${THREADS:-0}

if [ ! -f "$DIR/stack/stack.toml" ]; then
  echo "== simulating the full stack (master + $SCENES) into $DIR/stack"
  GDAL_CACHEMAX=${GDAL_CACHEMAX:-128} "$OT" simulate --out "$DIR/stack" --size full --scenes "$SCENES" --threads "$THREADS"
else
  echo "== using the simulated stack already in $DIR/stack"
fi
# The run's stack file: the simulated one without the Figure-1 comparison (same folder: same paths).
python3 - "$DIR/stack/stack.toml" "$DIR/stack/stack_run.toml" <<'PY'
import sys
src, dst = sys.argv[1:]
lines = open(src).read().splitlines()
out, done = [], False
for line in lines:
    out.append(line)
    if line.strip() == "[coreg]":
        out.append("compare_traditional = false")
        done = True
if not done:
    out += ["[coreg]", "compare_traditional = false"]
open(dst, "w").write("\n".join(out) + "\n")
PY
rm -rf "$DIR/run"  # a fresh run: a resumed one would skip its completed steps
echo "== orthotrack run --memory $MEMORY --until invert (threads $THREADS), log in $DIR/run.log"
t0=$(date +%s.%N)
/usr/bin/time -v -o "$DIR/time.txt" "$OT" run "$DIR/stack/stack_run.toml" --out "$DIR/run" --until invert \
  --memory "$MEMORY" --threads "$THREADS" >"$DIR/run.log" 2>&1 || { tail -20 "$DIR/run.log" >&2; echo "full_scene.sh: the run failed" >&2; exit 1; }
t1=$(date +%s.%N)

python3 - "$DIR/run/manifest.json" "$DIR/time.txt" "$t0" "$t1" "$MEMORY" <<'PY'
import json, sys
sys.path.insert(0, "scripts")
from time_v import read_time_v
manifest, timefile, t0, t1, memory = sys.argv[1:]
m = json.load(open(manifest))
steps = m["steps"]
budget_mib = m["memory_bytes"] / 2**20
rss_kib, cpu_s, _ = read_time_v(timefile)
rss_kib = rss_kib or 0
total = float(t1) - float(t0)
order = ["coregister", "pairs", "offsets", "invert"]
print(f"\northotrack run --memory {memory} (budget {budget_mib:.0f} MiB), threads {m.get('threads')}, full scenes")
print("\n| step | wall (s) | peak RSS (MiB) |\n|---|---:|---:|")
peaks = []
for s in order:
    if s not in steps:
        continue
    r = steps[s]
    peaks.append(r.get("peak_rss_mib", 0.0))
    print(f"| {s} | {r['seconds']:.1f} | {r.get('peak_rss_mib', float('nan')):.0f} |")
# The run resets the kernel's peak mark at each step, which also resets what time -v reports: the
# process peak is the larger of the two.
peak = max(peaks + [rss_kib / 1024])
print(f"| **process** | **{total:.1f}** | **{peak:.0f}** |")
pairs = steps.get("pairs", {}).get("quality", {}).get("pairs", "?")
print(f"\npairs {pairs}; CPU {cpu_s:.0f} s = {cpu_s / total:.2f} cores on average")
if peak > budget_mib:
    print(f"full_scene.sh: peak RSS {peak:.0f} MiB exceeds the budget {budget_mib:.0f} MiB", file=sys.stderr)
    sys.exit(1)
print(f"peak RSS {peak:.0f} MiB <= budget {budget_mib:.0f} MiB")
PY
