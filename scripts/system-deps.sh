#!/usr/bin/env bash
# Debian packages the portal needs: WeasyPrint's Pango (PDFs), and for tests Chromium (Playwright drives
# Debian's browser; Playwright's own browser download is not used) and poppler-utils. Installs only what is
# missing, so a prepared machine pays nothing. `bench` (make bench): wrk, the PostgreSQL client (pgbench) and
# HAProxy (the two-node drill) — not needed to run or test the portal.
set -euo pipefail
want=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig)
[ "${1:-}" = "test" ] && want+=(chromium poppler-utils)
[ "${1:-}" = "bench" ] && want=(wrk postgresql-client haproxy)
missing=()
for pkg in "${want[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
