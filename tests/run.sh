#!/usr/bin/env bash
# The README's test command: install what the tests need when missing (tests/setup.sh), then `dotnet test`.
# Arguments go to `dotnet test`. Once set up, `dotnet test` alone is the same.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/setup.sh
exec dotnet test "$@"
