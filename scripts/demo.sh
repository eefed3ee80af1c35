#!/usr/bin/env bash
# The demo: validates and summarises the example stack.
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
"$BUILD/src/cli/orthotrack" info examples/tiny/stack.toml
