from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.core import mail

from orders.emails import preview_email
from orders.models import Order, OrderEvent
from orders.tasks import order_preview_email_send

if TYPE_CHECKING:
    from pytest_django.fixtures import Settings
    from pytest_mock import MockerFixture

    from styles.models import Style


pytestmark = pytest.mark.django_db


@pytest.fixture
def order(style: Style) -> Order:
    return Order.objects.create(email="ana@example.com", style=style, content_image="uploads/x.jpg", language="en")


def test_the_preview_email_speaks_english_with_the_absolute_link(order: Order, settings: Settings) -> None:
    settings.SITE_URL = "https://shop.example"
    email = preview_email(order)
    assert email.subject == "Your Nocturne painting is ready to preview"
    link = f"https://shop.example/en/orders/{order.token}/"
    assert link in email.text
    assert f'href="{link}"' in email.html
    assert "pay what you want" in email.text


def test_the_preview_email_speaks_spanish_with_the_spanish_style_name(order: Order, settings: Settings) -> None:
    settings.SITE_URL = "https://shop.example"
    order.language = "es"
    order.save()
    email = preview_email(order)
    assert email.subject == "Tu cuadro Nocturno está listo para ver"
    assert f"https://shop.example/es/orders/{order.token}/" in email.text
    assert "pagar lo que quieras" in email.text
    assert 'lang="es"' in email.html


def test_the_email_task_sends_once_and_records_it(order: Order) -> None:
    order_preview_email_send(order.pk)
    order_preview_email_send(order.pk)  # a redelivered message
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana@example.com"]
    assert message.alternatives[0][1] == "text/html"
    order.refresh_from_db()
    assert order.preview_email_sent_at is not None
    assert list(order.events.values_list("kind", flat=True)) == [OrderEvent.Kind.PREVIEW_EMAIL_SENT]


def test_a_mail_server_failure_is_retried_until_it_goes_through(order: Order, mocker: MockerFixture) -> None:
    import smtplib

    send = mocker.patch("core.mail.email_send", side_effect=[smtplib.SMTPServerDisconnected("gone"), None])
    order_preview_email_send.apply(args=[order.pk])
    assert send.call_count == 2
    order.refresh_from_db()
    assert order.preview_email_sent_at is not None


def test_a_permanent_mail_problem_is_not_marked_as_sent(order: Order, mocker: MockerFixture) -> None:
    mocker.patch("core.mail.email_send", side_effect=ValueError("bad address"))
    result = order_preview_email_send.apply(args=[order.pk])
    assert result.failed()
    order.refresh_from_db()
    assert order.preview_email_sent_at is None
