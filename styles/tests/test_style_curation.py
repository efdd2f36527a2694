"""Staff publish, withdraw and reorder styles from the list."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from styles.models import Style

if TYPE_CHECKING:
    from django.test import Client
    from django.test.client import _MonkeyPatchedWSGIResponse


pytestmark = pytest.mark.django_db


@pytest.fixture
def styles(style: Style) -> tuple[Style, Style]:
    second = Style.objects.create(slug="dawn", name_en="Dawn", name_es="Alba", position=1, active=False)
    return style, second


def act(client: Client, action: Any, *styles: Any) -> _MonkeyPatchedWSGIResponse:
    return client.post(
        "/admin/styles/style/", {"action": action, "_selected_action": [s.pk for s in styles]}, follow=True
    )


def test_staff_activate_and_deactivate_styles(admin_client: Client, styles: tuple[Style, Style]) -> None:
    night, dawn = styles
    assert "Styles activated: 1." in act(admin_client, "activate_styles", night, dawn).content.decode()
    assert set(Style.objects.active()) == {night, dawn}
    act(admin_client, "deactivate_styles", night)
    assert list(Style.objects.active()) == [dawn]


def test_staff_reorder_styles_in_the_list(admin_client: Client, styles: tuple[Style, Style]) -> None:
    night, dawn = styles
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-0-id": str(night.pk),
        "form-0-position": "5",
        "form-0-active": "on",
        "form-1-id": str(dawn.pk),
        "form-1-position": "0",
        "_save": "Save",
    }
    assert admin_client.post("/admin/styles/style/", data).status_code == 302
    assert list(Style.objects.values_list("slug", flat=True)) == ["dawn", "nocturne"]


def test_staff_who_may_only_look_get_no_curation_actions(
    staff_client: Callable[..., Client], styles: tuple[Style, Style]
) -> None:
    client = staff_client("styles.view_style")
    listing = client.get("/admin/styles/style/").content.decode()
    assert 'value="activate_styles"' not in listing
    act(client, "activate_styles", styles[1])
    assert not Style.objects.get(slug="dawn").active
