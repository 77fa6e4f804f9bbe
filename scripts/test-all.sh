#!/usr/bin/env bash
# `make test`: install what the tests need, then lint, the migrations and deploy checks, the
# pytest suite on SQLite and on PostgreSQL (side by side), the database outage drill
# (bench/db_outage.py) and the browser tests. A failed stage does not stop the later ones (set
# FAIL_FAST=1 to stop); the exit status is non-zero when any stage failed.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
export PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONUNBUFFERED=1

# Whatever happens, leave no PostgreSQL server behind.
trap 'scripts/pg.sh stop >/dev/null 2>&1 || true' EXIT

names=() results=() seconds=()
failed=0

record() { # record NAME EXIT-STATUS START-SECONDS
	names+=("$1")
	seconds+=($((SECONDS - $3)))
	if (($2 == 0)); then
		results+=(ok)
	else
		results+=("FAILED (exit $2)")
		failed=$((failed + 1))
	fi
}

stage() { # stage NAME COMMAND...
	local name="$1" start rc
	shift
	printf '\n===== %s =====\n' "$name"
	start=$SECONDS
	"$@"
	rc=$?
	record "$name" "$rc" "$start"
	return "$rc"
}

summary() {
	printf '\n===== summary =====\n'
	local i
	for i in "${!names[@]}"; do
		printf '  %-18s %-28s %5ss\n' "${names[$i]}" "${results[$i]}" "${seconds[$i]}"
	done
	printf '  %-18s %-28s %5ss\n' total "" "$SECONDS"
	if ((failed > 0)); then
		echo "make test: FAILED ($failed stage(s))"
	else
		echo "make test: all stages passed"
	fi
	# Test counts over all pytest runs, from their JUnit XML; kept as the very last line.
	if [[ -x .venv/bin/python ]] && compgen -G "test-results/*.xml" >/dev/null; then
		.venv/bin/python - test-results/*.xml <<'PY'
import sys
import xml.etree.ElementTree as ET

total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
for path in sys.argv[1:]:
    root = ET.parse(path).getroot()
    for suite in root.iter("testsuite"):
        for key in total:
            total[key] += int(suite.get(key, 0))
bad = total["failures"] + total["errors"]
passed = total["tests"] - bad - total["skipped"]
print(f"tests: {passed} passed, {bad} failed, {total['skipped']} skipped")
PY
	fi
}

finish() {
	summary
	((failed == 0))
	exit
}

# Set-up failures make every later stage meaningless: stop there.
stage system-deps scripts/install-system-deps.sh test || finish
stage venv scripts/venv.sh dev || finish

# The SQLite and PostgreSQL suites are independent and single-process: run them side by side
# (one per core), each into its own log, printed when both are done.
parallel_stages() { # parallel_stages TARGET...
	local target pids=() start=$SECONDS rc
	mkdir -p test-results
	for target in "$@"; do
		make "$target" >"test-results/$target.log" 2>&1 &
		pids+=($!)
	done
	local i=0
	for target in "$@"; do
		wait "${pids[$i]}"
		rc=$?
		printf '\n===== %s (in parallel) =====\n' "$target"
		cat "test-results/$target.log"
		record "$target" "$rc" "$start"
		i=$((i + 1))
	done
}

rm -rf test-results
for target in lint migrations-check deploy-check; do
	if ! stage "$target" make "$target" && [[ -n "${FAIL_FAST:-}" ]]; then
		finish
	fi
done
parallel_stages test-sqlite test-postgres
if ((failed > 0)) && [[ -n "${FAIL_FAST:-}" ]]; then
	finish
fi
for target in test-db-outage test-browser; do
	if ! stage "$target" make "$target" && [[ -n "${FAIL_FAST:-}" ]]; then
		finish
	fi
done
finish
