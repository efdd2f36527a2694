"""A render worker loads the engine as it starts (worker_ready), and only a render worker does."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from celery.concurrency.prefork import TaskPool as PreforkPool
from celery.concurrency.solo import TaskPool as SoloPool

from rendering import tasks

if TYPE_CHECKING:
    from pytest_django.fixtures import Settings
    from pytest_mock import MockerFixture


def _consumer(queues: list[str], pool: type[Any]) -> Any:
    return SimpleNamespace(
        task_consumer=SimpleNamespace(queues=[SimpleNamespace(name=q) for q in queues]),
        pool=object.__new__(pool),  # only its class is looked at
    )


@pytest.mark.parametrize(
    ("queues", "pool", "warmed"),
    [
        (["render"], SoloPool, True),
        (["render", "default"], SoloPool, True),
        (["default"], SoloPool, False),
        (["render"], PreforkPool, False),  # its children would not see what the parent loaded
    ],
)
def test_only_a_worker_that_renders_in_its_own_process_warms_up(
    mocker: MockerFixture, queues: list[str], pool: type[Any], warmed: bool
) -> None:
    warm_up = mocker.patch("painter.pipeline.warm_up", return_value={"seconds": 0.1})
    tasks._warm_up(sender=_consumer(queues, pool))
    assert warm_up.called is warmed


def test_the_warm_up_can_be_turned_off(mocker: MockerFixture, settings: Settings) -> None:
    settings.RENDER_WARM_START = False
    warm_up = mocker.patch("painter.pipeline.warm_up")
    tasks._warm_up(sender=_consumer(["render"], SoloPool))
    assert not warm_up.called


def test_a_failed_warm_up_leaves_the_worker_running(mocker: MockerFixture, caplog: pytest.LogCaptureFixture) -> None:
    from painter import WeightsNotFound

    mocker.patch("painter.pipeline.warm_up", side_effect=WeightsNotFound("no VGG-19 weights here"))
    tasks._warm_up(sender=_consumer(["render"], SoloPool))
    assert "no VGG-19 weights here" in caplog.text


@pytest.mark.parametrize(("recipe", "sizes"), [("nimble", [350, 960]), ("cpu", [320, 640]), ("custom.json", [])])
def test_the_warm_up_measures_the_default_recipes_pass_sizes(
    mocker: MockerFixture, settings: Settings, recipe: str, sizes: list[int]
) -> None:
    settings.DEFAULT_STYLE_RECIPE = recipe
    warm_up = mocker.patch("painter.pipeline.warm_up", return_value={"seconds": 0.1})
    tasks._warm_up(sender=_consumer(["render"], SoloPool))
    assert warm_up.call_args.kwargs["pass_sizes"] == sizes
