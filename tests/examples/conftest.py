from tests.redis.conftest import own_redis_server, prefix, redis_server

__all__ = ["own_redis_server", "prefix", "redis_server"]
