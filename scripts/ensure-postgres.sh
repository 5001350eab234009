#!/usr/bin/env bash
# Make sure PostgreSQL server binaries (initdb, pg_ctl, postgres) are on this machine.
# The test suite starts and stops its own server on 127.0.0.1; this only installs it.
set -euo pipefail
find_initdb() {
  command -v initdb 2>/dev/null && return 0
  ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1
}
if [ -n "$(find_initdb)" ]; then
  exit 0
fi
echo "PostgreSQL server binaries not found; installing the Debian package 'postgresql'."
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq postgresql >/dev/null
[ -n "$(find_initdb)" ] || { echo "could not install PostgreSQL server binaries" >&2; exit 1; }
