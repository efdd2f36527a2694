"""A customer who lost the email types their address and gets the links to their orders by email.

The page answers the same whether or not the address has orders; the links go only to the address
each order was placed with, each in that order's language; requests are limited per mailbox and per
client; a mail server that fails loses no request.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone

from orders.find_orders import order_links_email_send, order_links_outbox_send
from orders.models import Order, OrderLinksRequest

if TYPE_CHECKING:
    from django.core.mail import EmailMessage, EmailMultiAlternatives
    from django.test import Client
    from django.test.client import _MonkeyPatchedWSGIResponse
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings
    from pytest_mock import MockerFixture

    from styles.models import Style


pytestmark = pytest.mark.django_db
URL = "/en/find-my-orders/"


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """The email task runs in the test's process the moment it is queued."""
    from picmatix.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False
    app.conf.task_eager_propagates = False


def place(style: Style, email: str = "ana@example.com", language: str = "en") -> Order:
    return Order.objects.create(email=email, style=style, content_image="uploads/x.jpg", language=language)


def find(
    client: Client, email: str, *, ip: str = "198.51.100.7", forwarded: str | None = None
) -> _MonkeyPatchedWSGIResponse:
    headers = {"REMOTE_ADDR": ip}
    if forwarded:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(URL, {"email": email}, **headers)


def test_the_home_and_order_pages_link_to_it(client: Client, style: Style) -> None:
    order = place(style)
    assert f'href="{URL}"' in client.get("/en/").content.decode()
    assert f'href="{URL}"' in client.get(f"/en/orders/{order.token}/").content.decode()
    assert client.get(URL).status_code == 200


def test_the_answer_is_the_same_whether_or_not_the_address_has_orders(client: Client, style: Style) -> None:
    place(style)
    known = find(client, "ana@example.com")
    unknown = find(client, "nobody@example.com")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known.status_code == 303
    page = client.get(known["Location"]).content.decode()
    assert "If this address has orders with us" in page
    assert "ana@example.com" not in page


def test_the_email_lists_each_order_in_its_own_language(
    client: Client,
    style: Style,
    eager_tasks: None,
    mailoutbox: list[EmailMultiAlternatives],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    english, spanish = place(style, language="en"), place(style, language="es")
    someone_else = place(style, email="bo@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        find(client, "ana@example.com")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["ana@example.com"]
    body = str(message.body)
    assert f"http://127.0.0.1:8000/en/orders/{english.token}/" in body
    assert f"http://127.0.0.1:8000/es/orders/{spanish.token}/" in body
    assert "Nocturne · Painting" in body
    assert "Nocturno · Pintando" in body
    assert someone_else.token not in body
    html = str(message.alternatives[0][0])
    assert f"/es/orders/{spanish.token}/" in html
    assert OrderLinksRequest.objects.count() == 0  # sent: the request is forgotten


def test_an_address_without_orders_gets_no_email(
    client: Client,
    style: Style,
    eager_tasks: None,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        find(client, "nobody@example.com")
    assert mailoutbox == []
    assert OrderLinksRequest.objects.count() == 0


def test_links_go_only_to_the_address_each_order_was_placed_with(
    client: Client,
    style: Style,
    eager_tasks: None,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    # Another spelling of the same mailbox finds the orders, but a made-up "+tag" address (a different
    # mailbox at a provider without plus addressing) must not receive them: only the order's own does.
    order = place(style, email="ana.b@gmail.com")
    with django_capture_on_commit_callbacks(execute=True):
        find(client, "AnaB+thief@googlemail.com")
    assert [message.to for message in mailoutbox] == [["ana.b@gmail.com"]]
    assert order.token in str(mailoutbox[0].body)


def test_orders_whose_data_was_deleted_are_not_listed(
    client: Client,
    style: Style,
    eager_tasks: None,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    from orders.deletion import order_customer_data_delete

    kept, deleted = place(style), place(style)
    order_customer_data_delete(order_id=deleted.pk, actor="customer")
    with django_capture_on_commit_callbacks(execute=True):
        find(client, "ana@example.com")
    body = str(mailoutbox[0].body)
    assert kept.token in body
    assert deleted.token not in body


def test_one_mailbox_is_limited_whatever_its_spelling_and_the_answer_does_not_change(
    client: Client, style: Style, settings: Settings
) -> None:
    settings.FIND_ORDERS_ADDRESS_RATE = "2/h"
    place(style)
    spellings = ["ana@example.com", "ANA@example.com", "ana+1@example.com"]
    answers = [find(client, email, ip=f"198.51.100.{n}") for n, email in enumerate(spellings, start=1)]
    assert [(answer.status_code, answer["Location"]) for answer in answers] == [(303, f"{URL}?sent=1")] * 3
    assert OrderLinksRequest.objects.count() == 2


def test_one_client_is_limited(client: Client, style: Style, settings: Settings) -> None:
    settings.FIND_ORDERS_RATE = "2/h"
    statuses = [find(client, f"person{n}@example.com").status_code for n in range(3)]
    assert statuses == [303, 303, 429]
    assert OrderLinksRequest.objects.count() == 2


def test_clients_behind_a_trusted_proxy_are_counted_apart(client: Client, style: Style, settings: Settings) -> None:
    settings.FIND_ORDERS_RATE = "1/h"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert find(client, "a@example.com", ip="10.0.0.5", forwarded="198.51.100.7").status_code == 303
    assert find(client, "b@example.com", ip="10.0.0.5", forwarded="203.0.113.50").status_code == 303
    assert find(client, "c@example.com", ip="10.0.0.5", forwarded="198.51.100.7").status_code == 429
    # A forged header from an untrusted peer changes nothing: it is counted by its own address.
    assert find(client, "d@example.com", ip="192.0.2.1", forwarded="203.0.113.9").status_code == 303
    assert find(client, "e@example.com", ip="192.0.2.1", forwarded="203.0.113.10").status_code == 429


def test_a_failing_mail_server_loses_nothing(
    client: Client,
    style: Style,
    mailoutbox: list[EmailMessage],
    mocker: MockerFixture,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    order = place(style)
    mocker.patch("orders.enqueue.task_send")  # the task's own retries were lost with the broker
    with django_capture_on_commit_callbacks(execute=True):
        find(client, "ana@example.com")
    request = OrderLinksRequest.objects.get()
    send = mocker.patch("core.mail.email_send", side_effect=smtplib.SMTPServerDisconnected("down"))
    with pytest.raises(smtplib.SMTPServerDisconnected, match="down"):
        order_links_email_send(request_id=request.pk)
    assert OrderLinksRequest.objects.filter(pk=request.pk).exists()
    # The server is back: the outbox sends it once it is overdue, and never twice.
    send.side_effect = None
    send.reset_mock()
    assert order_links_outbox_send()["sent"] == 0  # not overdue yet: the task may still send it
    OrderLinksRequest.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    assert order_links_outbox_send()["sent"] == 1
    assert order_links_outbox_send()["sent"] == 0
    assert send.call_count == 1
    assert order.token in send.call_args.args[0].text


def test_a_request_too_old_is_dropped_unsent(style: Style, mocker: MockerFixture) -> None:
    place(style)
    request = OrderLinksRequest.objects.create(mailbox="ana@example.com", language="en")
    OrderLinksRequest.objects.filter(pk=request.pk).update(created_at=timezone.now() - timedelta(days=2))
    send = mocker.patch("core.mail.email_send")
    assert order_links_outbox_send()["sent"] == 0
    assert send.call_count == 0
    assert OrderLinksRequest.objects.count() == 0


def test_the_page_is_in_spanish(client: Client) -> None:
    assert "Encontrar mis pedidos" in client.get("/es/find-my-orders/").content.decode()
