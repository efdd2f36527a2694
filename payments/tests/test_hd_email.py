"""The HD email: both languages, the signed link, sent once, re-sent by staff on request."""

from __future__ import annotations

import pytest
from django.core import mail

from orders.models import Order
from payments.emails import hd_email
from payments.tasks import order_hd_email_send
from payments.tests.conftest import make_ready_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order(style, prices):
    order = make_ready_order(style)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID)
    order.refresh_from_db()
    return order


def test_the_hd_email_speaks_english_with_the_signed_link(paid_order, settings):
    settings.SITE_URL = "https://shop.example"
    email = hd_email(paid_order)
    assert email.subject == "Your Nocturne painting in full resolution"
    prefix = f"https://shop.example/en/orders/{paid_order.token}/hd/"
    assert prefix in email.text and f'href="{prefix}' in email.html
    assert "The link works until" in email.text


def test_the_hd_email_speaks_spanish(paid_order, settings):
    settings.SITE_URL = "https://shop.example"
    paid_order.language = "es"
    paid_order.save()
    email = hd_email(paid_order)
    assert email.subject == "Tu cuadro Nocturno en alta resolución"
    assert f"https://shop.example/es/orders/{paid_order.token}/hd/" in email.text
    assert "El enlace funciona hasta el" in email.text
    assert "Descargar mi cuadro" in email.html and 'lang="es"' in email.html


def test_the_task_sends_once_and_only_for_a_paid_order(paid_order, style):
    order_hd_email_send(paid_order.pk)
    order_hd_email_send(paid_order.pk)  # a redelivered message
    unpaid = make_ready_order(style)
    order_hd_email_send(unpaid.pk)
    assert [message.to for message in mail.outbox] == [["ana@example.com"]]
    assert list(paid_order.events.values_list("kind", flat=True)) == ["hd_email_sent"]


def test_a_mail_server_failure_is_retried(paid_order, mocker):
    import smtplib

    send = mocker.patch("payments.tasks.email_send", side_effect=[smtplib.SMTPServerDisconnected("gone"), None])
    order_hd_email_send.apply(args=[paid_order.pk])
    assert send.call_count == 2
    paid_order.refresh_from_db()
    assert paid_order.hd_email_sent_at is not None


def test_staff_resend_the_link_from_the_admin(
    admin_client, paid_order, style, eager_tasks, django_capture_on_commit_callbacks
):
    order_hd_email_send(paid_order.pk)
    unpaid = make_ready_order(style)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/orders/order/",
            {"action": "resend_hd_email", "_selected_action": [paid_order.pk, unpaid.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert b"Download emails queued: 1." in response.content
    assert b"Orders not paid, nothing sent: 1." in response.content
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["ana@example.com"]
    kinds = list(paid_order.events.values_list("kind", "actor"))
    assert kinds[-2:] == [("hd_email_resend_requested", "staff:admin"), ("hd_email_sent", "system")]
