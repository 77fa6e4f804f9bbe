from django.conf import settings
from rest_framework.throttling import AnonRateThrottle

from accounts.security import client_ip


class PublicAnonThrottle(AnonRateThrottle):
    """Anonymous clients share `API_ANON_THROTTLE_RATE` per IP address (e.g. "120/minute").

    The rate is read per request, not at import, so tests and deployments can change it; an
    empty rate switches throttling off.
    """

    def get_rate(self):
        return getattr(settings, "API_ANON_THROTTLE_RATE", None) or None

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_ident(self, request):
        # X-Forwarded-For only from our own proxies (TRUSTED_PROXIES), as for login throttling:
        # otherwise a client could pick a new "address" for every request.
        return client_ip(request)
