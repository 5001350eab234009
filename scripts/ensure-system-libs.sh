#!/usr/bin/env bash
# System libraries the documents need: Pango for WeasyPrint's PDF rendering, and HarfBuzz's
# subsetter, with which WeasyPrint embeds fonts byte for byte the same on every run (without it,
# WeasyPrint falls back to fontTools, which stamps each embedded font with the time it was
# written, so the same document's PDF differs from one second to the next).
set -euo pipefail
# Also a C++ compiler: the tests build the GPU path's CUDA kernels for the CPU
# (tests/kernels/test_valuation_gpu.py).
if ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so' && ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so.0' \
  && command -v g++ >/dev/null; then
  exit 0
fi
echo "Pango, HarfBuzz's subsetter or g++ not found; installing the Debian packages libpango-1.0-0, libpangoft2-1.0-0, libharfbuzz-subset0 and g++."
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core g++ >/dev/null
