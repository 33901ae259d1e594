#!/usr/bin/env bash
# The web view in a real browser: installs headless Chromium (Debian's
# `chromium`) and Playwright for Python if they are missing, builds wirelog,
# and runs tests/browser/ with pytest (each test starts from a fresh tab;
# one server on a free port for the run).
#
#   tests/browser/run.sh                 # the tests
#   tests/browser/run.sh --screenshots   # also rewrite docs/web-*.png
#
# Never `playwright install`: the browser is the system's chromium.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ "${1:-}" == "--screenshots" ]]; then
    export WIRELOG_SCREENSHOT_DIR="$PWD/docs"
    shift
fi

if ! command -v chromium >/dev/null; then
    if [[ $(id -u) -eq 0 ]]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
fi
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c "import playwright, pytest" 2>/dev/null; then
    "$PYTHON" -m pip install -q playwright pytest
fi

cargo build --locked --quiet
# The binary where cargo put it (`CARGO_TARGET_DIR` may be shared with other
# checkouts), copied aside so another build cannot replace it mid-run.
TARGET_DIR=${CARGO_TARGET_DIR:-target}
[[ "$TARGET_DIR" == /* ]] || TARGET_DIR="$PWD/$TARGET_DIR"
BIN_DIR=$(mktemp -d)
trap 'rm -rf "$BIN_DIR"' EXIT
cp "$TARGET_DIR/debug/wirelog" "$BIN_DIR/wirelog"
export WIRELOG_BIN="$BIN_DIR/wirelog"
export CHROMIUM="$(command -v chromium)"
"$PYTHON" -m pytest -q tests/browser "$@"
