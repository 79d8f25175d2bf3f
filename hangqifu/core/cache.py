"""Django's Redis cache backend, keeping one redis.Redis client per connection pool.

Django's RedisCacheClient builds a new redis.Redis on every cache call (`get_client`). With redis-py 8 that
construction (its response-callback tables) costs about 0.1 ms: two of them per API request for the user
throttle's read and write, a sixth of what a no-op API request costs (bench/RESULTS.md, claim rush ceilings).
A redis.Redis only wraps its connection pool and is safe to share between threads, so one per pool serves
every call."""
from django.core.cache.backends import redis as django_redis


class PooledRedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))  # pools live as long as this object: their ids stay theirs
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledRedisCacheClient
