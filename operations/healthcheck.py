"""Container health check: `python -m operations.healthcheck` exits 0 when /health/ says 200.

Used by docker-compose.yml for the web service. It asks the local gunicorn with the first of
ALLOWED_HOSTS as Host header (any other host would be refused with 400) and, by default, only
for the checks that concern this container (database and cache): a backlog in the worker
queue is the worker's problem, and must not take every web container out of service.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def host_header(allowed_hosts: str) -> str:
    for host in (item.strip() for item in allowed_hosts.split(",")):
        if host and host != "*":
            # ".example.org" allows every subdomain; the bare domain is one of them.
            return host.lstrip(".")
    return "localhost"


def main(argv: list[str]) -> int:
    port = os.environ.get("HEALTHCHECK_PORT", "8000")
    checks = argv or ["database", "cache"]
    query = "&".join(f"check={name}" for name in checks)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/health/?{query}",
        headers={"Host": host_header(os.environ.get("ALLOWED_HOSTS", ""))},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
