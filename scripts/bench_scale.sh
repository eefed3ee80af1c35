#!/usr/bin/env bash
# Scaling benchmark of `orthotrack run --until invert` (issue 11): time and peak memory versus scene
# size and versus the number of pairs, with 1 and 2 threads, printed as a Markdown table with the
# cost per master megapixel and scene (co-registration) or pair (offsets), and the 2-thread speed-up.
#
# Usage: scripts/bench_scale.sh [BUILD_DIR]
#   SIZES    simulator sizes to run (default "small"; e.g. "small medium"); a size's stack (the master
#            ALOS2_20161003 with ALOS2_20160627 and ALOS2_20170123) is simulated into
#            <BENCH_DIR>/stack-<size> unless there (small: <BUILD_DIR>/sim_small is used when present)
#   BENCH_DIR where stacks and runs go (default <BUILD_DIR>/bench-scale); MEMORY --memory (default 3G)
# Configurations per size: 2 scenes / 1 pair with 1 and 2 threads, 3 scenes / 3 pairs with 2 threads
# (PALSAR-2 pairs of 98, 112 and 210 days; [coreg] compare_traditional = false).
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
OT="$(pwd)/$BUILD/src/cli/orthotrack"
. scripts/bench_common.sh
bench_require bench_scale.sh "$OT"
SIZES=${SIZES:-small}
DIR=$(realpath -m "${BENCH_DIR:-$BUILD/bench-scale}")
MEMORY=${MEMORY:-3G}
mkdir -p "$DIR"
RESULTS="$DIR/results.tsv"
: >"$RESULTS"

stack_file() {  # stack_file SCENES_DIR DEM OUT IDS...
  local scenes=$1 dem=$2 out=$3; shift 3
  {
    echo "[stack]"; echo "name = \"bench-scale\""; echo "dem = \"$dem\""; echo "output = \"run\""; echo "scenes = ["
    for id in "$@"; do echo "  \"$scenes/$id.json\","; done
    echo "]"
    echo "[coreg]"; echo "master = \"ALOS2_20161003\""; echo "compare_traditional = false"
    echo "[network]"; echo "max_temporal_baseline_days = { \"PALSAR-2\" = 490.0 }"
    echo "min_temporal_baseline_days = { \"PALSAR-2\" = 70.0 }"
    echo "[offsets]"; echo "search = 16"; echo "step = 32"; echo "windows = [64, 96, 128]"
  } >"$out"
}

for size in $SIZES; do
  src="$DIR/stack-$size"
  if [ "$size" = small ] && [ -f "$BUILD/sim_small/stack.toml" ]; then
    src=$(realpath "$BUILD/sim_small")
  elif [ ! -f "$src/stack.toml" ]; then
    echo "== simulating the $size stack into $src"
    GDAL_CACHEMAX=128 "$OT" simulate --out "$src" --size "$size" --scenes 20160627,20170123 >"$DIR/sim-$size.log" 2>&1
  fi
  for cfg in "2 1" "2 2" "3 2"; do
    set -- $cfg
    nscenes=$1 threads=$2
    ids=(ALOS2_20160627 ALOS2_20161003)
    [ "$nscenes" = 3 ] && ids+=(ALOS2_20170123)
    name="$size-s$nscenes-t$threads"
    stack_file "$src/scenes" "$src/dem.tif" "$DIR/$name.toml" "${ids[@]}"
    rm -rf "$DIR/run-$name"
    echo "== $name: orthotrack run --until invert --threads $threads --memory $MEMORY"
    /usr/bin/time -v -o "$DIR/time-$name.txt" "$OT" run "$DIR/$name.toml" --out "$DIR/run-$name" --until invert \
      --threads "$threads" --memory "$MEMORY" >"$DIR/run-$name.log" 2>&1 ||
      { tail -20 "$DIR/run-$name.log" >&2; echo "bench_scale.sh: run $name failed" >&2; exit 1; }
    echo -e "$size\t$nscenes\t$threads\t$DIR/run-$name/manifest.json\t$DIR/time-$name.txt" >>"$RESULTS"
  done
done

python3 - "$RESULTS" <<'PY'
import json, subprocess, sys
sys.path.insert(0, "scripts")
from time_v import read_time_v
rows = []
for line in open(sys.argv[1]):
    size, nscenes, threads, manifest, timefile = line.rstrip("\n").split("\t")
    m = json.load(open(manifest))
    st = m["steps"]
    rss_kib, cpu, wall = read_time_v(timefile)
    rss = (rss_kib or 0) / 1024
    peak = max([rss] + [st[s].get("peak_rss_mib", 0) for s in st])
    slc = manifest.replace("manifest.json", "coreg/ALOS2_20161003.slc.tif")
    info = subprocess.run(["gdalinfo", "-json", slc], capture_output=True, text=True)
    W, L = json.loads(info.stdout)["size"] if info.returncode == 0 else (0, 0)
    mpx = L * W / 1e6
    pairs = st["pairs"]["quality"]["pairs"]
    rows.append(dict(size=size, mpx=mpx, scenes=int(nscenes), pairs=pairs, threads=int(threads), coreg=st["coregister"]["seconds"],
                     off=st["offsets"]["seconds"], inv=st["invert"]["seconds"], wall=wall, cpu=cpu, peak=peak,
                     coreg_u=st["coregister"]["seconds"] / (mpx * int(nscenes)), off_u=st["offsets"]["seconds"] / (mpx * pairs)))
print("\n| size | master Mpx | scenes | pairs | threads | coregister (s) | offsets (s) | invert (s) | wall (s) | CPU (s) | peak RSS (MiB) | coreg s/(Mpx·scene) | offsets s/(Mpx·pair) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    print(f"| {r['size']} | {r['mpx']:.2f} | {r['scenes']} | {r['pairs']} | {r['threads']} | {r['coreg']:.1f} | {r['off']:.1f} | {r['inv']:.1f} | "
          f"{r['wall']:.1f} | {r['cpu']:.0f} | {r['peak']:.0f} | {r['coreg_u']:.2f} | {r['off_u']:.2f} |")
print()
for size in dict.fromkeys(r["size"] for r in rows):
    one = [r for r in rows if r["size"] == size and r["scenes"] == 2 and r["threads"] == 1]
    two = [r for r in rows if r["size"] == size and r["scenes"] == 2 and r["threads"] == 2]
    if one and two:
        print(f"{size}: 2-thread speed-up (2 scenes, 1 pair): wall {one[0]['wall'] / two[0]['wall']:.2f}x, "
              f"coregister {one[0]['coreg'] / two[0]['coreg']:.2f}x, offsets {one[0]['off'] / two[0]['off']:.2f}x")
PY
