"""Direct browser upload to S3 (PICMATIX_DIRECT_UPLOAD=1): a presigned POST, then the usual checks."""

from __future__ import annotations

import base64
import json
import re
from typing import TYPE_CHECKING, Any

import pytest
import requests
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import jpeg_bytes
from orders.direct_upload import SIGNING_SALT
from orders.models import Order

if TYPE_CHECKING:
    from django.test import Client
    from pytest_django.fixtures import Settings
    from pytest_mock import MockerFixture

    from picmatix.tests.s3server import S3
    from styles.models import Style


pytestmark = pytest.mark.django_db
MAX_BYTES = 200_000


@pytest.fixture
def direct(s3: S3, settings: Settings) -> S3:
    settings.DIRECT_UPLOAD = True
    settings.UPLOAD_MAX_BYTES = MAX_BYTES
    return s3


def policy(client: Client) -> dict:
    response = client.post(reverse("orders:upload_policy"))
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    return response.json()


def browser_upload(given: dict, data: bytes, content_type: str = "image/jpeg") -> requests.Response:
    """What direct-upload.js does: the policy's fields, then Content-Type, then the file."""
    fields = {**given["fields"], "Content-Type": content_type}
    return requests.post(given["url"], data=fields, files={"file": ("photo.jpg", data, content_type)}, timeout=10)


def order_form(style: Style, **extra: Any) -> dict:
    return {"style": style.pk, "email": "ana@example.com", **extra}


def test_the_policy_is_for_one_new_incoming_key_limited_in_size_and_type(direct: S3, client: Client) -> None:
    given = policy(client)
    key = given["fields"]["key"]
    assert re.fullmatch(r"incoming/[0-9a-f]{32}", key)
    assert policy(client)["fields"]["key"] != key  # a fresh key every time
    conditions = json.loads(base64.b64decode(given["fields"]["policy"]))["conditions"]
    assert ["content-length-range", 1, MAX_BYTES] in conditions
    assert ["starts-with", "$Content-Type", "image/"] in conditions
    assert {"key": key} in conditions
    assert given["max_bytes"] == MAX_BYTES
    assert signing.loads(given["token"], salt=SIGNING_SALT) == key


def test_s3_refuses_a_photo_over_the_limit(direct: S3, client: Client) -> None:
    response = browser_upload(policy(client), b"\xff\xd8" + b"x" * MAX_BYTES)
    assert response.status_code == 400
    assert b"EntityTooLarge" in response.content
    assert direct.keys("incoming/") == []


def test_s3_refuses_a_file_that_does_not_say_it_is_an_image(direct: S3, client: Client) -> None:
    response = browser_upload(policy(client), b"<html>", content_type="text/html")
    assert response.status_code == 403
    assert direct.keys("incoming/") == []


def test_s3_refuses_an_upload_to_another_key(direct: S3, client: Client) -> None:
    given = policy(client)
    given["fields"]["key"] = "uploads/0123456789abcdef0123456789abcdef.jpg"
    assert browser_upload(given, jpeg_bytes()).status_code == 403
    assert direct.keys("incoming/") == direct.keys("uploads/") == []


def test_an_uploaded_photo_is_checked_stored_as_a_normal_upload_and_the_incoming_copy_deleted(
    direct: S3, client: Client, style: Style, mocker: MockerFixture
) -> None:
    mocker.patch("orders.enqueue.render_job_enqueue")
    given = policy(client)
    assert browser_upload(given, jpeg_bytes((120, 90))).status_code == 204
    assert direct.keys("incoming/") == [given["fields"]["key"]]

    response = client.post(reverse("orders:upload"), order_form(style, upload=given["token"]))
    assert response.status_code == 303, response.content.decode()[:2000]
    order = Order.objects.get()
    assert direct.keys("incoming/") == []
    assert direct.keys("uploads/") == [order.content_image.name]
    assert (order.content_width, order.content_height) == (120, 90)


def test_an_uploaded_file_that_is_no_photo_is_refused_deleted_and_no_order_exists(
    direct: S3, client: Client, style: Style
) -> None:
    given = policy(client)
    # It says image/jpeg, so S3 takes it: our own checks must refuse it.
    assert browser_upload(given, b"%PDF-1.7 not a photo at all").status_code == 204
    response = client.post(reverse("orders:upload"), order_form(style, upload=given["token"]))
    assert response.status_code == 200
    assert "This file is a PDF document." in response.content.decode()
    assert Order.objects.count() == 0
    assert direct.keys("incoming/") == direct.keys("uploads/") == []


def test_the_photo_waits_in_s3_while_the_customer_corrects_the_form(
    direct: S3, client: Client, style: Style, mocker: MockerFixture
) -> None:
    mocker.patch("orders.enqueue.render_job_enqueue")
    given = policy(client)
    browser_upload(given, jpeg_bytes())
    response = client.post(reverse("orders:upload"), order_form(style, email="not-an-email", upload=given["token"]))
    assert response.status_code == 200
    assert given["token"] in response.content.decode()  # the page keeps it
    assert direct.keys("incoming/") == [given["fields"]["key"]]
    response = client.post(reverse("orders:upload"), order_form(style, upload=given["token"]))
    assert response.status_code == 303
    assert Order.objects.count() == 1


def test_a_forged_token_names_no_upload(direct: S3, client: Client, style: Style) -> None:
    forged = signing.dumps("uploads/0123456789abcdef0123456789abcdef.jpg", salt=SIGNING_SALT)
    for token in ("incoming/0123456789abcdef0123456789abcdef", forged):
        response = client.post(reverse("orders:upload"), order_form(style, upload=token))
        assert response.status_code == 200
        assert "Your photo did not arrive" in response.content.decode()
    assert Order.objects.count() == 0


def test_the_normal_upload_still_works_with_direct_upload_on(
    direct: S3, client: Client, style: Style, mocker: MockerFixture
) -> None:
    mocker.patch("orders.enqueue.render_job_enqueue")
    photo = SimpleUploadedFile("photo.jpg", jpeg_bytes(), "image/jpeg")
    response = client.post(reverse("orders:upload"), order_form(style, photo=photo, upload=""))
    assert response.status_code == 303
    assert len(direct.keys("uploads/")) == 1


def test_the_upload_page_offers_direct_upload_only_when_switched_on(
    direct: S3, client: Client, settings: Settings, style: Style
) -> None:
    page = client.get(reverse("orders:upload")).content.decode()
    assert 'data-direct-upload="/en/upload/policy"' in page
    assert "direct-upload.js" in page
    settings.DIRECT_UPLOAD = False
    page = client.get(reverse("orders:upload")).content.decode()
    assert "data-direct-upload" not in page
    assert 'name="upload"' not in page
    assert client.post(reverse("orders:upload_policy")).status_code == 404
