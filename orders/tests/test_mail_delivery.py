"""The preview email through a real SMTP server (STARTTLS, AUTH LOGIN), and what a refusal does.

A recipient the server refuses for good (5xx) is recorded and never retried; a refusal for now (4xx)
or a dropped connection is retried with back-off (eager here: the retries run at once, no sleeps).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from orders.models import Order, OrderEvent
from orders.tasks import order_preview_email_send
from picmatix.tests.smtpserver import (
    DROP_CONNECTION,
    REFUSE_DATA_554,
    REFUSE_RECIPIENT_451,
    REFUSE_RECIPIENT_550,
    USER,
    MailServer,
)

if TYPE_CHECKING:
    from styles.models import Style


pytestmark = pytest.mark.django_db


@pytest.fixture
def order(style: Style) -> Order:
    return Order.objects.create(
        email="ana@example.com",
        style=style,
        content_image="uploads/x.jpg",
        language="es",
        status=Order.Status.PREVIEW_READY,
    )


def test_the_preview_email_goes_through_the_mail_server_over_starttls_after_logging_in(
    order: Order, smtp_server: MailServer
) -> None:
    result = order_preview_email_send.apply(args=[order.pk])

    assert result.successful()
    [delivered] = smtp_server.delivered
    assert delivered.rcpt_tos == ["ana@example.com"]
    assert delivered.message["Subject"] == "Tu cuadro Nocturno está listo para ver"
    assert smtp_server.logins == [("LOGIN", USER, True)]  # AUTH LOGIN, after STARTTLS
    order.refresh_from_db()
    assert order.preview_email_sent_at is not None


@pytest.mark.parametrize("refusal", [REFUSE_RECIPIENT_550, REFUSE_DATA_554], ids=["recipient-550", "message-554"])
def test_a_permanent_refusal_is_recorded_and_not_retried(order: Order, smtp_server: MailServer, refusal: Any) -> None:
    smtp_server.script = [refusal]

    result = order_preview_email_send.apply(args=[order.pk])

    assert smtp_server.attempts == 1  # no second try
    assert smtp_server.delivered == []
    assert result.successful()  # handled: nothing left for Celery to retry or report
    order.refresh_from_db()
    assert order.preview_email_sent_at is None
    [event] = order.events.filter(kind=OrderEvent.Kind.EMAIL_REFUSED)
    assert event.data == {"email": "preview", "code": int(refusal[:3])}


@pytest.mark.parametrize("failure", [REFUSE_RECIPIENT_451, DROP_CONNECTION], ids=["recipient-451", "dropped"])
def test_a_temporary_refusal_or_a_dropped_connection_is_retried_until_it_goes_through(
    order: Order, smtp_server: MailServer, failure: Any
) -> None:
    smtp_server.script = [failure, failure]

    result = order_preview_email_send.apply(args=[order.pk])

    assert result.successful()
    assert smtp_server.attempts == 3
    assert [d.rcpt_tos for d in smtp_server.delivered] == [["ana@example.com"]]
    order.refresh_from_db()
    assert order.preview_email_sent_at is not None
    assert not order.events.filter(kind=OrderEvent.Kind.EMAIL_REFUSED).exists()


def test_the_customer_is_told_of_a_failed_render_once_and_a_refused_address_is_not_retried(
    order: Order, smtp_server: MailServer
) -> None:
    from orders.tasks import order_render_failed_notify

    smtp_server.script = [REFUSE_RECIPIENT_550]
    result = order_render_failed_notify.apply(args=[order.pk])

    assert result.successful()
    assert smtp_server.attempts == 1
    assert list(order.events.values_list("kind", flat=True)) == [OrderEvent.Kind.EMAIL_REFUSED]
