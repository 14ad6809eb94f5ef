#!/usr/bin/env bash
# ci/build.sh <build-dir> [cmake args...]: configures (once) and builds obsbench with Ninja.
# BUILD_TARGETS="a b" builds only those targets.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$1
shift
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S "$root" -B "$dir" -G Ninja "$@" >/dev/null
fi
if [ -n "${BUILD_TARGETS:-}" ]; then
  # shellcheck disable=SC2086
  cmake --build "$dir" -j "$(nproc)" --target $BUILD_TARGETS
else
  cmake --build "$dir" -j "$(nproc)"
fi
