"""The HD email: both languages, the signed link, sent once, re-sent by staff on request."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.core import mail

from orders.models import Order, OrderEvent
from payments.emails import hd_email
from payments.tasks import order_hd_email_send
from payments.tests.conftest import make_ready_order

if TYPE_CHECKING:
    from django.test import Client
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings
    from pytest_mock import MockerFixture

    from styles.models import Style


pytestmark = pytest.mark.django_db


def test_the_hd_email_speaks_english_with_the_signed_link(paid_order: Order, settings: Settings) -> None:
    settings.SITE_URL = "https://shop.example"
    email = hd_email(paid_order)
    assert email.subject == "Your Nocturne painting in full resolution"
    prefix = f"https://shop.example/en/orders/{paid_order.token}/hd/"
    assert prefix in email.text
    assert f'href="{prefix}' in email.html
    assert "The link works until" in email.text


def test_the_hd_email_speaks_spanish(paid_order: Order, settings: Settings) -> None:
    settings.SITE_URL = "https://shop.example"
    paid_order.language = "es"
    paid_order.save()
    email = hd_email(paid_order)
    assert email.subject == "Tu cuadro Nocturno en alta resolución"
    assert f"https://shop.example/es/orders/{paid_order.token}/hd/" in email.text
    assert "El enlace funciona hasta el" in email.text
    assert "Descargar mi cuadro" in email.html
    assert 'lang="es"' in email.html


def test_the_task_sends_once_and_only_for_a_paid_order(paid_order: Order, style: Style) -> None:
    order_hd_email_send(paid_order.pk)
    order_hd_email_send(paid_order.pk)  # a redelivered message
    unpaid = make_ready_order(style)
    order_hd_email_send(unpaid.pk)
    assert [message.to for message in mail.outbox] == [["ana@example.com"]]
    assert list(paid_order.events.values_list("kind", flat=True)) == [OrderEvent.Kind.HD_EMAIL_SENT]


def test_a_mail_server_failure_is_retried(paid_order: Order, mocker: MockerFixture) -> None:
    import smtplib

    send = mocker.patch("core.mail.email_send", side_effect=[smtplib.SMTPServerDisconnected("gone"), None])
    order_hd_email_send.apply(args=[paid_order.pk])
    assert send.call_count == 2
    paid_order.refresh_from_db()
    assert paid_order.hd_email_sent_at is not None


def test_staff_resend_the_link_from_the_admin(
    admin_client: Client,
    paid_order: Order,
    style: Style,
    eager_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
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
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == ["ana@example.com"]
    kinds = list(paid_order.events.values_list("kind", "actor"))
    assert kinds[-2:] == [
        (OrderEvent.Kind.HD_EMAIL_RESEND_REQUESTED, "staff:admin"),
        (OrderEvent.Kind.HD_EMAIL_SENT, "system"),
    ]


@pytest.fixture
def fresh_rate_limits() -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.mark.parametrize(
    ("language", "button", "sent"),
    [
        ("en", "Email me a new download link", "We have emailed a new download link"),
        ("es", "Envíame un enlace de descarga nuevo", "Hemos enviado un enlace de descarga nuevo"),
    ],
)
def test_the_customer_asks_for_a_new_link_from_the_order_page(
    client: Client,
    paid_order: Order,
    eager_tasks: None,
    fresh_rate_limits: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    language: str,
    button: str,
    sent: str,
) -> None:
    page = f"/{language}/orders/{paid_order.token}/"
    assert button in client.get(page).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/{language}/orders/{paid_order.token}/new-link/")
    assert response.status_code == 303
    assert response["Location"] == page + "?link=sent"
    assert [message.to for message in mail.outbox] == [["ana@example.com"]]  # the order's address only
    assert f"/orders/{paid_order.token}/hd/" in mail.outbox[0].body
    assert sent in client.get(response["Location"]).content.decode()
    kinds = list(paid_order.events.values_list("kind", "actor"))
    assert kinds[-2:] == [
        (OrderEvent.Kind.HD_EMAIL_RESEND_REQUESTED, "customer"),
        (OrderEvent.Kind.HD_EMAIL_SENT, "system"),
    ]


def test_the_expired_link_page_offers_a_new_link(
    client: Client, paid_order: Order, settings: Settings, mocker: MockerFixture
) -> None:
    import time

    from payments.links import hd_link_signature

    url = f"/en/orders/{paid_order.token}/hd/{hd_link_signature(paid_order.token)}/"
    mocker.patch("django.core.signing.time.time", return_value=time.time() + 8 * 24 * 3600)
    response = client.get(url)
    assert response.status_code == 410
    assert f'action="/en/orders/{paid_order.token}/new-link/"' in response.content.decode()


def test_new_links_are_limited_per_order(
    client: Client,
    paid_order: Order,
    settings: Settings,
    eager_tasks: None,
    fresh_rate_limits: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.HD_LINK_REQUEST_RATE = "2/h"
    url = f"/en/orders/{paid_order.token}/new-link/"
    with django_capture_on_commit_callbacks(execute=True):
        outcomes = [client.post(url)["Location"].rsplit("=", 1)[1] for _ in range(3)]
    assert outcomes == ["sent", "sent", "limited"]
    assert len(mail.outbox) == 2
    assert "try again in an hour" in client.get(f"/en/orders/{paid_order.token}/?link=limited").content.decode()


def test_no_new_link_for_an_unpaid_order_or_a_deleted_file(
    client: Client,
    paid_order: Order,
    style: Style,
    settings: Settings,
    fresh_rate_limits: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.RETENTION_PAID_DAYS = 365
    unpaid = make_ready_order(style)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/en/orders/{unpaid.token}/new-link/")["Location"].endswith("?link=not_paid")
        paid_order.current_job.__class__.objects.filter(order=paid_order).update(hd="")  # retention's doing
        response = client.post(f"/en/orders/{paid_order.token}/new-link/")
    assert response["Location"].endswith("?link=gone")
    assert mail.outbox == []
    assert "for 365 days after payment" in client.get(response["Location"]).content.decode()
    assert client.get(f"/en/orders/{paid_order.token}/new-link/").status_code == 405


def test_the_hd_email_states_the_pixel_and_print_size_in_both_languages(paid_order: Order) -> None:
    paid_order.jobs.update(stats={"hd_size": [3840, 2880]})
    english = hd_email(paid_order)
    size = "3840 × 2880 px, 32.5 × 24.4 cm / 12.8 × 9.6 in at 300 dpi"
    assert f"The file is {size}." in english.text
    assert f"The file is {size}." in english.html
    paid_order.language = "es"
    spanish = hd_email(paid_order)
    size = "3840 × 2880 px, 32,5 × 24,4 cm / 12,8 × 9,6 pulg. a 300 ppp"
    assert f"El archivo mide {size}." in spanish.text
    assert f"El archivo mide {size}." in spanish.html
