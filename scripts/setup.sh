#!/usr/bin/env bash
# Installs every Debian package orthotrack needs to build, test, benchmark and run its demo.
# Idempotent: only missing packages are installed, and they are printed first.
# Runs as root on Debian 12 (or with sudo available). Exits non-zero with a clear message on failure.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libgdal-dev gdal-bin          # raster I/O and CRS
  libfftw3-dev                  # FFT correlation (float)
  libeigen3-dev                 # linear algebra, SVD
  libcli11-dev                  # command line
  libtomlplusplus-dev           # stack.toml
  nlohmann-json3-dev            # metadata and manifests
  libspdlog-dev                 # logging
  libhdf5-dev                   # NISAR RSLC input, MintPy-layout output
  libgtest-dev libgmock-dev     # tests
  libbenchmark-dev              # benchmarks
  libopencv-dev                 # test and benchmark reference only
  libopenmpi-dev openmpi-bin    # multi-node runs
  clang-14 libclang-rt-14-dev libomp-14-dev  # make fuzz: libFuzzer and sanitizer runtimes, OpenMP for clang
  python3 python3-numpy python3-h5py  # test that reads HDF5 products back as a MintPy user would
  unzip                         # tests unpack the real ALOS-2 CEOS sample
  chromium                      # the report test opens the HTML in headless Chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

echo "setup: installing ${#missing[@]} missing package(s): ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup: error: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get update -qq; then
  echo "setup: error: apt-get update failed; cannot install: ${missing[*]}" >&2; exit 1
fi
if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/orthotrack-setup.log 2>&1; then
  echo "setup: error: apt-get install failed for: ${missing[*]} (log: /tmp/orthotrack-setup.log)" >&2
  tail -20 /tmp/orthotrack-setup.log >&2
  exit 1
fi
echo "setup: done"
