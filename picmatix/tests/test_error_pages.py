"""Error pages: in the customer's language, in the shop's design; the 500 page without the database."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.core.checks import run_checks
from django.test import Client

from core.checks import OPERATOR

if TYPE_CHECKING:
    from pytest_django.fixtures import Settings


pytestmark = pytest.mark.urls("picmatix.tests.error_urls")

PAGES = {
    # status: (path, English heading, Spanish heading)
    400: ("fail/400/", "Something was wrong with that request", "Algo no estaba bien en esa petición"),
    403: ("fail/403/", "Not allowed", "No permitido"),
    404: ("no-such-page/", "Not found", "No encontrado"),
    500: ("fail/500/", "Something went wrong on our side", "Algo ha fallado por nuestra parte"),
}


def _client() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("status", sorted(PAGES))
@pytest.mark.parametrize("language", ["en", "es"])
def test_each_error_page_speaks_the_customer_s_language_in_the_site_s_design(
    status: int, language: str, settings: Settings
) -> None:
    """No `db` mark: pytest-django refuses every query, so these pages must render without the database."""
    settings.DEBUG = False
    path, english, spanish = PAGES[status]
    response = _client().get(f"/{language}/{path}")
    assert response.status_code == status
    body = response.content.decode()
    assert (english if language == "en" else spanish) in body
    assert f'<html lang="{language}">' in body
    assert 'class="site-header"' in body
    assert "picmatix/site.css" in body


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_refused_csrf_token_explains_what_to_do(language: str, settings: Settings) -> None:
    settings.DEBUG = False
    response = Client(enforce_csrf_checks=True).post(f"/{language}/fail/csrf/", {})
    assert response.status_code == 403
    body = response.content.decode()
    assert ("Please reload the page" if language == "en" else "Vuelve a cargar la página") in body
    assert "CSRF" not in body  # Django's own page speaks of CSRF tokens, in English


def test_the_429_page_exists_in_both_languages() -> None:
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("es"):
        assert "Demasiadas peticiones" in render_to_string("429.html")
    with translation.override("en"):
        assert "Too many requests" in render_to_string("429.html")


@pytest.mark.django_db
def test_customer_pages_say_nothing_about_the_shop_s_set_up(client: Client, settings: Settings) -> None:
    settings.RECAPTCHA_MODE = "off"
    body = client.get("/en/").content.decode()
    assert "reCAPTCHA" not in body
    assert "not configured" not in body


def test_set_up_notices_go_to_the_system_checks(settings: Settings) -> None:
    settings.RECAPTCHA_MODE = "off"
    settings.PAYMENTS_PROVIDER = "off"
    ids = {message.id for message in run_checks(tags=[OPERATOR])}
    assert ids == {"picmatix.I001", "picmatix.I002"}
    settings.PAYMENTS_PROVIDER = "demo"
    assert {message.id for message in run_checks(tags=[OPERATOR])} == {"picmatix.I001", "picmatix.I003"}
    settings.RECAPTCHA_MODE = "on"
    settings.PAYMENTS_PROVIDER = "stripe"
    assert run_checks(tags=[OPERATOR]) == []


@pytest.mark.django_db
def test_set_up_notices_are_listed_on_the_admin_home_page_for_staff(admin_client: Client, settings: Settings) -> None:
    settings.RECAPTCHA_MODE = "off"
    settings.PAYMENTS_PROVIDER = "off"
    body = admin_client.get("/admin/").content.decode()
    assert 'id="operator-notices"' in body
    assert "PICMATIX_RECAPTCHA=on" in body
    assert "STRIPE_SECRET_KEY" in body
