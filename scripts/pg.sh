#!/usr/bin/env bash
# A throw-away PostgreSQL 15 server for the test suite, on 127.0.0.1 only, trust auth.
#
#   scripts/pg.sh start    init (first time) and start; prints the database URL on stdout
#   scripts/pg.sh stop     stop it (no error when it is not running)
#   scripts/pg.sh url      print the database URL
#   scripts/pg.sh status   exit 0 when running
#   scripts/pg.sh destroy  stop and delete its data
#
# Data lives in var/pg (gitignored). The port is PG_PORT, default 54329; when that port is taken
# by something else and PG_PORT was not set, a free port is chosen and remembered in var/pg/port.
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
state="${PG_STATE_DIR:-$root/var/pg}"
dbname="${PG_DBNAME:-napportal}"

log() { echo "pg: $*" >&2; }
die() {
	log "error: $*"
	exit 1
}

find_bindir() {
	local d
	if [[ -n "${PG_BINDIR:-}" ]]; then
		echo "$PG_BINDIR"
		return
	fi
	if [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
		echo /usr/lib/postgresql/15/bin
		return
	fi
	if command -v pg_config >/dev/null 2>&1; then
		d="$(pg_config --bindir)"
		if [[ -x "$d/initdb" ]]; then
			echo "$d"
			return
		fi
	fi
	# Any other Debian/Ubuntu-packaged major version, newest first.
	for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k4 -n -r); do
		if [[ -x "$d/initdb" ]]; then
			echo "$d"
			return
		fi
	done
	die "PostgreSQL server binaries not found (run scripts/install-system-deps.sh, or set PG_BINDIR)"
}

# Run a server-side command as the owner of the data directory.
if [[ "$(id -u)" -eq 0 ]]; then
	id postgres >/dev/null 2>&1 || die "running as root, but there is no 'postgres' user"
	# From /, which postgres can always enter (the project directory may be closed to it).
	as_owner() { (cd / && runuser -u postgres -- "$@"); }
	owner=postgres
else
	as_owner() { "$@"; }
	owner="$(id -un)"
fi

# As root the data directory must be reachable by `postgres`; a project under /root is not,
# so then fall back to /tmp.
prepare_state_dir() {
	mkdir -p "$state"
	if [[ "$owner" == postgres ]]; then
		chown postgres: "$state"
		chmod 700 "$state"
		if ! as_owner test -w "$state"; then
			state="${TMPDIR:-/tmp}/napportal-pg-$(echo "$root" | sha256sum | cut -c1-12)"
			log "postgres cannot reach $root; using $state"
			mkdir -p "$state"
			chown postgres: "$state"
			chmod 700 "$state"
		fi
	fi
	# Remember the fallback so that stop/url find the same place.
	if [[ -z "${PG_STATE_DIR:-}" && "$state" != "$root/var/pg" ]]; then
		echo "$state" >"$root/var/pg.location"
	fi
}

# Resolve a previously chosen fallback location.
if [[ -z "${PG_STATE_DIR:-}" && -f "$root/var/pg.location" ]]; then
	state="$(cat "$root/var/pg.location")"
fi

pgdata() { echo "$state/data"; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

current_port() {
	if [[ -f "$state/port" ]]; then
		cat "$state/port"
	else
		echo "${PG_PORT:-54329}"
	fi
}

url() { echo "postgres://postgres@127.0.0.1:$(current_port)/$dbname"; }

is_running() {
	[[ -f "$(pgdata)/PG_VERSION" ]] || return 1
	as_owner "$bindir/pg_ctl" -D "$(pgdata)" status >/dev/null 2>&1
}

choose_port() {
	local port="${PG_PORT:-54329}"
	if port_in_use "$port"; then
		[[ -z "${PG_PORT:-}" ]] || die "port $port (PG_PORT) is already in use"
		port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
		log "port 54329 is in use; using $port"
	fi
	echo "$port"
}

cmd_start() {
	prepare_state_dir
	local data port
	data="$(pgdata)"
	if is_running; then
		log "already running on port $(current_port)"
	else
		if [[ ! -f "$data/PG_VERSION" ]]; then
			rm -rf "$data"
			log "initdb in $data ($("$bindir/postgres" --version))"
			as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 \
				--locale=C.UTF-8 --no-sync >"$state/initdb.log" 2>&1 ||
				{
					cat "$state/initdb.log" >&2
					die "initdb failed"
				}
			# Only loopback TCP, trusted: a throw-away test server, never a real one.
			as_owner tee "$data/pg_hba.conf" >/dev/null <<'HBA'
# TYPE  DATABASE  USER  ADDRESS       METHOD
host    all       all   127.0.0.1/32  trust
host    all       all   ::1/128       trust
HBA
			echo "include_if_exists = 'napportal.conf'" | as_owner tee -a "$data/postgresql.conf" >/dev/null
		fi
		port="$(choose_port)"
		as_owner tee "$data/napportal.conf" >/dev/null <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
max_connections = 50
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
		echo "$port" | as_owner tee "$state/port" >/dev/null
		log "starting on 127.0.0.1:$port (log: $state/postgres.log)"
		as_owner "$bindir/pg_ctl" -D "$data" -l "$state/postgres.log" -w -t 60 start >/dev/null ||
			{
				tail -n 30 "$state/postgres.log" >&2 || true
				die "pg_ctl start failed"
			}
	fi
	port="$(current_port)"
	if [[ "$("$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -XtAc \
		"SELECT 1 FROM pg_database WHERE datname = '$dbname'")" != 1 ]]; then
		"$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres "$dbname"
		log "created database $dbname"
	fi
	url
}

cmd_stop() {
	if is_running; then
		as_owner "$bindir/pg_ctl" -D "$(pgdata)" -m fast -w stop >/dev/null
		log "stopped"
	else
		log "not running"
	fi
}

bindir="$(find_bindir)"
case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
url) url ;;
status)
	if is_running; then
		log "running: $(url)"
	else
		log "not running"
		exit 1
	fi
	;;
destroy)
	cmd_stop
	rm -rf "$state"
	[[ -n "${PG_STATE_DIR:-}" ]] || rm -f "$root/var/pg.location"
	log "removed $state"
	;;
*)
	echo "usage: $0 start|stop|url|status|destroy" >&2
	exit 2
	;;
esac
