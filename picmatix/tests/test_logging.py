"""Log lines an operator can follow: order and job ids on every line, JSON in production, a file."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from conftest import jpeg_bytes
from picmatix.logs import log_context, logging_config

if TYPE_CHECKING:
    from pytest_mock import MockerFixture

    from styles.models import Style


@pytest.fixture
def configure() -> Iterator[Callable[..., io.StringIO]]:
    """Apply a LOGGING dict for one test, writing to a buffer, and put the real one back after."""
    from django.conf import settings

    buffer = io.StringIO()

    def configure(**options: Any) -> io.StringIO:
        config = logging_config(level="INFO", **options)
        config["handlers"]["console"]["stream"] = buffer
        logging.config.dictConfig(config)
        return buffer

    yield configure
    logging.config.dictConfig(settings.LOGGING)


def lines(buffer: io.StringIO) -> list[str]:
    return [line for line in buffer.getvalue().splitlines() if line]


def test_json_lines_carry_the_ids_named_at_the_call(configure: Callable[..., io.StringIO]) -> None:
    buffer = configure(fmt="json")
    logging.getLogger("orders.services").info("job %s done", 7, extra={"order_id": 3, "job_id": 7})
    entry = json.loads(lines(buffer)[-1])
    assert entry["message"] == "job 7 done"
    assert (entry["order_id"], entry["job_id"]) == (3, 7)
    assert entry["level"] == "INFO"
    assert entry["logger"] == "orders.services"
    assert entry["time"].endswith("+00:00")


def test_ids_bound_to_a_block_reach_every_line_inside_it(configure: Callable[..., io.StringIO]) -> None:
    buffer = configure(fmt="json")
    with log_context(order_id=5, job_id=9):
        logging.getLogger("painter").warning("slow pass")
    logging.getLogger("painter").warning("outside")
    inside, outside = (json.loads(line) for line in lines(buffer)[-2:])
    assert (inside["order_id"], inside["job_id"]) == (5, 9)
    assert "order_id" not in outside


def test_exceptions_are_one_json_line(configure: Callable[..., io.StringIO]) -> None:
    buffer = configure(fmt="json")
    try:
        raise ValueError("bad recipe")
    except ValueError:
        logging.getLogger("x").exception("render crashed", extra={"job_id": 4})
    [line] = lines(buffer)
    entry = json.loads(line)
    assert "ValueError: bad recipe" in entry["exception"]
    assert entry["job_id"] == 4


def test_plain_lines_end_with_the_ids(configure: Callable[..., io.StringIO]) -> None:
    buffer = configure(fmt="plain")
    logging.getLogger("orders").info("created", extra={"order_id": 12})
    logging.getLogger("orders").info("nothing to say")
    assert lines(buffer)[-2].endswith("INFO orders created order=12")
    assert lines(buffer)[-1].endswith("INFO orders nothing to say")


@pytest.mark.parametrize(("max_bytes", "handler"), [(1024, "RotatingFileHandler"), (0, "WatchedFileHandler")])
def test_a_log_file_gets_the_same_lines(
    configure: Callable[..., io.StringIO], tmp_path: Path, max_bytes: int, handler: str
) -> None:
    path = tmp_path / "web.log"
    configure(fmt="json", file=str(path), file_max_bytes=max_bytes)
    assert type(logging.getLogger().handlers[-1]).__name__ == handler
    logging.getLogger("orders").info("to the file", extra={"order_id": 1})
    assert json.loads(path.read_text().splitlines()[-1])["order_id"] == 1


@pytest.mark.django_db
def test_order_creation_is_logged_with_its_ids(
    style: Style, mocker: MockerFixture, caplog: pytest.LogCaptureFixture
) -> None:
    from orders.images import photo_clean
    from orders.services import order_create

    mocker.patch("orders.enqueue.render_job_enqueue")
    data = jpeg_bytes()
    photo = photo_clean(io.BytesIO(data), size=len(data), max_bytes=10**7, max_pixels=10**7)
    with caplog.at_level(logging.INFO, logger="orders.services"):
        order = order_create(email="a@example.com", style=style, photo=photo, language="en")
    [record] = [r for r in caplog.records if r.getMessage().startswith(f"order {order.pk} created")]
    assert record.__dict__["order_id"] == order.pk
    assert record.__dict__["job_id"] == order.current_job.pk
