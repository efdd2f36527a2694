"""Staff edit a style's recipe with one field per setting (or raw JSON), checked by the engine."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from painter import Recipe, RecipeError
from styles.forms import MAX_PASSES, RecipeWidget
from styles.models import Style
from styles.recipes import recipe_preset_dict

if TYPE_CHECKING:
    from django.test import Client


pytestmark = pytest.mark.django_db


def form_data(recipe: Any, name: Any = "recipe") -> Any:
    """What a browser submits for the editor as shown, unchanged, in form mode."""
    context = RecipeWidget().editor_context(name, recipe)
    data = {f"{name}__mode": "form", name: context["json"]}
    cells = [cell for row in context["rows"] for cell in row["cells"]]
    cells += [cell for section in context["sections"] for _setting, cell in section["cells"]]
    for cell in cells:
        if cell["kind"] != "bool":
            data[cell["name"]] = cell["value"]
        elif cell["checked"]:
            data[cell["name"]] = "on"
    return data


def style_post(style: Style, **changes: Any) -> Any:
    data = {"slug": style.slug, "name_en": style.name_en, "name_es": style.name_es, "position": "0", "preset": ""}
    data.update(form_data(style.recipe))
    data.update(changes)
    return data


@pytest.mark.parametrize("preset", ["seed", "cpu", "quick", "tiny"])
def test_every_preset_survives_the_form_unchanged(preset: str) -> None:
    recipe = recipe_preset_dict(preset)
    assert RecipeWidget.recipe_from_form(form_data(recipe), "recipe") == recipe


def test_typed_text_becomes_the_right_json_types() -> None:
    data = form_data(recipe_preset_dict("seed"))
    data.update(
        {
            "recipe__p0__style_weight": "1e3",
            "recipe__p0__style_layers": "relu1_1 relu2_1,relu3_1",
            "recipe__p0__seed": "",
            "recipe__p1__original_colors": "on",
            "recipe__upscale__noise": "",
            "recipe__upscale__scale": "4",
            "recipe__upscale__long_side": "3840",
            "recipe__painting_colors": "0.5",
        }
    )
    recipe = RecipeWidget.recipe_from_form(data, "recipe")
    assert recipe["passes"][0]["style_weight"] == 1000.0
    assert recipe["passes"][0]["style_layers"] == ["relu1_1", "relu2_1", "relu3_1"]
    assert recipe["passes"][0]["seed"] is None
    assert recipe["passes"][1]["original_colors"] is True
    assert recipe["upscale"] == {"method": "waifu2x", "noise": None, "scale": 4, "long_side": 3840}
    assert recipe["painting_colors"] == 0.5


def test_the_change_page_shows_a_column_per_pass_and_the_json(admin_client: Client, style: Style) -> None:
    Style.objects.filter(pk=style.pk).update(recipe=recipe_preset_dict("seed"))
    page = admin_client.get(f"/admin/styles/style/{style.pk}/change/").content.decode()
    assert 'name="recipe__p0__size" value="350"' in page
    assert 'name="recipe__p1__size" value="960"' in page
    assert 'name="recipe__p2__size" value=""' in page  # "add a pass"
    assert 'name="recipe__post__saturation" value="105"' in page
    assert 'name="recipe__painting_colors" value="1"' in page  # a style from a preset
    assert "Advanced JSON" in page
    assert "&quot;passes&quot;" in page
    assert "Try on the sample photos" in page


def test_staff_change_weights_add_and_remove_passes_through_the_form(admin_client: Client, style: Style) -> None:
    Style.objects.filter(pk=style.pk).update(recipe=recipe_preset_dict("seed"))
    style.refresh_from_db()
    changes = {
        "recipe__p0__style_weight": "250",
        "recipe__p0__tv_weight": "0.0005",
        "recipe__p1__remove": "on",
        "recipe__p2__size": "1200",
        "recipe__p2__iterations": "50",
        "recipe__p2__init": "previous",
    }
    response = admin_client.post(f"/admin/styles/style/{style.pk}/change/", style_post(style, **changes))
    assert response.status_code == 302, response.content.decode()[:3000]
    style.refresh_from_db()
    first, second = style.recipe["passes"]
    assert first["style_weight"] == 250.0
    assert first["tv_weight"] == 0.0005
    assert first["size"] == 350
    assert second["size"] == 1200
    assert second["iterations"] == 50
    assert second["init"] == "previous"


def test_a_bad_value_is_refused_with_the_field_named_and_kept_for_correction(
    admin_client: Client, style: Style
) -> None:
    Style.objects.filter(pk=style.pk).update(recipe=recipe_preset_dict("quick"))
    style.refresh_from_db()
    before = style.recipe
    data = style_post(style, recipe__p1__iterations="lots", recipe__p0__style_scale="9")
    response = admin_client.post(f"/admin/styles/style/{style.pk}/change/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "passes[0].style_scale" in page
    assert 'name="recipe__p1__iterations" value="lots"' in page
    assert 'name="recipe__p0__style_scale" value="9"' in page
    style.refresh_from_db()
    assert style.recipe == before


def test_advanced_json_is_still_there_and_explains_broken_json(admin_client: Client, style: Style) -> None:
    data = style_post(style, recipe__mode="json", recipe='{"passes": [')
    page = admin_client.post(f"/admin/styles/style/{style.pk}/change/", data).content.decode()
    assert "The advanced JSON is not valid JSON" in page
    data = style_post(style, recipe__mode="json", recipe='{"passes": [{"size": 64, "iterations": 5}]}')
    assert admin_client.post(f"/admin/styles/style/{style.pk}/change/", data).status_code == 302
    style.refresh_from_db()
    assert style.recipe["passes"][0]["size"] == 64
    assert style.recipe["post"]["enabled"] is True


def test_names_and_descriptions_are_edited_in_both_languages(admin_client: Client, style: Style) -> None:
    Style.objects.filter(pk=style.pk).update(recipe=recipe_preset_dict("tiny"))
    style.refresh_from_db()
    data = style_post(style, name_en="Night", name_es="Noche", description_en="Blue swirls", description_es="Remolinos")
    assert admin_client.post(f"/admin/styles/style/{style.pk}/change/", data).status_code == 302
    style.refresh_from_db()
    assert (style.name_en, style.name_es, style.description_es) == ("Night", "Noche", "Remolinos")


def test_the_editor_offers_as_many_passes_as_the_engine_takes() -> None:
    # The engine states its limit only in its check (painter/recipe.py): this keeps the editor's copy equal.
    spec = recipe_preset_dict("tiny")["passes"][0]
    assert len(Recipe.from_dict({"passes": [spec] * MAX_PASSES}).passes) == MAX_PASSES
    with pytest.raises(RecipeError, match="must be a list of 1 to"):
        Recipe.from_dict({"passes": [spec] * (MAX_PASSES + 1)})
