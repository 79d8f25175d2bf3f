"""The Redis cache backend (hangqifu.core.cache): Django's, with one redis.Redis per connection pool instead of a
new client on every call. The throttles, the dashboard cache and the menu use it through the default cache; here
it is checked directly against the local Redis, under a prefix of its own."""
import os
import uuid

import pytest
from django.conf import settings

from hangqifu.core.cache import RedisCache

pytestmark = pytest.mark.redis


@pytest.fixture
def cache():
    backend = RedisCache(os.environ.get("REDIS_URL") or os.environ["CELERY_BROKER_URL"],
                         {"KEY_PREFIX": f"test-cache-{uuid.uuid4().hex}"})
    keys = ["value", "added", "counter", "gone"]
    yield backend
    backend.delete_many(keys)  # never clear(): it would flush the whole Redis database


def test_it_reads_writes_adds_counts_and_deletes(cache):
    cache.set("value", {"quota": "5000.00"}, 30)
    assert cache.get("value") == {"quota": "5000.00"}
    assert cache.add("added", 1, 30) is True and cache.add("added", 2, 30) is False
    cache.set("counter", 1, 30)
    assert cache.incr("counter") == 2
    cache.set("gone", 1, 30)
    cache.delete("gone")
    assert cache.get("gone") is None and cache.get("gone", "default") == "default"


def test_one_client_serves_every_call_of_a_pool(cache):
    cache.set("value", 1, 30)
    cache.get("value")
    client = cache._cache
    assert client.get_client() is client.get_client(write=True)
    assert len(client._clients) == 1


def test_the_default_cache_uses_it_whenever_redis_is_configured():
    assert settings.CACHES["default"]["BACKEND"] == "hangqifu.core.cache.RedisCache"
