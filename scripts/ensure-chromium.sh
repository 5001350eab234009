#!/usr/bin/env bash
# Chromium for the browser tests (tests/web/test_browser.py): Debian's `chromium` package, which
# Playwright drives by its executable path. Nothing is downloaded by `playwright install`.
# Idempotent: exits at once where a Chromium is already installed.
set -euo pipefail
for candidate in "${PREFSTACK_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    exit 0
  fi
done
echo "Chromium not found; installing the Debian package 'chromium'."
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
[ -x /usr/bin/chromium ] || { echo "could not install Chromium (/usr/bin/chromium)" >&2; exit 1; }
