"""Test renders in the admin: start one, compare two side by side, adopt the better recipe.

A curator tries recipe A and recipe B of a style on the same sample photos (small faces,
landscapes, flowers: the photos that made or broke styles before), looks at the paintings next to
each other with the settings that differ, and copies the better recipe to the style. The views hang
off StyleAdmin (see `TrialAdminMixin`), so they get the admin's login, permissions and look.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.files import private_file_response
from painter.calibrate import same_rung
from styles.calibration import style_calibration_adopt, style_calibration_start
from styles.forms import PASS_SETTINGS, POST_SETTINGS, UPSCALE_SETTINGS, WATERMARK_SETTINGS, TrialForm
from styles.models import SamplePhoto, Style, StyleTrial, StyleTrialImage
from styles.services import style_example_adopt, style_set_recipe, style_trial_start, trial_recipe

# Settings every comparison shows for each pass; any other setting appears only where A and B differ.
MAIN_PASS_SETTINGS = (
    "size",
    "iterations",
    "content_weight",
    "style_weight",
    "tv_weight",
    "style_scale",
    "style_layers",
    "init",
    "optimizer",
)
SECTION_LABELS = {
    "post": gettext_lazy("Post-processing"),
    "watermark": gettext_lazy("Preview watermark"),
    "upscale": gettext_lazy("Upscale of the HD image"),
}


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return "—" if value is None else str(value)


def recipe_rows(recipe: dict[str, Any], max_size: int) -> dict[tuple[Any, ...], tuple[str, str, bool]]:
    """(section, index, setting) -> (label, value, main) for one test render's recipe; sizes show
    what was asked and what the test render painted ("350 → 140")."""
    painted = trial_recipe(recipe, max_size=max_size)
    rows: dict[tuple[Any, ...], tuple[str, str, bool]] = {}
    for i, spec in enumerate(recipe["passes"]):
        for setting in PASS_SETTINGS:
            value = _text(spec.get(setting.name))
            if setting.name == "size" and painted["passes"][i]["size"] != spec["size"]:
                value = f"{spec['size']} → {painted['passes'][i]['size']}"
            label = _("pass %(number)s · %(setting)s") % {"number": i + 1, "setting": setting.label}
            rows[("passes", i, setting.name)] = (label, value, setting.name in MAIN_PASS_SETTINGS)
    sections = (("post", POST_SETTINGS), ("watermark", WATERMARK_SETTINGS), ("upscale", UPSCALE_SETTINGS))
    for section, settings in sections:
        for setting in settings:
            label = f"{SECTION_LABELS[section]} · {setting.label}"
            rows[(section, 0, setting.name)] = (label, _text(recipe[section].get(setting.name)), False)
    return rows


def recipe_comparison(trials: list[StyleTrial]) -> list[dict[str, Any]]:
    """Rows for the comparison table: the main settings, plus every setting whose values differ."""
    per_trial = [recipe_rows(trial.recipe, trial.max_size) for trial in trials]
    keys: list[tuple[Any, ...]] = []
    for rows in per_trial:
        keys += [key for key in rows if key not in keys]
    table = []
    for key in keys:
        cells = [rows.get(key) for rows in per_trial]
        values = [cell[1] if cell else "—" for cell in cells]
        differs = len(set(values)) > 1
        main = any(cell and cell[2] for cell in cells)
        if main or differs:
            label = next(cell[0] for cell in cells if cell)
            table.append({"label": label, "values": values, "differs": differs})
    return table


def calibration_ladder(trial: StyleTrial, style: Style) -> dict[str, Any]:
    """The ladder's table: rungs as columns (by multiplier), sample photos as rows."""
    images = list(trial.images.exclude(image="").select_related("sample"))
    multipliers = sorted({i.multiplier for i in images if i.multiplier is not None})
    rungs = {float(r["multiplier"]): r for r in trial.ladder.get("rungs") or []}
    chosen = trial.ladder.get("multiplier")
    in_use = style.calibration.get("multiplier") if style.calibration.get("trial") == trial.pk else None
    samples: list[SamplePhoto | None] = []
    for item in images:
        if item.sample not in samples:
            samples.append(item.sample)
    by_cell: dict[tuple[int | None, float | None], StyleTrialImage] = {(i.sample_id, i.multiplier): i for i in images}
    columns = []
    for multiplier in multipliers:
        rung = rungs.get(multiplier, {})
        columns.append(
            {
                "multiplier": multiplier,
                "label": f"x{multiplier:g}",
                "style_weight": _text(rung.get("style_weight")),
                "moved": _share(rung.get("content_change")),
                "closed": _share(rung.get("style_closed")),
                "colour": _share(rung.get("colour_closed")),
                "chosen": same_rung(multiplier, chosen),
                "in_use": same_rung(multiplier, in_use),
            }
        )
    rows = []
    for sample in samples:
        cells = []
        for m in multipliers:
            found = by_cell.get((sample.pk if sample else None, m))
            measure = found.measure if found is not None else {}
            cells.append(
                found
                and {
                    "image": found,
                    "moved": _share(measure.get("content_change")),
                    "closed": _share(measure.get("style_closed")),
                    "colour": _share(measure.get("colour_closed")),
                }
            )
        rows.append({"sample": sample, "cells": cells})
    band = [_share(v) for v in trial.ladder.get("band") or []]
    return {"columns": columns, "rows": rows, "band": band, "in_band": trial.ladder.get("in_band")}


def _share(value: Any) -> str:
    return "—" if value is None else f"{float(value):.0%}"


class TrialAdminMixin(admin.ModelAdmin):
    """StyleAdmin's test render pages: /admin/styles/style/<id>/test-renders/ and the images."""

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:object_id>/test-renders/", view(self.trials_view), name="styles_style_trials"),
            path("<int:object_id>/calibration/", view(self.calibration_view), name="styles_style_calibration"),
            path(
                "<int:object_id>/calibration/<int:trial_id>/adopt/",
                view(self.calibration_adopt_view),
                name="styles_style_calibration_adopt",
            ),
            path(
                "<int:object_id>/test-renders/<int:trial_id>/adopt/",
                view(self.trial_adopt_view),
                name="styles_style_trial_adopt",
            ),
            path(
                "test-render-images/<int:image_id>/example/",
                view(self.trial_example_view),
                name="styles_style_trial_example",
            ),
            path(
                "test-render-images/<int:image_id>.jpg",
                view(self.trial_image_view),
                name="styles_style_trial_image",
            ),
            path("sample-photos/<int:sample_id>.jpg", view(self.sample_photo_view), name="styles_samplephoto_image"),
            *super().get_urls(),
        ]

    def _style(self, request: HttpRequest, object_id: int) -> Style:
        style = get_object_or_404(Style, pk=object_id)
        if not self.has_view_permission(request, style):
            raise PermissionDenied
        return style

    def trials_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        style = self._style(request, object_id)
        trials = list(style.trials.filter(kind=StyleTrial.Kind.RENDER).order_by("-id")[:30])
        if request.method == "POST":
            if not self.has_change_permission(request, style):
                raise PermissionDenied
            form = TrialForm(request.POST)
            if form.is_valid():
                try:
                    trial = style_trial_start(
                        style=style,
                        recipe=form.cleaned_data["recipe"],
                        max_size=form.cleaned_data["max_size"],
                        label=form.cleaned_data["label"],
                        actor=f"staff:{request.user.get_username()}",
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    self.message_user(request, _("Test render #%(id)s queued.") % {"id": trial.pk})
                    url = reverse("admin:styles_style_trials", args=[style.pk])
                    previous = f"&b={trials[0].pk}" if trials else ""
                    return HttpResponseRedirect(f"{url}?a={trial.pk}{previous}")
        else:
            form = TrialForm(initial=self._initial(request, style, trials))
        return TemplateResponse(request, "admin/styles/style/trials.html", self._context(request, style, trials, form))

    @staticmethod
    def _initial(request: HttpRequest, style: Style, trials: list[StyleTrial]) -> dict[str, Any]:
        source = next((t for t in trials if str(t.pk) == request.GET.get("from")), None)
        if source is not None:
            return {"recipe": source.recipe, "label": source.label, "max_size": source.max_size}
        return {"recipe": style.recipe, "max_size": 384}

    def _context(self, request: HttpRequest, style: Style, trials: list[StyleTrial], form: TrialForm) -> dict[str, Any]:
        by_id = {str(t.pk): t for t in trials}
        a = by_id.get(request.GET.get("a", "")) or (trials[0] if trials else None)
        b = by_id.get(request.GET.get("b", "")) or next((t for t in trials if t is not a), None)
        columns = [t for t in (a, b) if t is not None]
        images = {
            (item.trial_id, item.sample_id): item
            for item in StyleTrialImage.objects.filter(trial__in=columns).select_related("sample")
        }
        samples: list[SamplePhoto | None] = []
        for item in sorted(images.values(), key=lambda i: (i.sample.position, i.sample_id) if i.sample else (0, 0)):
            if item.sample not in samples:
                samples.append(item.sample)
        rows = [
            {"sample": sample, "cells": [images.get((t.pk, sample.pk if sample else None)) for t in columns]}
            for sample in samples
        ]
        busy = any(t.status in (StyleTrial.Status.QUEUED, StyleTrial.Status.RUNNING) for t in columns)
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Test renders: %(style)s") % {"style": style.name_en},
            "style": style,
            "trials": trials,
            "columns": [
                {"trial": t, "letter": "AB"[i], "json": json.dumps(t.recipe, indent=2)} for i, t in enumerate(columns)
            ],
            "rows": rows,
            "comparison": recipe_comparison(columns) if columns else [],
            "form": form,
            "busy": busy,
            "can_change": self.has_change_permission(request, style),
            "sample_count": SamplePhoto.objects.filter(active=True).count(),
        }

    def calibration_view(self, request: HttpRequest, object_id: int) -> HttpResponseBase:
        """The latest calibration's ladder (or ?trial=N's): a column per rung, a row per sample photo,
        the measure under each painting, the band, the rung in use marked; POST starts another."""
        style = self._style(request, object_id)
        url = reverse("admin:styles_style_calibration", args=[style.pk])
        if request.method == "POST":
            if not self.has_change_permission(request, style):
                raise PermissionDenied
            try:
                trial = style_calibration_start(style=style, actor=f"staff:{request.user.get_username()}")
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                return HttpResponseRedirect(url)
            self.message_user(request, _("Calibration #%(id)s queued.") % {"id": trial.pk})
            return HttpResponseRedirect(f"{url}?trial={trial.pk}")
        calibrations = list(style.trials.filter(kind=StyleTrial.Kind.CALIBRATION).order_by("-id")[:20])
        wanted = request.GET.get("trial", "")
        shown = next((t for t in calibrations if str(t.pk) == wanted), calibrations[0] if calibrations else None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Calibration: %(style)s") % {"style": style.name_en},
            "style": style,
            "trial": shown,
            "calibrations": calibrations,
            "can_change": self.has_change_permission(request, style),
            "busy": shown is not None and shown.status in (StyleTrial.Status.QUEUED, StyleTrial.Status.RUNNING),
            **(calibration_ladder(shown, style) if shown is not None else {}),
        }
        return TemplateResponse(request, "admin/styles/style/calibration.html", context)

    def calibration_adopt_view(self, request: HttpRequest, object_id: int, trial_id: int) -> HttpResponseBase:
        """Adopt one rung of a finished calibration (POST, with its multiplier)."""
        style = self._style(request, object_id)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request, style):
            raise PermissionDenied
        trial = get_object_or_404(StyleTrial, pk=trial_id, style=style, kind=StyleTrial.Kind.CALIBRATION)
        try:
            multiplier = float(request.POST.get("multiplier", ""))
            style_calibration_adopt(trial=trial, multiplier=multiplier, actor=f"staff:{request.user.get_username()}")
        except (ValueError, ValidationError) as error:
            messages_ = error.messages if isinstance(error, ValidationError) else [_("Choose a rung of the ladder.")]
            self.message_user(request, " ".join(str(m) for m in messages_), messages.ERROR)
        else:
            self.log_change(request, style, f"Style weights x{multiplier:g} from calibration #{trial.pk}.")
            self.message_user(
                request,
                _("The style now paints with its style weights x%(multiplier)s; its example is being painted again.")
                % {"multiplier": f"{multiplier:g}"},
                messages.SUCCESS,
            )
        url = reverse("admin:styles_style_calibration", args=[style.pk])
        return HttpResponseRedirect(f"{url}?trial={trial.pk}")

    def trial_adopt_view(self, request: HttpRequest, object_id: int, trial_id: int) -> HttpResponseBase:
        style = self._style(request, object_id)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request, style):
            raise PermissionDenied
        trial = get_object_or_404(StyleTrial, pk=trial_id, style=style)
        style_set_recipe(style=style, recipe=trial.recipe)
        self.log_change(request, style, f"Recipe copied from test render #{trial.pk}.")
        self.message_user(
            request,
            _("The style now uses the recipe of test render #%(id)s.") % {"id": trial.pk},
            messages.SUCCESS,
        )
        url = reverse("admin:styles_style_trials", args=[style.pk])
        return HttpResponseRedirect(f"{url}?a={trial.pk}")

    def trial_example_view(self, request: HttpRequest, image_id: int) -> HttpResponseBase:
        """Adopt one painted sample as the example on its style's card (POST only)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        item = get_object_or_404(StyleTrialImage.objects.select_related("trial__style"), pk=image_id)
        style = item.trial.style
        if not self.has_change_permission(request, style):
            raise PermissionDenied
        try:
            style_example_adopt(image=item)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.log_change(request, style, f"Example painting taken from test render #{item.trial_id}.")
            self.message_user(request, _("This painting is now the style's example."), messages.SUCCESS)
        url = reverse("admin:styles_style_trials", args=[style.pk])
        return HttpResponseRedirect(f"{url}?a={item.trial_id}")

    def trial_image_view(self, request: HttpRequest, image_id: int) -> HttpResponseBase:
        item = get_object_or_404(StyleTrialImage.objects.select_related("trial__style"), pk=image_id)
        if not self.has_view_permission(request, item.trial.style) or not item.image:
            raise Http404
        return private_file_response(item.image.name, "image/jpeg")

    def sample_photo_view(self, request: HttpRequest, sample_id: int) -> HttpResponseBase:
        sample = get_object_or_404(SamplePhoto, pk=sample_id)
        if not request.user.has_perm("styles.view_samplephoto") and not self.has_view_permission(request):
            raise Http404
        return private_file_response(sample.image.name, "image/jpeg")
