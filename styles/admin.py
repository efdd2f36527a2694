from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from styles.models import Style
from styles.recipes import recipe_preset_dict, recipe_preset_names, recipe_validate
from styles.services import style_set_image


class StyleAdminForm(forms.ModelForm):
    upload = forms.ImageField(label=_("style image"), required=False, help_text=_("A painting whose look we copy."))
    preset = forms.ChoiceField(
        label=_("start from preset"),
        required=False,
        help_text=_("Replaces the recipe below with a named preset."),
    )

    class Meta:
        model = Style
        fields = ("slug", "name_en", "name_es", "description_en", "description_es", "active", "position", "recipe")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        preset = self.fields["preset"]
        assert isinstance(preset, forms.ChoiceField)
        preset.choices = [("", "—")] + [(n, n) for n in recipe_preset_names()]
        self.fields["recipe"].required = False
        if not self.instance.pk:
            self.fields["upload"].required = True

    def clean_recipe(self) -> dict[str, Any]:
        recipe = self.cleaned_data.get("recipe")
        return recipe_validate(recipe) if recipe else {}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("preset"):
            cleaned["recipe"] = recipe_preset_dict(cleaned["preset"])
        elif not cleaned.get("recipe") and "recipe" not in self.errors:
            self.add_error("recipe", _("Give a recipe or choose a preset."))
        return cleaned


@admin.register(Style)
class StyleAdmin(admin.ModelAdmin):
    form = StyleAdminForm
    list_display = ("preview", "name_en", "name_es", "slug", "active", "position")
    list_display_links = ("preview", "name_en")
    list_editable = ("active", "position")
    list_filter = ("active",)
    search_fields = ("slug", "name_en", "name_es")
    prepopulated_fields = {"slug": ("name_en",)}
    readonly_fields = ("preview_large",)
    fields = (
        "preview_large",
        "upload",
        "slug",
        ("name_en", "name_es"),
        ("description_en", "description_es"),
        ("active", "position"),
        "preset",
        "recipe",
    )

    @admin.display(description=_("image"))
    def preview(self, style: Style) -> SafeString | str:
        if not style.thumbnail:
            return "—"
        url = reverse("styles:thumbnail", kwargs={"slug": style.slug})
        return format_html('<img src="{}" alt="{}" style="height:64px;border-radius:4px">', url, style.name_en)

    @admin.display(description=_("current image"))
    def preview_large(self, style: Style) -> SafeString | str:
        if not style.pk or not style.thumbnail:
            return "—"
        url = reverse("styles:thumbnail", kwargs={"slug": style.slug})
        return format_html('<img src="{}" alt="{}" style="max-height:240px;border-radius:4px">', url, style.name_en)

    def save_model(self, request: HttpRequest, obj: Style, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        upload = form.cleaned_data.get("upload")
        if upload:
            style_set_image(style=obj, image_bytes=upload.read())

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "recipe" and field is not None:
            field.widget = forms.Textarea(attrs={"rows": 18, "cols": 90, "style": "font-family: monospace"})
            field.help_text = _("JSON; checked against the engine's recipe schema. Presets: %(names)s") % {
                "names": json.dumps(recipe_preset_names())
            }
        return field
