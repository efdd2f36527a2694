"""reCAPTCHA (PICMATIX_RECAPTCHA) guards the order form and the direct-upload policy alike.

Google's verification is replaced at our boundary (django_recaptcha.client.submit): the suite never
touches the network. "good" is the only answer the fake accepts, and each answer only once, as Google does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_recaptcha.client import RecaptchaResponse

from conftest import jpeg_bytes
from orders.models import Order
from orders.tests.test_direct_upload import browser_upload

if TYPE_CHECKING:
    from unittest.mock import MagicMock

    from django.test import Client
    from django.test.client import _MonkeyPatchedWSGIResponse
    from pytest_django.fixtures import Settings
    from pytest_mock import MockerFixture

    from picmatix.tests.s3server import S3
    from styles.models import Style


pytestmark = pytest.mark.django_db


@pytest.fixture
def google(settings: Settings, mocker: MockerFixture) -> MagicMock:
    settings.RECAPTCHA_MODE = "on"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    seen: set[str] = set()

    def submit(recaptcha_response: str, private_key: str, remoteip: str) -> RecaptchaResponse:
        fresh = recaptcha_response not in seen
        seen.add(recaptcha_response)
        ok = recaptcha_response.startswith("good") and fresh
        return RecaptchaResponse(is_valid=ok, error_codes=[] if ok else ["invalid-input-response"])

    return mocker.patch("django_recaptcha.client.submit", side_effect=submit)


@pytest.fixture
def direct(s3: S3, settings: Settings, mocker: MockerFixture) -> S3:
    settings.DIRECT_UPLOAD = True
    mocker.patch("orders.enqueue.render_job_enqueue")
    return s3


def ask_policy(client: Client, captcha: str | None, language: str = "en") -> _MonkeyPatchedWSGIResponse:
    data = {} if captcha is None else {"captcha": captcha}
    url = f"/{language}/upload/policy"
    return client.post(url, data, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.7")


def order(client: Client, style: Style, **fields: Any) -> _MonkeyPatchedWSGIResponse:
    return client.post(reverse("orders:upload"), {"style": style.pk, "email": "ana@example.com", **fields})


def test_the_policy_is_refused_without_a_passed_captcha(direct: S3, client: Client, google: MagicMock) -> None:
    response = ask_policy(client, None)
    assert response.status_code == 400
    assert response.json() == {"error": "Please confirm that you are not a robot."}
    google.assert_not_called()  # nothing to ask Google about
    assert ask_policy(client, "bad").status_code == 400
    assert ask_policy(client, "", language="es").json() == {"error": "Por favor, confirma que no eres un robot."}
    assert direct.keys() == []


def test_google_is_told_the_customers_address_not_the_balancers(direct: S3, client: Client, google: MagicMock) -> None:
    assert ask_policy(client, "good-1").status_code == 200
    assert google.call_args.kwargs["remoteip"] == "198.51.100.7"


def test_a_passed_captcha_gives_one_policy_and_one_order_without_a_second_captcha(
    direct: S3, client: Client, style: Style, google: MagicMock
) -> None:
    given = ask_policy(client, "good-1").json()
    assert ask_policy(client, "good-1").status_code == 400  # an answer counts once
    assert browser_upload(given, jpeg_bytes()).status_code == 204
    # The page still posts the widget's (already used) answer; no second check is made.
    response = order(client, style, upload=given["token"], **{"g-recaptcha-response": "good-1"})
    assert response.status_code == 303, response.content.decode()[:3000]
    assert google.call_count == 2
    # The presigned POST still works for a while: the same token must not make a second order.
    assert browser_upload(given, jpeg_bytes()).status_code == 204
    response = order(client, style, upload=given["token"])
    assert "Your photo did not arrive" in response.content.decode()
    assert Order.objects.count() == 1


def test_a_policy_handed_out_while_the_captcha_was_off_does_not_stand_for_one(
    direct: S3, client: Client, style: Style, google: MagicMock, settings: Settings
) -> None:
    settings.RECAPTCHA_MODE = "off"
    given = ask_policy(client, None).json()
    settings.RECAPTCHA_MODE = "on"
    browser_upload(given, jpeg_bytes())
    response = order(client, style, upload=given["token"])
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Order.objects.count() == 0
    assert direct.keys("incoming/") == [given["fields"]["key"]]  # waits while the customer ticks the box


def test_the_normal_upload_form_asks_for_the_captcha(
    client: Client, style: Style, google: MagicMock, mocker: MockerFixture
) -> None:
    mocker.patch("orders.enqueue.render_job_enqueue")

    def photo() -> SimpleUploadedFile:
        return SimpleUploadedFile("photo.jpg", jpeg_bytes(), content_type="image/jpeg")

    page = client.get("/en/").content.decode()
    assert "g-recaptcha" in page
    assert order(client, style, photo=photo(), **{"g-recaptcha-response": "bad"}).status_code == 200
    assert order(client, style, photo=photo(), **{"g-recaptcha-response": "good-2"}).status_code == 303
    assert Order.objects.count() == 1


def test_an_unreachable_google_is_a_refusal_to_retry_not_a_server_error(
    direct: S3, client: Client, style: Style, mocker: MockerFixture, settings: Settings
) -> None:
    from urllib.error import URLError

    settings.RECAPTCHA_MODE = "on"
    mocker.patch("django_recaptcha.client.submit", side_effect=URLError("no route to host"))
    assert ask_policy(client, "good-3").status_code == 400
    photo = SimpleUploadedFile("photo.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = order(client, style, photo=photo, **{"g-recaptcha-response": "good-3"})
    assert response.status_code == 200
    assert "Error verifying reCAPTCHA, please try again." in response.content.decode()


def test_the_page_script_sends_the_captcha_answer_with_the_policy_request() -> None:
    from pathlib import Path

    script = (Path(__file__).resolve().parents[2] / "picmatix/static/picmatix/direct-upload.js").read_text()
    assert "g-recaptcha-response" in script
    assert 'append("captcha"' in script
    assert "body: ask" in script


def test_a_refused_direct_upload_shows_the_captcha_again_for_the_next_photo(
    direct: S3, client: Client, style: Style, google: MagicMock
) -> None:
    from orders.tests.test_orders_per_email import HOURS, earlier_orders

    earlier_orders(style, "ana@example.com", *HOURS)
    given = ask_policy(client, "good-4").json()
    browser_upload(given, jpeg_bytes())
    body = order(client, style, upload=given["token"]).content.decode()
    assert "reached its limit of 5 new orders a day" in body
    assert 'class="g-recaptcha"' in body


def test_a_token_posted_with_a_photo_neither_skips_the_captcha_nor_stays_usable(
    direct: S3, client: Client, style: Style, google: MagicMock
) -> None:
    given = ask_policy(client, "good-5").json()
    photo = SimpleUploadedFile("photo.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = order(client, style, photo=photo, upload=given["token"])
    assert response.status_code == 200
    assert 'class="g-recaptcha"' in response.content.decode()
    assert Order.objects.count() == 0
    # Spent by that request: uploading to its policy afterwards makes no captcha-free order either.
    browser_upload(given, jpeg_bytes())
    assert "Your photo did not arrive" in order(client, style, upload=given["token"]).content.decode()
    assert Order.objects.count() == 0
