#!/usr/bin/env bash
# Benchmark the whole method: simulate the Baige-like stack of the given size (if not already there),
# run `orthotrack run` on it from scratch under /usr/bin/time -v, and print a Markdown table: wall time
# per step (seconds, from the run's manifest.json), offsets per second of the offsets step
# (pairs x offset-grid points / offsets-step seconds), peak resident memory (MiB) and total wall time.
#
# Usage: scripts/bench_run.sh [small|medium] [BUILD_DIR]
#   BENCH_DIR  where the stack and the run go (default: <BUILD_DIR>/bench-run-<size>)
#   THREADS    --threads of the run (default 0 = all cores)
#   METHOD     --method of the run (default improved)
set -euo pipefail
SIZE=${1:-small}
BUILD=${2:-build}
case "$SIZE" in
  small | medium) ;;
  *) echo "bench_run.sh: size must be small or medium, got '$SIZE'" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
OT="$BUILD/src/cli/orthotrack"
[ -x "$OT" ] || { echo "bench_run.sh: $OT not found (build the orthotrack target first)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench_run.sh: /usr/bin/time not found (Debian package 'time')" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench_run.sh: python3 not found" >&2; exit 2; }
DIR=${BENCH_DIR:-$BUILD/bench-run-$SIZE}
THREADS=${THREADS:-0}
METHOD=${METHOD:-improved}

if [ ! -f "$DIR/stack/stack.toml" ]; then
  echo "== simulating the $SIZE stack into $DIR/stack"
  "$OT" simulate --out "$DIR/stack" --size "$SIZE" --threads "$THREADS"
else
  echo "== using the simulated stack already in $DIR/stack"
fi
rm -rf "$DIR/run"  # a fresh run: a resumed one would skip its completed steps
echo "== orthotrack run ($METHOD, threads $THREADS), log in $DIR/run.log"
t0=$(date +%s.%N)
/usr/bin/time -v -o "$DIR/time.txt" "$OT" run "$DIR/stack/stack.toml" --out "$DIR/run" --method "$METHOD" \
  --threads "$THREADS" >"$DIR/run.log" 2>&1 || { tail -20 "$DIR/run.log" >&2; echo "bench_run.sh: the run failed" >&2; exit 1; }
t1=$(date +%s.%N)

python3 - "$DIR/run/manifest.json" "$DIR/time.txt" "$t0" "$t1" "$SIZE" "$(nproc)" <<'EOF'
import json, sys
sys.path.insert(0, "scripts")
from time_v import read_time_v
manifest, timefile, t0, t1, size, ncpu = sys.argv[1:]
m = json.load(open(manifest))
steps = m["steps"]
order = ["coregister", "pairs", "offsets", "invert", "geocode", "analysis", "report"]
names = [s for s in order if s in steps] + sorted(s for s in steps if s not in order)
rss_kib, cpu_s, _ = read_time_v(timefile)
total = float(t1) - float(t0)
npairs = steps["pairs"]["quality"]["pairs"]
grid = steps["invert"]["quality"]
points = grid["grid_rows"] * grid["grid_cols"]
off_s = steps["offsets"]["seconds"]
windows = len(steps["offsets"]["params"].get("windows", [])) or 1
print()
print(f"orthotrack run, size {size}, method {m.get('method')}, threads {m.get('threads')} ({ncpu} cores seen)")
print()
# Newer manifests record each step's peak resident memory (peak_rss_mib); shown where present.
rss_col = any("peak_rss_mib" in steps[s] for s in names)
print("| step | wall (s) | share |" + (" peak RSS (MiB) |" if rss_col else ""))
print("|---|---:|---:|" + ("---:|" if rss_col else ""))
for s in names:
    sec = steps[s]["seconds"]
    rss = f" {steps[s]['peak_rss_mib']:.0f} |" if "peak_rss_mib" in steps[s] else (" - |" if rss_col else "")
    print(f"| {s} | {sec:.1f} | {100 * sec / total:.0f} % |" + rss)
print(f"| **total (process wall)** | **{total:.1f}** | 100 % |" + (" |" if rss_col else ""))
print()
print("| figure | value |")
print("|---|---:|")
print(f"| pairs x offset-grid points | {npairs} x {grid['grid_rows']}x{grid['grid_cols']} = {npairs * points} |")
print(f"| offsets per second (offsets step) | {npairs * points / off_s:.0f} (x {windows} window sizes each) |")
# The run resets the kernel's peak-RSS mark at each step (clear_refs) to record per-step peaks, and
# that also resets what /usr/bin/time reports (the peak since the last reset): the process peak is
# the larger of the two.
step_peaks = [steps[s]["peak_rss_mib"] for s in names if "peak_rss_mib" in steps[s]]
peak_mib = max([rss_kib / 1024 if rss_kib else 0.0] + step_peaks)
print(f"| peak RSS | {peak_mib:.0f} MiB |" if peak_mib > 0 else "| peak RSS | n/a |")
print(f"| total wall | {total:.1f} s ({total / 60:.1f} min) |")
# Cores the run actually got on average: well below --threads on a loaded (shared) machine.
print(f"| CPU time (user + system) | {cpu_s:.0f} s = {cpu_s / total:.2f} cores on average |")
EOF
