#!/usr/bin/env bash
# Create .venv (Python 3.11) if needed and install the project into it.
#
#   scripts/venv.sh runtime   pip install -e .          (what `make demo` needs)
#   scripts/venv.sh dev       pip install -e '.[dev]'   (tests, ruff, Playwright)
#
# A stamp file in .venv records a hash of pyproject.toml per extra, so a re-run with an
# unchanged pyproject.toml costs nothing. Set PYTHON to choose the interpreter.
set -euo pipefail

cd "$(dirname "$0")/.."
kind="${1:-dev}"
case "$kind" in
runtime) spec="-e ." ;;
dev) spec="-e .[dev]" ;;
*)
	echo "usage: $0 runtime|dev" >&2
	exit 2
	;;
esac

venv=".venv"
export PIP_DISABLE_PIP_VERSION_CHECK=1

hash_of_project() { sha256sum pyproject.toml | cut -d' ' -f1; }

pick_python() {
	if [[ -n "${PYTHON:-}" ]]; then
		echo "$PYTHON"
		return
	fi
	local candidate
	for candidate in python3.11 python3; do
		if command -v "$candidate" >/dev/null 2>&1 &&
			"$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
			echo "$candidate"
			return
		fi
	done
	echo "error: Python 3.11 not found (install python3.11, or set PYTHON=/path/to/python3.11)" >&2
	exit 1
}

# A venv that was moved, or whose interpreter disappeared, is recreated.
if [[ -x "$venv/bin/python" ]] &&
	! "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
	echo "venv: $venv is broken or not Python 3.11; recreating"
	rm -rf "$venv"
fi
if [[ ! -x "$venv/bin/python" ]]; then
	py="$(pick_python)"
	echo "venv: creating $venv with $("$py" --version 2>&1)"
	if ! "$py" -m venv "$venv"; then
		rm -rf "$venv"
		echo "venv: '$py -m venv' failed; installing python venv support" >&2
		PYTHON="$py" scripts/install-system-deps.sh runtime
		"$py" -m venv "$venv"
	fi
fi

want="$(hash_of_project)"
stamp="$venv/.napportal-$kind.stamp"
# The dev extra includes every runtime dependency.
for s in "$stamp" "$venv/.napportal-dev.stamp"; do
	if [[ -f "$s" && "$(cat "$s")" == "$want" ]]; then
		echo "venv: $kind dependencies up to date"
		echo "$want" >"$stamp"
		exit 0
	fi
done

echo "venv: pip install $spec"
# shellcheck disable=SC2086 # $spec is two words on purpose
"$venv/bin/python" -m pip install --quiet $spec
echo "$want" >"$stamp"
echo "venv: $kind dependencies installed"
