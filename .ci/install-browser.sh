#!/usr/bin/env bash
# Installs Debian's chromium (used by the browser tests via playwright-core) unless already present.
set -euo pipefail

if [[ -e /usr/bin/chromium ]]; then
  exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
  echo "error: /usr/bin/chromium not found and this script is not running as root." >&2
  echo "Install the Debian chromium package, e.g.: sudo apt-get update && sudo apt-get install -y chromium" >&2
  exit 1
fi

apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
