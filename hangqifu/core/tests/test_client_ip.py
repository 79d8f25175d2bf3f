"""The client's address: the hop the trusted proxy wrote, in one spelling, or None when there is no address."""
import pytest
from django.test import RequestFactory, override_settings

from hangqifu.core.client_ip import clean_ip, client_ip


@pytest.mark.parametrize(("given", "kept"), [
    ("203.0.113.7", "203.0.113.7"),
    (" 203.0.113.7 ", "203.0.113.7"),
    ("2001:0DB8:0000::0001", "2001:db8::1"),  # as PostgreSQL's inet spells it back
    ("::ffff:203.0.113.7", "203.0.113.7"),  # an IPv4 client on a dual-stack socket
    ("::203.0.113.7", "203.0.113.7"),
    ("::1", "::1"),
    ("fe80::1%eth0", "fe80::1"),
    (None, None), ("", None), ("unknown", None), ("203.0.113.300", None), ("010.0.0.1", None),
])
def test_an_address_is_kept_in_one_spelling_and_anything_else_is_none(given, kept):
    assert clean_ip(given) == kept


def test_a_request_without_a_usable_address_has_none():
    unix_socket = RequestFactory().get("/", REMOTE_ADDR="")
    garbled = RequestFactory().get("/", REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="203.0.113.7, bogus")
    with override_settings(HANGQIFU_TRUSTED_PROXY_COUNT=0):
        assert client_ip(unix_socket) is None
    with override_settings(HANGQIFU_TRUSTED_PROXY_COUNT=1):
        assert client_ip(garbled) is None and client_ip(unix_socket) is None
