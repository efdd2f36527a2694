"""Fixtures of the project package's tests."""

from __future__ import annotations

import os
import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SETTINGS = Path(__file__).resolve().parents[1] / "settings.py"


@pytest.fixture
def load(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., dict[str, Any]]:
    """Evaluate picmatix/settings.py afresh with these variables (the running settings stay as they are)."""

    for name in list(os.environ):
        if name.startswith(("PICMATIX_", "AWS_", "SENTRY_", "STRIPE_")):
            monkeypatch.delenv(name)

    def load(**env: str) -> dict[str, Any]:
        monkeypatch.setenv("PICMATIX_VAR_DIR", str(tmp_path))
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS))

    return load
