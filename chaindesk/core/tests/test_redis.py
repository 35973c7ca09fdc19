"""With REDIS_URL set, the cache (shared by all web processes) is the real Redis server on this machine."""

import os
import socket
import subprocess
import sys

import pytest
from django.conf import settings

REDIS = ("127.0.0.1", 6379)


def _redis_up() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        return False
    return True


def test_redis_url_selects_a_working_shared_cache():
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is not reachable at 127.0.0.1:6379")
        pytest.skip("Redis is not running here")
    code = (
        "import django, uuid; django.setup();"
        "from django.core.cache import cache, caches;"
        "key = 'chaindesk-test-' + uuid.uuid4().hex; cache.set(key, '泰州', 30);"
        "print(type(caches['default']).__name__, cache.get(key)); cache.delete(key)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "REDIS_URL": "redis://127.0.0.1:6379/15"}
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False
    )
    assert result.stdout.split() == ["RedisCache", "泰州"], result.stderr
