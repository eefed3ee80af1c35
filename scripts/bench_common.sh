# Shared by the benchmark scripts (sourced): checks the tools a benchmark run needs.
# bench_require NAME ORTHOTRACK_BINARY: exit 2 with a message naming what is missing.
bench_require() {
  local name=$1 ot=$2
  [ -x "$ot" ] || { echo "$name: $ot not found (build the orthotrack target first)" >&2; exit 2; }
  [ -x /usr/bin/time ] || { echo "$name: /usr/bin/time not found (Debian package 'time')" >&2; exit 2; }
  command -v python3 >/dev/null || { echo "$name: python3 not found" >&2; exit 2; }
}
