"""The client's address, the one way lockout, throttles and the audit trail read it.

Behind N trusted reverse proxies (HANGQIFU_TRUSTED_PROXY_COUNT; the TLS proxy of docker-compose.yml is one)
the client is the N-th address from the right of X-Forwarded-For: each proxy appends the address it was
reached from, so entries further left were written by the client and prove nothing. With no proxy the
header is ignored and the socket's address is the client."""
import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    proxies = getattr(settings, "HANGQIFU_TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return clean_ip(remote)
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return clean_ip(remote)
    return clean_ip(hops[-proxies])


def clean_ip(value: str | None) -> str | None:
    """The address as PostgreSQL's inet column and SQLite read it back alike, or None when there is none or it is
    not an address (an empty REMOTE_ADDR from a Unix socket, a proxy's garbled header): the audit trail digests
    the value it stores, and an address one database spells differently would break its chain. An IPv4 client
    seen through an IPv6 socket (::ffff:a.b.c.d, or the older ::a.b.c.d) is its IPv4 address; an interface zone
    (fe80::1%eth0) names the server's link, not the client, and is dropped."""
    if not value:
        return None
    try:
        address = ipaddress.ip_address(value.strip().split("%", 1)[0])
    except ValueError:
        return None
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        if 0xFFFF < int(address) <= 0xFFFFFFFF:  # IPv4-compatible: the top 96 bits are zero
            return str(ipaddress.IPv4Address(int(address)))
    return str(address)
