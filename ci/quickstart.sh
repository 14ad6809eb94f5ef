#!/usr/bin/env bash
# One command from a fresh Debian machine to a real run: installs what is
# missing, builds obsbench (Release), runs scenarios/library/quickstart.yaml
# against the embedded reference backend, prints the Markdown summary and
# leaves report.json, junit.xml and summary.md under out/quickstart/.
# Exit code is obsbench's: 0 passed, 1 an assertion failed, 2 config error, 3 infrastructure error.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/ci/setup.sh"
"$root/ci/build.sh" "$root/build/release" -DCMAKE_BUILD_TYPE=Release -DOBS_BUILD_TESTS=OFF \
  -DOBS_BUILD_BENCHMARKS=OFF
exec "$root/build/release/cli/obsbench" run "$root/scenarios/library/quickstart.yaml" \
  --out "$root/out/quickstart" "$@"
