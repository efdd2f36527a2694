"""Fixtures of the tests that start real render workers against PostgreSQL and Redis (`-m pg`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import redis
from django.conf import settings

from rendering.tests.processes import process_env


@pytest.fixture
def clean_redis() -> None:
    for url in (settings.CELERY_BROKER_URL, settings.REDIS_URL):
        if url:
            redis.Redis.from_url(url).flushdb()


@pytest.fixture
def env(tmp_path: Path, media: Path, clean_redis: None) -> Callable[..., dict[str, str]]:
    """The environment of a worker process: this test's database, broker, cache and files."""

    def make(**overrides: str) -> dict[str, str]:
        base = {
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "REDIS_URL": settings.REDIS_URL,
            "PICMATIX_RENDER_LEASE_SECONDS": "60",
        }
        return process_env(tmp_path / "var", media, **{**base, **overrides})

    return make
