#!/usr/bin/env bash
# The real outside parts the tests drive: Debian's Chromium (browser tests,
# through playwright-core) and Debian's python3-authlib (an independent
# relying party). Installed with apt only when missing; nothing is downloaded
# from anywhere else. Runs as `pretest`, so `npm test` alone works on a fresh
# Debian machine.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
if ! [ -x /usr/bin/python3 ] || ! /usr/bin/python3 -c 'import authlib, requests' >/dev/null 2>&1; then
  missing+=(python3-authlib python3-requests)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then sudo=(sudo -n); else sudo=(false); fi
fi
if ! command -v apt-get >/dev/null 2>&1 || [ "${sudo[0]:-}" = false ]; then
  echo "npm test needs Debian packages that are missing: ${missing[*]} (install them with: apt-get install ${missing[*]})" >&2
  exit 1
fi

echo "installing test dependencies with apt: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >/dev/null
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
