#!/usr/bin/env bash
# System libraries the documents need: Pango for WeasyPrint's PDF rendering.
set -euo pipefail
if ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so'; then
  exit 0
fi
echo "Pango not found; installing the Debian packages libpango-1.0-0 and libpangoft2-1.0-0."
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null
