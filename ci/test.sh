#!/usr/bin/env bash
# One command from a fresh Debian machine to every test: installs what is
# missing (including the prometheus and victoria-metrics packages the
# integration tests start), then runs ci/do_ci.sh all.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/ci/setup.sh"
exec "$root/ci/do_ci.sh" "${1:-all}"
