import redis

from telephony.routing.router import RedisRouter
from vero.embedded_redis import EmbeddedRedis


def test_restart_finds_the_same_agents_and_queued_tasks(tmp_path, centre):
    with EmbeddedRedis(tmp_path) as server:
        router = RedisRouter(redis.Redis.from_url(server.url), centre)
        router.upsert_agent("ayu", {"complaints": 3}, ("id",), {"voice": 1}, now=1000)
        router.enqueue("t1", "voice", "orders", "en", now=1001)
    with EmbeddedRedis(tmp_path) as server:
        router = RedisRouter(redis.Redis.from_url(server.url), centre)
        assert router.agent("ayu")["skills"] == {"complaints": 3}
        assert router.task("t1")["state"] == "queued"
        router.set_agent_state("ayu", "available", now=1002)
        assert router.agent("ayu")["state"] == "available"
