from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from django.test import Client


@pytest.mark.parametrize(
    ("accept_language", "target"),
    [
        ("es-ES,es;q=0.9,en;q=0.8", "/es/"),
        ("es-MX", "/es/"),
        ("en-US,en;q=0.9", "/en/"),
        ("en;q=0.3,es;q=0.8", "/es/"),
        ("fr-FR,fr;q=0.9", "/en/"),
        ("de, es;q=0.1", "/es/"),
        ("", "/en/"),
        ("*", "/en/"),
    ],
)
def test_root_answers_303_to_the_preferred_language(client: Client, accept_language: str, target: str) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept_language)
    assert response.status_code == 303
    assert response["Location"] == target


def test_root_without_accept_language_goes_to_english(client: Client) -> None:
    response = client.get("/")
    assert (response.status_code, response["Location"]) == (303, "/en/")


@pytest.mark.django_db
def test_language_switch_keeps_the_page(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/en/"})
    assert response.status_code == 302
    assert response["Location"] == "/es/"
