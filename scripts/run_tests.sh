#!/usr/bin/env bash
# Install everything the tests need, then run them: Debian's chromium and QGIS (the browser
# and QGIS tests), the package with its test extras, ruff, and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_system_deps.sh
python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"
python3 -m ruff check geolage scripts tests
python3 -m pytest "$@"
