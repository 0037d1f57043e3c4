#!/usr/bin/env bash
# Install the Debian packages that geolage's QGIS and browser tests need.
#
#   qgis python3-qgis        PyQGIS, run headless with Debian's /usr/bin/python3 (tests/test_qgis.py)
#   chromium chromium-driver  headless browser for the Leaflet map and PDF tests
#   poppler-utils             pdftotext / pdftoppm: the tests read and render the printed reports
#
# Idempotent: packages already installed are skipped, `apt-get update` runs at most once,
# nothing is asked (DEBIAN_FRONTEND=noninteractive). Needs root (or sudo). Usable in CI
# and on a developer's machine:
#
#   bash scripts/install_system_deps.sh            # everything
#   bash scripts/install_system_deps.sh qgis        # only the QGIS packages
#   bash scripts/install_system_deps.sh browser     # only the browser packages
set -euo pipefail

QGIS_PACKAGES=(qgis python3-qgis)
BROWSER_PACKAGES=(chromium chromium-driver poppler-utils)

case "${1:-all}" in
  all) wanted=("${QGIS_PACKAGES[@]}" "${BROWSER_PACKAGES[@]}") ;;
  qgis) wanted=("${QGIS_PACKAGES[@]}") ;;
  browser) wanted=("${BROWSER_PACKAGES[@]}") ;;
  *) echo "usage: $0 [all|qgis|browser]" >&2; exit 2 ;;
esac

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install_system_deps: apt-get not found; install ${wanted[*]} with your system's package manager" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install_system_deps: needs root (or sudo) to install ${wanted[*]}" >&2
    exit 1
  fi
fi

missing=()
for pkg in "${wanted[@]}"; do
  if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    echo "install_system_deps: $pkg already installed"
  else
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install_system_deps: nothing to install"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
echo "install_system_deps: installing ${missing[*]}"
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install_system_deps: done"
