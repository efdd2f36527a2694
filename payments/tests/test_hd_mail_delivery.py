"""The HD email through a real SMTP server (STARTTLS, AUTH LOGIN), and what a refusal does."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from orders.models import Order, OrderEvent
from payments.tasks import order_hd_email_send
from picmatix.tests.smtpserver import (
    DROP_CONNECTION,
    REFUSE_RECIPIENT_451,
    REFUSE_RECIPIENT_550,
    USER,
    MailServer,
)

if TYPE_CHECKING:
    pass


pytestmark = pytest.mark.django_db


def test_the_hd_email_goes_through_the_mail_server_over_starttls_after_logging_in(
    paid_order: Order, smtp_server: MailServer
) -> None:
    result = order_hd_email_send.apply(args=[paid_order.pk])

    assert result.successful()
    [delivered] = smtp_server.delivered
    assert delivered.rcpt_tos == [paid_order.email]
    assert delivered.message["Subject"] == "Your Nocturne painting in full resolution"
    assert f"/en/orders/{paid_order.token}/hd/" in delivered.message.as_string()
    assert smtp_server.logins == [("LOGIN", USER, True)]
    paid_order.refresh_from_db()
    assert paid_order.hd_email_sent_at is not None


def test_a_recipient_refused_for_good_is_recorded_and_not_retried(paid_order: Order, smtp_server: MailServer) -> None:
    smtp_server.script = [REFUSE_RECIPIENT_550]

    result = order_hd_email_send.apply(args=[paid_order.pk])

    assert result.successful()
    assert smtp_server.attempts == 1
    paid_order.refresh_from_db()
    assert paid_order.hd_email_sent_at is None
    assert list(paid_order.events.filter(kind=OrderEvent.Kind.EMAIL_REFUSED).values_list("data", flat=True)) == [
        {"email": "hd", "code": 550}
    ]


@pytest.mark.parametrize("failure", [REFUSE_RECIPIENT_451, DROP_CONNECTION], ids=["recipient-451", "dropped"])
def test_a_temporary_refusal_or_a_dropped_connection_is_retried(
    paid_order: Order, smtp_server: MailServer, failure: Any
) -> None:
    smtp_server.script = [failure]

    result = order_hd_email_send.apply(args=[paid_order.pk])

    assert result.successful()
    assert smtp_server.attempts == 2
    assert len(smtp_server.delivered) == 1
    paid_order.refresh_from_db()
    assert paid_order.hd_email_sent_at is not None
