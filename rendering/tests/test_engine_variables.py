"""A render worker with a bad engine variable stops as it starts, with one line naming the variable."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from rendering import tasks


def _worker(queues: list[str]) -> Any:
    """Celery's WorkController as worker_init sees it: its app's queues, selected from the command line."""
    return SimpleNamespace(
        app=SimpleNamespace(amqp=SimpleNamespace(queues=SimpleNamespace(consume_from=dict.fromkeys(queues))))
    )


def test_a_render_worker_with_a_bad_engine_variable_stops_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PICMATIX_CONV_PATH", "fft")
    with pytest.raises(SystemExit, match=r"^render worker not started: PICMATIX_CONV_PATH='fft': use one of auto"):
        tasks._check_engine_variables(sender=_worker(["render"]))


def test_a_render_worker_with_good_variables_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PICMATIX_CONV_PATH", "winograd")
    assert tasks._check_engine_variables(sender=_worker(["render", "default"])) is None


def test_a_worker_that_paints_nothing_is_not_stopped_by_the_engine_s_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PICMATIX_CONV_PATH", "fft")
    assert tasks._check_engine_variables(sender=_worker(["default"])) is None
