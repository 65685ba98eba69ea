#!/usr/bin/env bash
# Installs what the tests need besides the .NET SDK: python3 (the example bot, Python evaluators) and Chromium (the
# HTML report is tested in headless Chromium: Debian's package, driven by Playwright). Idempotent: installs only
# what is missing. Uses apt-get (Debian, Ubuntu), through sudo when not root.
set -euo pipefail

missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ -z "${EVALRUNNER_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
  missing+=(chromium)
fi
if ! command -v dotnet >/dev/null 2>&1; then
  echo "tests/setup.sh: the .NET 10 SDK (dotnet) is required: https://dot.net/download" >&2
  exit 1
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "tests/setup.sh: please install ${missing[*]} (no apt-get here); a Chromium elsewhere than /usr/bin/chromium is found through EVALRUNNER_CHROMIUM" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
echo "tests/setup.sh: installing ${missing[*]} with apt-get" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
