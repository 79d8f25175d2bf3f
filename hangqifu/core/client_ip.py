"""The client's address, the one way lockout, throttles and the audit trail read it.

Behind N trusted reverse proxies (HANGQIFU_TRUSTED_PROXY_COUNT; the TLS proxy of docker-compose.yml is one)
the client is the N-th address from the right of X-Forwarded-For: each proxy appends the address it was
reached from, so entries further left were written by the client and prove nothing. With no proxy the
header is ignored and the socket's address is the client."""
from django.conf import settings


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    proxies = getattr(settings, "HANGQIFU_TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote
    return hops[-proxies]
