"""Fixtures of the several-workers tests: Redis on 127.0.0.1:6379 (skipped politely when absent; required when
CI=true). Each test session uses its own Redis database number, so parallel sessions never share channels,
locks or Reflex state."""
from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
ROOT_PY = str(ROOT / ".venv/bin/python")
REDIS_BASE = os.environ.get("WOMS_TEST_REDIS_URL", "redis://127.0.0.1:6379")


def redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_BASE, socket_connect_timeout=2).ping())
    except Exception:
        return False


def require_redis() -> None:
    if not redis_available():
        if IN_CI:
            pytest.fail("Redis on 127.0.0.1:6379 is required when CI=true")
        pytest.skip("no Redis on 127.0.0.1:6379")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A Redis URL on a database number of this session's own (1–15)."""
    require_redis()
    return f"{REDIS_BASE}/{random.SystemRandom().randint(1, 15)}"


@pytest.fixture
def with_redis(redis_url, monkeypatch):
    """The application configured with Redis (feed bus, locks) for this test."""
    from woms_app.core.config import reset_settings

    monkeypatch.setenv("WOMS_REDIS_URL", redis_url)
    reset_settings()
    yield redis_url
    monkeypatch.delenv("WOMS_REDIS_URL")
    reset_settings()
