"""The client's address for login throttling, trusting X-Forwarded-For only from our proxies."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _is_trusted_proxy(address: str) -> bool:
    networks = getattr(settings, "TRUSTED_PROXIES", ())
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)


def client_ip(request) -> str:
    """REMOTE_ADDR, or, when that is one of settings.TRUSTED_PROXIES, the right-most address in
    X-Forwarded-For that is not a trusted proxy (the left part can be forged by the client)."""
    address = request.META.get("REMOTE_ADDR", "")
    if not _is_trusted_proxy(address):
        return address
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([part for part in forwarded if part]):
        if not _is_trusted_proxy(hop):
            return hop
    return address
