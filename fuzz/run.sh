#!/usr/bin/env bash
# Runs the libFuzzer targets for a bounded time each: fuzz/run.sh BUILD_DIR SECONDS [TARGET ...]
# (default: every target). Seeds: fuzz/corpus/<target> and fuzz/regressions/<target>; what the fuzzer
# learns goes to BUILD_DIR/fuzz-corpus/<target>, findings to BUILD_DIR/fuzz-findings/<target>/.
# Prints one line per target (executions, time, new coverage) and exits non-zero if any target found
# a crash, a leak, a timeout (10 s per input) or an out-of-memory (2 GiB); the finding's file is named
# so that it can be replayed (BUILD_DIR/fuzz/fuzz_<target> FILE) and moved to fuzz/regressions/<target>/.
set -uo pipefail
build=${1:?usage: fuzz/run.sh BUILD_DIR SECONDS [TARGET ...]}
seconds=${2:?usage: fuzz/run.sh BUILD_DIR SECONDS [TARGET ...]}
shift 2
src="$(cd "$(dirname "$0")" && pwd)"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(stack_toml scene_json ceos_leader ceos_image nisar_hdf5 orbit precip_csv geojson)
fi
failed=()
for t in "${targets[@]}"; do
  exe="$build/fuzz/fuzz_$t"
  [ -x "$exe" ] || { echo "fuzz: $exe not built" >&2; exit 2; }
  work="$build/fuzz-corpus/$t"
  found="$build/fuzz-findings/$t"
  mkdir -p "$work" "$found"
  seeds=("$src/corpus/$t")
  [ -d "$src/regressions/$t" ] && seeds+=("$src/regressions/$t")
  log="$build/fuzz-findings/$t.log"
  "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$found/" "$work" "${seeds[@]}" >"$log" 2>&1
  rc=$?
  execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
  cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -o 'cov: [0-9]*' || true)
  if [ $rc -ne 0 ]; then
    failed+=("$t")
    echo "fuzz $t: FINDING after ${execs:-?} executions: $(grep -m1 -E 'ERROR|runtime error|uncaught|terminate' "$log")"
    ls "$found" | sed "s|^|  $found/|"
  else
    echo "fuzz $t: ${execs:-?} executions in ${seconds} s, ${cov:-cov: ?}, no finding"
  fi
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: findings in: ${failed[*]} (logs: $build/fuzz-findings/<target>.log)"
  exit 1
fi
