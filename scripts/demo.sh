#!/usr/bin/env bash
# The demo: simulate the small Baige-like two-platform stack, run the whole method on it, and print
# where the report is with the recovered numbers next to the truth and the paper.
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
OT="$BUILD/src/cli/orthotrack"
DEMO=${DEMO_DIR:-demo-run}
if [ ! -f "$DEMO/stack/stack.toml" ]; then
  "$OT" simulate --out "$DEMO/stack" --size small
else
  echo "demo: using the simulated stack already in $DEMO/stack"
fi
"$OT" run "$DEMO/stack/stack.toml" --out "$DEMO/run"
echo
echo "Open the report: $(pwd)/$DEMO/run/report/report.html"
