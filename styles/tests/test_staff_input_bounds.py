"""What staff type is bounded too: the recipe's JSON answers a pasted megabyte (or a hostile
nesting) with a translated message, quickly, and changes nothing (the admin's search boxes:
core/tests/test_admin_search.py)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest
from django.utils import translation

from styles.forms import RECIPE_JSON_MAX_CHARS
from styles.tests.test_recipe_editor import style_post

if TYPE_CHECKING:
    from django.test import Client

    from styles.models import Style


pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("recipe", "english", "spanish"),
    [
        (
            '{"passes": [' + " " * RECIPE_JSON_MAX_CHARS + "]}",
            "The advanced JSON is too long: at most 20000 characters.",
            "El JSON avanzado es demasiado largo: como mucho 20000 caracteres.",
        ),
        ("[" * 15_000 + "]" * 15_000, None, None),  # too long, and too deep for json.loads
        ("[" * 9_000, "The advanced JSON is nested too deeply.", "El JSON avanzado está anidado demasiado."),
    ],
    ids=["long", "long-and-deep", "deep"],
)
@pytest.mark.parametrize("language", ["en", "es"])
def test_an_oversized_or_too_deep_recipe_json_is_refused_in_the_staff_members_language(
    admin_client: Client, style: Style, recipe: str, english: str | None, spanish: str | None, language: str
) -> None:
    before = style.recipe
    data = style_post(style, recipe__mode="json", recipe=recipe)
    started = time.perf_counter()
    response = admin_client.post(f"/admin/styles/style/{style.pk}/change/", data, HTTP_ACCEPT_LANGUAGE=language)
    assert time.perf_counter() - started < 1.0
    assert response.status_code == 200
    page = response.content.decode()
    expected = english if language == "en" else spanish
    if expected is None:
        with translation.override(language):
            expected = translation.gettext("The advanced JSON is too long: at most %(max)s characters.") % {
                "max": RECIPE_JSON_MAX_CHARS
            }
    assert expected in page
    style.refresh_from_db()
    assert style.recipe == before
