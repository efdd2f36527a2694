"""The recipe editor staff use in the admin: one field per recipe setting, plus raw JSON.

`RecipeField` accepts either what its widget's form fields say (mode "form") or the JSON typed in
its "advanced JSON" textarea (mode "json", also the default when a POST carries only the textarea,
as scripts and older forms do). Either way the result is validated by the engine's own schema, so
the form can never accept a recipe a worker would refuse.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from painter.recipe import MAX_PASSES, WEIGHTS, PassSpec, PostProcess, Recipe, Upscale, Watermark
from styles.recipes import recipe_preset_dict, recipe_preset_names, recipe_validate


@dataclass(frozen=True)
class Setting:
    """One recipe setting as the editor shows it: `kind` says how its text becomes a JSON value."""

    name: str
    label: Any
    kind: str  # int, float, bool, choice, layers, optional_int, optional_float, floats, text, optional_text
    # Offered values (a select box); the kind still decides the JSON type.
    choices: tuple[str, ...] = ()
    help: Any = ""


PASS_SETTINGS = (
    Setting("size", _("size (longest side, px)"), "int"),
    Setting("iterations", _("iterations"), "int"),
    Setting("content_weight", _("content weight"), "float"),
    Setting("style_weight", _("style weight"), "float"),
    Setting("tv_weight", _("smoothness (tv weight)"), "float"),
    Setting("style_scale", _("style scale"), "float", help=_("Size of the brush strokes relative to the painting.")),
    Setting("style_layers", _("style layers"), "layers"),
    Setting("content_layers", _("content layers"), "layers"),
    Setting("init", _("start from"), "choice", ("image", "random", "previous")),
    Setting("optimizer", _("optimizer"), "choice", ("lbfgs", "adam")),
    Setting("learning_rate", _("learning rate (Adam)"), "float"),
    Setting("lbfgs_history", _("L-BFGS history"), "int"),
    Setting("seed", _("random seed"), "optional_int"),
    Setting("original_colors", _("keep the photo's colours"), "bool"),
    Setting(
        "keep_in_range",
        _("keep colours in range while painting"),
        "bool",
        help=_("Clamps the image at every iteration: a better painting for the same iterations."),
    ),
    Setting("normalize_gradients", _("normalise gradients"), "bool"),
    Setting("style_blend_weights", _("style blend weights"), "floats"),
    # How the optimiser and a GPU compute: they change the painting, so they are the recipe's.
    Setting("lbfgs_kind", _("L-BFGS form"), "choice", ("compact", "torch")),
    Setting(
        "lbfgs_guard",
        _("L-BFGS step guard"),
        "optional_float",
        help=_("Undo a step that multiplies the loss by more than this (compact form only; empty: never)."),
    ),
    Setting("exact_start", _("exact first evaluations (GPU)"), "int"),
    Setting("tf32", _("TF32 arithmetic (GPU)"), "bool"),
    Setting("bf16", _("bfloat16 convolutions (GPU)"), "choice", ("off", "backward", "all")),
)
POST_SETTINGS = (
    Setting("enabled", _("post-processing on"), "bool"),
    Setting("auto_levels", _("auto levels"), "bool"),
    Setting("black_point", _("black point (%)"), "float"),
    Setting("white_point", _("white point (%)"), "float"),
    Setting("brightness", _("brightness (%)"), "float"),
    Setting("saturation", _("saturation (%)"), "float"),
    Setting("contrast", _("contrast (-100..100)"), "float"),
    Setting("smooth_radius", _("smoothing radius (0..5)"), "int"),
    Setting("smooth_sigma", _("smoothing tolerance"), "float"),
)
WATERMARK_SETTINGS = (
    Setting("enabled", _("watermark on the preview"), "bool"),
    Setting("text", _("text"), "text"),
    Setting("logo", _("logo file (on the worker)"), "optional_text"),
    Setting("opacity", _("opacity"), "float"),
    Setting("angle", _("angle"), "float"),
    Setting("size", pgettext_lazy("watermark", "size"), "float"),
    Setting("spacing", pgettext_lazy("watermark", "spacing"), "float"),
)
UPSCALE_SETTINGS = (
    Setting("method", _("upscale method"), "choice", ("waifu2x", "lanczos", "none")),
    Setting("noise", _("denoise level (waifu2x)"), "optional_int", ("", "0", "1", "2", "3")),
    Setting("scale", _("scale"), "int", ("2", "4")),
    Setting(
        "long_side",
        _("HD long side (px)"),
        "optional_int",
        help=_("Optional: resize the HD file to this long side after the upscale (3840 px prints 32.5 cm at 300 dpi)."),
    ),
)
SECTIONS = (("post", PostProcess, POST_SETTINGS), ("watermark", Watermark, WATERMARK_SETTINGS))
# The recipe's own (not a section's): which VGG-19 weights paint it, and which colours it starts from.
WEIGHTS_SETTING = Setting("weights", _("VGG-19 weights"), "choice", WEIGHTS)
PAINTING_COLORS_SETTING = Setting(
    "painting_colors",
    _("start from the painting's colours (0..1)"),
    "float",
    help=_("0: paint from the photo's own colours; 1: first give the photo the painting's colours."),
)
RECIPE_SETTINGS = (("network", WEIGHTS_SETTING), ("colours", PAINTING_COLORS_SETTING))


def _defaults(cls: type) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            values[f.name] = f.default
    return values


def _show(value: Any) -> str:
    """A value as the editor's text box shows it: 100 not 100.0, 0.0001, "relu1_1, relu2_1"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, list | tuple):
        return ", ".join(_show(v) for v in value)
    return str(value)


def _parse(setting: Setting, data: Mapping[str, Any], key: str) -> tuple[bool, Any]:
    """(present, value) for one setting from POST data. Text that does not parse is passed on as
    typed, so the engine's check names the field and shows what was typed."""
    if setting.kind == "bool":
        return True, key in data and data.get(key) not in ("", "off", "false", None)
    raw = str(data.get(key, "")).strip()
    if setting.kind in ("optional_int", "optional_float", "optional_text", "floats") and raw == "":
        return True, None
    if raw == "":
        return False, None
    parts = [part for part in re.split(r"[,\s]+", raw) if part]
    try:
        if setting.kind in ("int", "optional_int"):
            return True, int(raw)
        if setting.kind in ("float", "optional_float"):
            return True, float(raw)
        if setting.kind == "floats":
            return True, [float(part) for part in parts]
    except ValueError:
        return True, raw
    return True, parts if setting.kind == "layers" else raw


# Every preset's JSON is under 3,000 characters.
RECIPE_JSON_MAX_CHARS = 20_000


class RecipeWidget(forms.Widget):
    """Renders a recipe as a table (one column per pass) and an "advanced JSON" textarea."""

    template = "admin/styles/recipe_widget.html"

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if data.get(f"{name}__mode") != "form":
            return data.get(name)
        return self.recipe_from_form(data, name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}__mode" not in data

    @staticmethod
    def recipe_from_form(data: Mapping[str, Any], name: str) -> dict[str, Any]:
        passes = []
        for i in range(MAX_PASSES + 1):
            prefix = f"{name}__p{i}__"
            if f"{prefix}size" not in data:
                break
            if data.get(f"{prefix}remove") or not str(data.get(f"{prefix}size", "")).strip():
                continue
            spec: dict[str, Any] = {}
            for setting in PASS_SETTINGS:
                present, value = _parse(setting, data, prefix + setting.name)
                if present:
                    spec[setting.name] = value
            passes.append(spec)
        recipe: dict[str, Any] = {"passes": passes}
        for section, _cls, settings in (*SECTIONS, ("upscale", Upscale, UPSCALE_SETTINGS)):
            part: dict[str, Any] = {}
            for setting in settings:
                present, value = _parse(setting, data, f"{name}__{section}__{setting.name}")
                if present:
                    part[setting.name] = value
            recipe[section] = part
        for _section, setting in RECIPE_SETTINGS:
            present, value = _parse(setting, data, f"{name}__{setting.name}")
            if present:
                recipe[setting.name] = value
        return recipe

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        # The template escapes every value it prints.
        return mark_safe(render_to_string(self.template, self.editor_context(name, value)))

    def editor_context(self, name: str, value: Any) -> dict[str, Any]:
        text = value if isinstance(value, str) else json.dumps(value or {}, indent=2)
        recipe: Any = value
        # Text comes back from the JSON box: stay there, and show it in the table too where it parses.
        mode = "json" if isinstance(value, str) else "form"
        if isinstance(value, str):
            try:
                recipe = json.loads(value) if value.strip() and len(value) <= RECIPE_JSON_MAX_CHARS else {}
            except (ValueError, RecursionError):
                recipe = {}
        if not isinstance(recipe, dict):
            recipe, mode = {}, "json"
        raw_passes = recipe.get("passes")
        passes = [p for p in raw_passes if isinstance(p, dict)] if isinstance(raw_passes, list) else []
        pass_defaults = _defaults(PassSpec)
        columns: list[dict[str, Any]] = []
        for i, spec in enumerate([*passes, None][:MAX_PASSES]):
            values = {**pass_defaults, **(spec or {})}
            if spec is None:
                values.update(size=None, iterations=None, init="previous" if passes else "image")
            columns.append({"index": i, "prefix": f"{name}__p{i}__", "new": spec is None, "values": values})
        rows = [
            {"setting": s, "cells": [self._cell(s, c["prefix"], c["values"].get(s.name)) for c in columns]}
            for s in PASS_SETTINGS
        ]
        sections = []
        for section, cls, settings in (*SECTIONS, ("upscale", Upscale, UPSCALE_SETTINGS)):
            part = recipe.get(section)
            values = {**_defaults(cls), **(part if isinstance(part, dict) else {})}
            cells = [(s, self._cell(s, f"{name}__{section}__", values.get(s.name))) for s in settings]
            sections.append({"name": section, "cells": cells})
        for section, setting in RECIPE_SETTINGS:
            value = recipe.get(setting.name, Recipe.__dataclass_fields__[setting.name].default)
            sections.append({"name": section, "cells": [(setting, self._cell(setting, f"{name}__", value))]})
        return {
            "name": name,
            "mode": mode,
            "json": text,
            "columns": columns,
            "rows": rows,
            "sections": sections,
        }

    @staticmethod
    def _cell(setting: Setting, prefix: str, value: Any) -> dict[str, Any]:
        choices = setting.choices
        return {
            "name": prefix + setting.name,
            "kind": "bool" if setting.kind == "bool" else ("select" if choices else "text"),
            "value": _show(value),
            "checked": bool(value) if setting.kind == "bool" else False,
            "choices": choices,
            "wide": setting.kind in ("layers", "text", "optional_text", "floats"),
        }


class RecipeField(forms.Field):
    """A recipe, from the editor's fields or its JSON, returned in the engine's canonical form."""

    widget = RecipeWidget

    def to_python(self, value: Any) -> Any:
        if value in (None, "", {}):
            return None
        if isinstance(value, str):
            # A pasted megabyte never reaches json.loads; `[[[[…` exhausts its recursion instead.
            if len(value) > RECIPE_JSON_MAX_CHARS:
                raise ValidationError(
                    _("The advanced JSON is too long: at most %(max)s characters."),
                    code="too_long",
                    params={"max": RECIPE_JSON_MAX_CHARS},
                )
            try:
                return json.loads(value)
            except RecursionError:
                raise ValidationError(_("The advanced JSON is nested too deeply."), code="invalid_json") from None
            except ValueError as exc:
                raise ValidationError(
                    _("The advanced JSON is not valid JSON (%(error)s)."), code="invalid_json", params={"error": exc}
                ) from exc
        return value

    def clean(self, value: Any) -> Any:
        recipe = super().clean(value)
        return recipe_validate(recipe) if recipe is not None else None

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return recipe_validate(self.to_python(data)) != recipe_validate(initial)
        except ValidationError:
            return True


def preset_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(n, n) for n in recipe_preset_names()]


class PresetOrRecipeMixin(forms.BaseForm):
    """For a form with a `preset` choice and a `recipe` field (the style's own and a test render's):
    a chosen preset replaces the recipe, and one of the two must be given."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        preset = self.fields["preset"]
        assert isinstance(preset, forms.ChoiceField)
        preset.choices = preset_choices()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("preset"):
            cleaned["recipe"] = recipe_preset_dict(cleaned["preset"])
        elif not cleaned.get("recipe") and "recipe" not in self.errors:
            self.add_error("recipe", _("Give a recipe or choose a preset."))
        return cleaned


class TrialForm(PresetOrRecipeMixin, forms.Form):
    """Start a test render: a recipe (the editor, or a preset), a label, and how small to paint."""

    label = forms.CharField(label=_("label"), max_length=120, required=False, help_text=_("e.g. A: more style"))
    preset = forms.ChoiceField(label=_("start from preset"), required=False)
    recipe = RecipeField(label=_("render recipe"), required=False)
    max_size = forms.IntegerField(
        label=_("largest side (px)"),
        min_value=32,
        max_value=1024,
        initial=384,
        help_text=_("Every pass is scaled down in proportion so that the last one paints at most this size."),
    )
