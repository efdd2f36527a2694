"""While an order waits in the render queue its page says where it stands and about how long it will
take, from recent render times and the painters at work; it shows nothing of any other order."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone

from orders.models import Order, RenderJob
from orders.waiting import LONG_WAIT_SECONDS, PAINTER_START_SECONDS, order_queue_wait
from styles.models import StyleTrial

if TYPE_CHECKING:
    from django.test import Client

    from styles.models import Style


pytestmark = pytest.mark.django_db


def new_order(style: Style, email: str = "ana@example.com", language: str = "en") -> Order:
    order = Order.objects.create(email=email, style=style, content_image="uploads/x.jpg", language=language)
    RenderJob.objects.create(order=order)
    return order


def painted_in(style: Style, *seconds: int) -> None:
    """Finished jobs of another customer that took these many seconds each."""
    order = Order.objects.create(email="old@example.com", style=style, content_image="uploads/o.jpg")
    now = timezone.now()
    for span in seconds:
        RenderJob.objects.create(
            order=order, status=RenderJob.Status.DONE, started_at=now - timedelta(seconds=span), finished_at=now
        )


def painting(style: Style, worker: str, *, silent_for: int = 0) -> RenderJob:
    order = Order.objects.create(email=f"{worker}@example.com", style=style, content_image="uploads/r.jpg")
    return RenderJob.objects.create(
        order=order,
        status=RenderJob.Status.RUNNING,
        worker=worker,
        heartbeat_at=timezone.now() - timedelta(seconds=silent_for),
        started_at=timezone.now(),
    )


def test_it_counts_the_jobs_and_test_renders_ahead_and_not_those_behind(style: Style) -> None:
    new_order(style, "first@example.com")
    StyleTrial.objects.create(style=style)
    mine = new_order(style)
    new_order(style, "later@example.com")
    StyleTrial.objects.create(style=style)
    painting(style, "w1")
    wait = order_queue_wait(mine)
    assert wait is not None
    assert wait.position == 3


def test_the_estimate_uses_recent_render_times_and_the_painters_at_work(style: Style) -> None:
    painted_in(style, 100, 120, 140)  # median 120 s
    painting(style, "w1")
    painting(style, "w2")
    new_order(style, "first@example.com")
    new_order(style, "second@example.com")
    wait = order_queue_wait(new_order(style))
    assert wait is not None
    assert wait.painters == 2
    # Two painters finish their current jobs (half done, on average), then the two ahead, then ours.
    assert wait.seconds == 60 + 2 * 120 // 2 + 120
    assert not wait.starting


def test_a_painter_that_went_silent_is_not_counted(style: Style) -> None:
    painted_in(style, 120)
    painting(style, "w1")
    painting(style, "dead", silent_for=3600)
    wait = order_queue_wait(new_order(style))
    assert wait is not None
    assert wait.painters == 1


def test_with_no_painter_at_work_it_says_one_is_being_started(style: Style) -> None:
    painted_in(style, 60)
    new_order(style, "first@example.com")
    wait = order_queue_wait(new_order(style))
    assert wait is not None
    assert wait.starting
    assert wait.seconds == PAINTER_START_SECONDS + 2 * 60


def test_without_any_render_history_there_is_a_position_and_no_estimate(style: Style) -> None:
    wait = order_queue_wait(new_order(style))
    assert wait is not None
    assert wait.position == 1
    assert wait.seconds is None
    assert not wait.email_when_ready


def test_a_long_wait_promises_the_email(style: Style) -> None:
    painted_in(style, LONG_WAIT_SECONDS)
    painting(style, "w1")
    wait = order_queue_wait(new_order(style))
    assert wait is not None
    assert wait.email_when_ready


def test_a_short_wait_does_not(style: Style) -> None:
    painted_in(style, 60)
    painting(style, "w1")
    wait = order_queue_wait(new_order(style))
    assert wait is not None
    assert not wait.email_when_ready


def test_there_is_no_queue_once_the_job_is_being_painted(style: Style) -> None:
    order = new_order(style)
    RenderJob.objects.filter(order=order).update(status=RenderJob.Status.RUNNING, worker="w1")
    assert order_queue_wait(order) is None


def test_progress_json_and_the_page_show_the_wait_in_english(client: Client, style: Style) -> None:
    painted_in(style, 120)
    painting(style, "w1")
    new_order(style, "first@example.com")
    order = new_order(style)
    data = client.get(f"/en/orders/{order.token}/progress.json").json()
    assert data["queue"]["position"] == 2
    assert data["queue"]["wait_seconds"] == 60 + 120 + 120
    assert data["queue"]["message"] == (
        "Your photo is number 2 in the queue. Your preview should be ready in about 5 min."
    )
    page = client.get(f"/en/orders/{order.token}/").content.decode()
    assert "Your photo is number 2 in the queue." in page


def test_the_wait_is_told_in_spanish(client: Client, style: Style) -> None:
    painted_in(style, 3600)
    order = new_order(style, language="es")
    message = client.get(f"/es/orders/{order.token}/progress.json").json()["queue"]["message"]
    assert "Tu foto es la siguiente de la cola." in message
    assert "Estamos poniendo en marcha un pintor" in message
    assert "te enviaremos un correo" in message


def test_the_wait_shows_no_other_order(client: Client, style: Style) -> None:
    painted_in(style, 120)
    other = painting(style, "w1").order
    ahead = new_order(style, "first@example.com")
    order = new_order(style)
    data = client.get(f"/en/orders/{order.token}/progress.json").json()
    # Only a count and a time: no id, token, address, worker or style of anyone else's order.
    assert set(data["queue"]) == {"position", "wait_seconds", "starting", "email_when_ready", "message"}
    body = client.get(f"/en/orders/{order.token}/progress.json").content.decode()
    page = client.get(f"/en/orders/{order.token}/").content.decode()
    for secret in (other.token, ahead.token, "first@example.com", "w1@example.com", '"w1"'):
        assert secret not in body
        assert secret not in page


def test_a_finished_order_has_no_queue(client: Client, painted_order: Order) -> None:
    assert "queue" not in client.get(f"/en/orders/{painted_order.token}/progress.json").json()
