#!/usr/bin/env bash
# Installs Debian's chromium (used by the browser tests via playwright-core) unless already present.
set -euo pipefail

# Chromium draws Chinese only with a CJK font: the GraphiQL page and the quarterly report need one.
has_cjk_font() { fc-list :lang=zh 2>/dev/null | grep -q .; }

if [[ -e /usr/bin/chromium ]] && has_cjk_font; then
  exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
  echo "error: /usr/bin/chromium or a CJK font is missing and this script is not running as root." >&2
  echo "Install the Debian chromium and a CJK font, e.g.: sudo apt-get update && sudo apt-get install -y chromium fonts-wqy-microhei" >&2
  exit 1
fi

apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei
