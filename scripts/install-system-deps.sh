#!/usr/bin/env bash
# Installs the Debian packages Pillars needs when they are missing: Chromium for the browser
# tests, poppler-utils to read PDFs back, faketime to run the suite with the clock a year ahead,
# the Inter font for the PDF reports, the libraries WeasyPrint draws with, and gettext (make
# messages, and the test that every string is in the catalogues). Safe to run again:
# it does nothing when everything is present.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v faketime >/dev/null 2>&1 || need+=(faketime)
command -v xgettext >/dev/null 2>&1 && command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
fc-list 2>/dev/null | grep -q "Inter" || need+=(fonts-inter fontconfig)
ldconfig -p 2>/dev/null | grep -q "libpango-1.0" || need+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing system packages: ${need[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "Need root (or sudo) to install: ${need[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
