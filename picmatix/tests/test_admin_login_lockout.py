"""Guessing at the admin password: after a few wrong ones the username is locked for that address."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client
    from django.test.client import _MonkeyPatchedWSGIResponse
    from pytest_django.fixtures import Settings


pytestmark = pytest.mark.django_db
OFFICE = "198.51.100.7"
ATTACKER = "203.0.113.66"


@pytest.fixture
def staff(django_user_model: type[User], settings: Settings) -> User:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    return django_user_model.objects.create_user("curator", password="right-horse-battery", is_staff=True)


def sign_in(client: Client, password: str, address: str, language: str = "en") -> _MonkeyPatchedWSGIResponse:
    # Through the load balancer: the address is the customer's as the balancer forwarded it.
    headers = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": address, "HTTP_ACCEPT_LANGUAGE": language}
    return client.post("/admin/login/?next=/admin/", {"username": "curator", "password": password}, **headers)


def test_after_five_wrong_passwords_the_right_one_is_refused_from_that_address(client: Client, staff: User) -> None:
    assert [sign_in(client, f"guess-{n}", ATTACKER).status_code for n in range(4)] == [200] * 4
    locked = sign_in(client, "guess-5", ATTACKER)
    assert locked.status_code == 429
    refused = sign_in(client, "right-horse-battery", ATTACKER)
    assert refused.status_code == 429
    assert "Sign-in locked" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_same_account_from_another_address_is_not_locked(client: Client, staff: User) -> None:
    for n in range(6):
        sign_in(client, f"guess-{n}", ATTACKER)
    response = sign_in(client, "right-horse-battery", OFFICE)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_the_lockout_page_says_how_long_in_the_visitors_language(
    client: Client, staff: User, settings: Settings
) -> None:
    settings.AXES_COOLOFF_TIME = timedelta(minutes=90)
    for n in range(5):
        sign_in(client, f"guess-{n}", ATTACKER)
    english = sign_in(client, "right-horse-battery", ATTACKER).content.decode()
    assert "After 5 wrong passwords, signing in to this account from your address is locked." in english
    assert "Try again in 1\xa0hour, 29\xa0minutes." in english
    spanish = sign_in(client, "right-horse-battery", ATTACKER, language="es").content.decode()
    assert "Inicio de sesión bloqueado" in spanish
    assert "Vuelve a intentarlo dentro de 1\xa0hora, 29\xa0minutos." in spanish


def test_a_right_password_before_the_limit_clears_the_count(client: Client, staff: User) -> None:
    for n in range(4):
        sign_in(client, f"guess-{n}", OFFICE)
    assert sign_in(client, "right-horse-battery", OFFICE).status_code == 302
    client.logout()
    for n in range(4):
        sign_in(client, f"typo-{n}", OFFICE)
    assert sign_in(client, "right-horse-battery", OFFICE).status_code == 302


def test_guesses_spread_over_many_addresses_lock_the_username(client: Client, staff: User, settings: Settings) -> None:
    settings.ADMIN_USERNAME_FAILURE_LIMIT = 8
    for n in range(8):  # four addresses, two guesses each: every address under its own limit
        sign_in(client, f"guess-{n}", f"203.0.113.{n // 2}")
    locked = sign_in(client, "right-horse-battery", OFFICE)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_an_ipv6_client_counts_as_its_64_block(client: Client, staff: User) -> None:
    for n in range(5):
        sign_in(client, f"guess-{n}", f"2001:db8:1:2::{n + 1:x}")
    assert sign_in(client, "right-horse-battery", "2001:db8:1:2:ffff::9").status_code == 429
    assert sign_in(client, "right-horse-battery", "2001:db8:1:3::1").status_code == 302


def test_a_staff_session_lasts_a_working_day(settings: Settings) -> None:
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
