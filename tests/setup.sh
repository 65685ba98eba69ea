#!/usr/bin/env bash
# Installs what the tests need besides the .NET SDK: python3 (the example bot, Python evaluators), Chromium (the
# HTML report is tested in headless Chromium: Debian's package, driven by Playwright), and Node.js with the npm
# packages of tests/otel-openai-node (the OpenAI Node SDK with its OpenTelemetry instrumentation, a real client of
# `watch --listen`) and of tests/mcp-everything (the reference MCP server @modelcontextprotocol/server-everything), and
# Prometheus (a real scraper of the watcher's metrics). Idempotent: installs only what is missing. Uses apt-get (Debian, Ubuntu), through sudo when not root.
set -euo pipefail
cd "$(dirname "$0")/.."

# The npm packages pinned by each folder's package-lock.json, into its node_modules.
install_node_packages() {
  local folder
  for folder in tests/otel-openai-node tests/mcp-everything; do
    if [ ! -f "$folder/node_modules/.package-lock.json" ] || [ "$folder/package-lock.json" -nt "$folder/node_modules/.package-lock.json" ]; then
      echo "tests/setup.sh: installing the npm packages of $folder" >&2
      npm ci --prefix "$folder" --no-audit --no-fund --loglevel=error >/dev/null
    fi
  done
}

missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ -z "${EVALRUNNER_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
  missing+=(chromium)
fi
# Prometheus scrapes `watch --listen`/`--metrics` in the metrics tests (Debian's package: /usr/bin/prometheus).
[ -x /usr/bin/prometheus ] || missing+=(prometheus)
if ! command -v dotnet >/dev/null 2>&1; then
  echo "tests/setup.sh: the .NET 10 SDK (dotnet) is required: https://dot.net/download" >&2
  exit 1
fi
if [ ${#missing[@]} -eq 0 ]; then
  install_node_packages
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
install_node_packages
