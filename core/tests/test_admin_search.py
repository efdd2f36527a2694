"""The admin's search boxes (core/admin_search.py) answer a pasted megabyte by searching its first
characters, and say so in the staff member's language."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from core.admin_search import SEARCH_MAX_CHARS

if TYPE_CHECKING:
    from django.test import Client

    from styles.models import Style


pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("changelist", ["/admin/orders/order/", "/admin/payments/payment/", "/admin/styles/style/"])
def test_an_admin_search_reads_only_its_first_200_characters_and_says_so(
    admin_client: Client, style: Style, changelist: str
) -> None:
    response = admin_client.get(changelist, {"q": "ana@example.com " * 1000}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert "Solo se han usado los primeros 200 caracteres de la búsqueda." in response.content.decode()
    assert response.context["cl"].query == "ana@example.com " * 1000  # the box keeps what was typed


def test_a_search_within_the_bound_is_searched_whole_and_silently(admin_client: Client, style: Style) -> None:
    search = "ana@example.com ".ljust(SEARCH_MAX_CHARS, "x")
    response = admin_client.get("/admin/styles/style/", {"q": search}, HTTP_ACCEPT_LANGUAGE="es")
    assert "Solo se han usado" not in response.content.decode()
