"""Behind a load balancer every request comes from the balancer's address: the rate limits must
count each customer by the address the trusted proxies forwarded, and nobody else's claim."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import jpeg_bytes
from orders.models import Order

if TYPE_CHECKING:
    from django.test import Client
    from django.test.client import _MonkeyPatchedWSGIResponse
    from pytest_django.fixtures import Settings
    from pytest_mock import MockerFixture

    from picmatix.tests.s3server import S3
    from styles.models import Style


pytestmark = pytest.mark.django_db
BALANCER = "10.0.0.5"


@pytest.fixture
def behind_balancer(settings: Settings, mocker: MockerFixture) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    mocker.patch("rendering.tasks.render_job_run.delay")


def upload(
    client: Client, style: Style, *, remote: str = BALANCER, forwarded: str | None = None
) -> _MonkeyPatchedWSGIResponse:
    data = {
        "photo": SimpleUploadedFile("photo.jpg", jpeg_bytes(), content_type="image/jpeg"),
        "style": style.pk,
        "email": "ana@example.com",
    }
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post("/en/", data, **headers)


def test_one_visitor_posting_empty_forms_does_not_lock_out_the_other_customers(
    client: Client, style: Style, behind_balancer: None
) -> None:
    # The default limit is 20 an hour: the 21st empty POST from one visitor is refused...
    statuses = [
        client.post("/en/", {}, REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code
        for _ in range(21)
    ]
    assert statuses == [200] * 20 + [429]
    # ...and a customer arriving through the same balancer still gets their order.
    assert upload(client, style, forwarded="203.0.113.50").status_code == 303
    assert Order.objects.count() == 1


def test_two_customers_behind_one_trusted_proxy_have_separate_limits(
    client: Client, style: Style, settings: Settings, behind_balancer: None
) -> None:
    settings.UPLOAD_RATE = "2/h"
    first = [upload(client, style, forwarded="198.51.100.7").status_code for _ in range(3)]
    assert first == [303, 303, 429]
    assert upload(client, style, forwarded="203.0.113.50").status_code == 303
    assert Order.objects.count() == 3


def test_a_forged_forwarded_for_from_an_untrusted_address_is_ignored(
    client: Client, style: Style, settings: Settings, behind_balancer: None
) -> None:
    settings.UPLOAD_RATE = "2/h"
    # A visitor who talks to the shop directly and makes up a new address every time is still
    # counted by their socket's address.
    statuses = [upload(client, style, remote="198.51.100.7", forwarded=f"203.0.113.{n}").status_code for n in range(3)]
    assert statuses == [303, 303, 429]
    assert upload(client, style, remote="198.51.100.7").status_code == 429
    assert Order.objects.count() == 2


def test_the_direct_upload_policy_is_limited_per_customer_behind_the_proxy(
    client: Client, s3: S3, settings: Settings, behind_balancer: None
) -> None:
    settings.DIRECT_UPLOAD = True
    settings.UPLOAD_RATE = "1/h"

    def ask(forwarded: str) -> int:
        url = reverse("orders:upload_policy")
        return client.post(url, REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert [ask("198.51.100.7"), ask("198.51.100.7"), ask("203.0.113.50")] == [200, 429, 200]
