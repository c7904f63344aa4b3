#!/usr/bin/env bash
# Debian's Chromium (for the browser tests) and the Noto CJK fonts (Chinese pages in the
# browser, PDFs): installed with apt when missing. Playwright's own browser download is not
# used: the machines this runs on reach the package registries only.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then
  sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "Cannot install ${missing[*]} (needs root): run  sudo apt-get install ${missing[*]}" >&2
  [ "${CI:-}" = "true" ] && exit 1
  exit 0
fi
echo "Installing ${missing[*]} with apt-get …"
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; then
  "${sudo[@]}" apt-get update -q >/dev/null
  "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
fi
