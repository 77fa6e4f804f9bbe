#!/usr/bin/env bash
# Install the Debian/Ubuntu packages the portal needs, but only those that are missing.
#
#   scripts/install-system-deps.sh [runtime|test]   (default: test)
#
#   runtime  what `make demo` needs: venv support for Python 3.11, WeasyPrint's libraries, fonts,
#            gettext (`make messages`: makemessages and compilemessages)
#   test     runtime + PostgreSQL 15, Chromium (browser tests), poppler-utils (PDF checks),
#            wrk (make bench)
#
# Runs `apt-get update` once, and only when something is missing. Works as root; otherwise
# uses sudo. Never prompts (DEBIAN_FRONTEND=noninteractive).
set -euo pipefail

profile="${1:-test}"
case "$profile" in
runtime | test) ;;
*)
	echo "usage: $0 [runtime|test]" >&2
	exit 2
	;;
esac

export DEBIAN_FRONTEND=noninteractive

have_pkg() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
want() { # want PACKAGE [COMMAND-OR-FILE-THAT-PROVES-IT]
	local pkg="$1" proof="${2:-}"
	if [[ -n "$proof" ]]; then
		if [[ "$proof" == /* ]]; then
			[[ -e "$proof" ]] && return 0
		else
			command -v "$proof" >/dev/null 2>&1 && return 0
		fi
	fi
	have_pkg "$pkg" || missing+=("$pkg")
}

# Python 3.11 with a working `venv` (Debian ships ensurepip in a separate package).
py="${PYTHON:-}"
if [[ -z "$py" ]]; then
	if command -v python3.11 >/dev/null 2>&1; then py=python3.11; else py=python3; fi
fi
if ! command -v "$py" >/dev/null 2>&1; then
	want python3
	want python3-venv
elif ! "$py" -c 'import ensurepip, venv' >/dev/null 2>&1; then
	ver="$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
	want "python${ver}-venv"
fi

# WeasyPrint (PDF reports) loads Pango/HarfBuzz at import time and needs fonts.
want libpango-1.0-0
want libpangoft2-1.0-0
want libharfbuzz0b
want libharfbuzz-subset0
want fonts-dejavu-core

# gettext: xgettext/msgmerge/msgfmt for `make messages` (the compiled .mo files are committed,
# so serving translated pages does not need it).
want gettext msgfmt

if [[ "$profile" == test ]]; then
	want postgresql /usr/lib/postgresql/15/bin/initdb
	want chromium /usr/bin/chromium
	want poppler-utils pdftotext
	# make bench: the HTTP load generator
	want wrk wrk
fi

if ((${#missing[@]} == 0)); then
	echo "system packages ($profile): all present"
	exit 0
fi

if [[ "$(id -u)" -eq 0 ]]; then
	as_root=()
elif command -v sudo >/dev/null 2>&1; then
	as_root=(sudo env DEBIAN_FRONTEND=noninteractive)
else
	echo "error: missing packages (${missing[*]}) and not root, and sudo is not available." >&2
	echo "Install them with: apt-get install ${missing[*]}" >&2
	exit 1
fi

echo "system packages ($profile): installing ${missing[*]}"
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends \
	-o Dpkg::Use-Pty=0 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	"${missing[@]}" </dev/null
echo "system packages ($profile): done"
