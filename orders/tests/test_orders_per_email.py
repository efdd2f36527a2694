"""One email address may place only so many orders a day: each one queues a render and sends mail."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from conftest import jpeg_bytes, stored_files
from orders.models import Order
from orders.tests.test_direct_upload import browser_upload, policy

if TYPE_CHECKING:
    from unittest.mock import MagicMock

    from django.test import Client
    from django.test.client import _MonkeyPatchedWSGIResponse
    from pytest_django.fixtures import DjangoAssertNumQueries, Settings
    from pytest_mock import MockerFixture

    from picmatix.tests.s3server import S3
    from styles.models import Style


pytestmark = pytest.mark.django_db


def earlier_orders(style: Style, email: str, *ages: timedelta) -> None:
    now = timezone.now()
    for age in ages:
        order = Order.objects.create(email=email, style=style, content_image="uploads/earlier.jpg")
        Order.objects.filter(pk=order.pk).update(created_at=now - age)


def upload(
    client: Client, style: Style, email: str = "ana@example.com", language: str = "en"
) -> _MonkeyPatchedWSGIResponse:
    photo = SimpleUploadedFile("photo.jpg", jpeg_bytes(), content_type="image/jpeg")
    return client.post(f"/{language}/", {"photo": photo, "style": style.pk, "email": email})


@pytest.fixture
def direct(s3: S3, settings: Settings) -> S3:
    settings.DIRECT_UPLOAD = True
    return s3


@pytest.fixture
def queued(mocker: MockerFixture) -> MagicMock:
    return mocker.patch("orders.enqueue.render_job_enqueue")


HOURS = [timedelta(hours=20, minutes=30), *(timedelta(hours=h) for h in (10, 5, 2, 1))]


def test_the_sixth_order_of_a_day_is_refused_saying_when_to_come_back(
    client: Client, style: Style, media: Path, queued: MagicMock
) -> None:
    earlier_orders(style, "ana@example.com", *HOURS)
    response = upload(client, style, email="Ana@EXAMPLE.com")
    assert response.status_code == 200
    body = response.content.decode()
    assert "This email address has reached its limit of 5 new orders a day" in body
    # The oldest of the five leaves the 24 hours in 3 h 30 min (less the milliseconds of this test).
    assert "You can order again in 3\xa0hours, 29\xa0minutes." in body
    assert Order.objects.count() == 5
    assert not (media / "uploads").exists() or stored_files(media / "uploads") == []
    queued.assert_not_called()


def test_the_refusal_is_in_the_customers_language(client: Client, style: Style, queued: MagicMock) -> None:
    earlier_orders(style, "ana@example.com", *HOURS)
    body = upload(client, style, language="es").content.decode()
    assert "Esta dirección de correo ya alcanzó su límite de 5 pedidos nuevos al día" in body
    assert "Podrás volver a pedir dentro de 3\xa0horas, 29\xa0minutos." in body


def test_orders_older_than_a_day_and_other_addresses_do_not_count(
    client: Client, style: Style, queued: MagicMock
) -> None:
    earlier_orders(style, "ana@example.com", timedelta(hours=24, minutes=1), *HOURS[1:])
    earlier_orders(style, "bea@example.com", timedelta(hours=1))
    assert upload(client, style).status_code == 303
    assert upload(client, style).status_code == 200  # now five within the day
    assert upload(client, style, email="bea@example.com").status_code == 303
    assert Order.objects.count() == 8


def test_the_limit_is_configurable(client: Client, style: Style, settings: Settings, queued: MagicMock) -> None:
    settings.ORDERS_PER_EMAIL_PER_DAY = 1
    assert [upload(client, style).status_code for _ in range(2)] == [303, 200]
    settings.ORDERS_PER_EMAIL_PER_DAY = 0  # off
    assert upload(client, style).status_code == 303


def test_a_direct_upload_over_the_limit_is_refused_and_its_photo_deleted_unread(
    direct: S3, client: Client, style: Style, queued: MagicMock, mocker: MockerFixture
) -> None:
    import orders.forms

    earlier_orders(style, "ana@example.com", *HOURS)
    take = mocker.spy(orders.forms, "direct_upload_take")
    given = policy(client)
    assert browser_upload(given, jpeg_bytes()).status_code == 204
    response = client.post(
        reverse("orders:upload"), {"style": style.pk, "email": "ana@example.com", "upload": given["token"]}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "reached its limit of 5 new orders a day" in body
    assert given["token"] not in body  # the photo is gone: the page must not offer it again
    take.assert_not_called()
    assert direct.keys("incoming/") == direct.keys("uploads/") == []
    assert Order.objects.count() == 5


def test_the_count_is_one_indexed_query(style: Style, django_assert_num_queries: DjangoAssertNumQueries) -> None:
    from orders.selectors import order_email_retry_at

    earlier_orders(style, "ana@example.com", *HOURS)
    with django_assert_num_queries(1) as captured:
        assert order_email_retry_at(email="ANA@example.com", per_day=5) is not None
    explain = {"sqlite": "EXPLAIN QUERY PLAN ", "postgresql": "EXPLAIN "}[connection.vendor]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A handful of rows is cheaper to scan: ask whether the index can serve the query at all.
            cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(explain + captured.captured_queries[0]["sql"])
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "orders_order_mailbox_day" in plan, plan


@pytest.mark.pg
def test_the_count_is_one_indexed_query_on_postgresql(
    style: Style, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    test_the_count_is_one_indexed_query(style, django_assert_num_queries)


@pytest.mark.parametrize(
    ("spelling", "mailbox"),
    [
        ("Ana@Example.com", "ana@example.com"),
        ("ana+paintings@example.com", "ana@example.com"),
        ("a.n.a+x@GoogleMail.com", "ana@gmail.com"),
        ("A.N.A@gmail.com", "ana@gmail.com"),
        ("ana@bücher.example", "ana@xn--bcher-kva.example"),
        ("ana@XN--BCHER-KVA.example", "ana@xn--bcher-kva.example"),
        ("a.na@example.com", "a.na@example.com"),  # dots matter outside Gmail
    ],
)
def test_spellings_of_one_mailbox_share_one_key(spelling: str, mailbox: str) -> None:
    from orders.mailbox import mailbox_of

    assert mailbox_of(spelling) == mailbox


def test_other_spellings_of_the_same_mailbox_count_against_its_limit(
    client: Client, style: Style, media: Path, queued: MagicMock
) -> None:
    earlier_orders(style, "ana+1@gmail.com", *HOURS[:2])
    earlier_orders(style, "A.NA+2@googlemail.com", *HOURS[2:])
    body = upload(client, style, email="an.a@gmail.com").content.decode()
    assert "reached its limit of 5 new orders a day" in body
    assert Order.objects.count() == 5


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_parallel_orders_from_one_mailbox_pass_the_limit_only_as_often_as_it_allows(
    style: Style, media: Path, queued: MagicMock
) -> None:
    import threading

    from django.db import connections

    from orders.images import CleanPhoto
    from orders.services import OrdersPerDayReached, order_create

    earlier_orders(style, "ana@example.com", *HOURS[1:])  # four: one more may pass
    start = threading.Barrier(6)
    outcomes: list[str] = []

    def request(number: int) -> None:
        photo = CleanPhoto(data=jpeg_bytes(), extension="jpg", width=64, height=48)
        start.wait()
        try:
            order_create(email=f"ana+{number}@example.com", style=style, photo=photo, language="en", per_day=5)
            outcomes.append("made")
        except OrdersPerDayReached:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request, args=(number,)) for number in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["made", *["refused"] * 5]
    assert Order.objects.count() == 5
