"""Calibrating a style: the ladder of style weights painted on the sample photos, the rung adopted.

A calibration is a test render of its own kind (StyleTrial.Kind.CALIBRATION): the render queue paints
it (rendering.services), the reaper watches it like any test render, and its images are the ladder's
rungs, one per sample photo and multiplier, each with painter.score.stylisation's measure. When it is
done, the rung painter.calibrate chose is adopted: the style's recipe gets its style weights, the
reference portrait painted at the rungs beside it becomes the customer's lighter and stronger
examples, and the card's example is painted again with the recipe customers now get. Staff may adopt
another rung from the ladder in the admin.
"""

from __future__ import annotations

import secrets
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.tasks import task_send
from painter.calibrate import STEP, STRENGTHS, TRIAL_SIZE, same_rung
from styles.models import SamplePhoto, Style, StyleTrial, StyleTrialImage
from styles.recipes import recipe_validate

# A face, an animal and a scene (painter.references): the sample photos first in order.
CALIBRATION_PHOTOS = 3


def recipe_with_multiplier(recipe: dict[str, Any], multiplier: float) -> dict[str, Any]:
    """The recipe with every pass's style weight multiplied (painter.calibrate.with_style_multiplier)."""
    from painter.calibrate import with_style_multiplier
    from painter.recipe import Recipe

    return with_style_multiplier(Recipe.from_dict(recipe_validate(recipe)), multiplier).to_dict()


def preview_size(recipe: dict[str, Any]) -> int:
    """The size a customer's preview is painted at: the recipe's largest pass."""
    return max(int(spec["size"]) for spec in recipe_validate(recipe)["passes"])


def style_calibration_start(*, style: Style, actor: str) -> StyleTrial:
    """Queue a calibration of the style's current recipe on the first sample photos."""
    recipe = recipe_validate(style.recipe)
    samples = list(SamplePhoto.objects.filter(active=True)[:CALIBRATION_PHOTOS])
    if not samples:
        raise ValidationError(_("Add a sample photo first (Styles › Sample photos)."), code="no_samples")
    with transaction.atomic():
        trial = StyleTrial.objects.create(
            style=style,
            kind=StyleTrial.Kind.CALIBRATION,
            recipe=recipe,
            max_size=TRIAL_SIZE,
            label="calibration",
            requested_by=actor,
            enqueued_at=timezone.now(),
            ladder={"samples": [sample.pk for sample in samples]},
        )
        transaction.on_commit(partial(task_send, "rendering.tasks.style_trial_run", trial.pk))
    return trial


def calibration_samples(trial: StyleTrial) -> list[SamplePhoto]:
    """The sample photos a calibration paints, in order (those deleted since are left out)."""
    ids = list(trial.ladder.get("samples") or [])
    found = SamplePhoto.objects.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def style_calibration_rung_store(
    *, trial_id: int, worker: str, multiplier: float, paintings: list[dict[str, Any]], seconds: float
) -> bool:
    """Keep one rung: ``paintings`` has one dict per sample (sample_id, jpeg, width, height, measure).
    False, and nothing kept, when the calibration is no longer this worker's."""
    if not StyleTrial.objects.filter(pk=trial_id, status=StyleTrial.Status.RUNNING, worker=worker).exists():
        return False
    for painting in paintings:
        name = default_storage.save(f"trials/{secrets.token_hex(16)}.jpg", ContentFile(painting["jpeg"]))
        StyleTrialImage.objects.create(
            trial_id=trial_id,
            sample_id=painting["sample_id"],
            image=name,
            width=painting["width"],
            height=painting["height"],
            seconds=round(seconds / max(1, len(paintings)), 2),
            multiplier=multiplier,
            measure=painting["measure"],
        )
    StyleTrial.objects.filter(pk=trial_id).update(heartbeat_at=timezone.now())
    return True


def style_calibration_finish(*, trial_id: int, worker: str, ladder: dict[str, Any] | None, error: str = "") -> bool:
    """running -> done with the ladder (and its chosen rung adopted), or failed. False if not ours."""
    trial = StyleTrial.objects.select_related("style").filter(pk=trial_id, worker=worker).first()
    if trial is None or trial.status != StyleTrial.Status.RUNNING:
        return False
    with transaction.atomic():
        status = StyleTrial.Status.FAILED if error or ladder is None else StyleTrial.Status.DONE
        changed = StyleTrial.objects.filter(pk=trial_id, status=StyleTrial.Status.RUNNING, worker=worker).update(
            status=status,
            error=error[:4000],
            ladder={**trial.ladder, **(ladder or {})},
            finished_at=timezone.now(),
        )
        if not changed:
            return False
        if status == StyleTrial.Status.DONE and ladder is not None:
            trial.refresh_from_db()
            style_calibration_adopt(trial=trial, multiplier=float(ladder["multiplier"]), actor="calibration")
    return True


def _rung(trial: StyleTrial, multiplier: float) -> dict[str, Any] | None:
    for rung in trial.ladder.get("rungs") or []:
        if same_rung(rung["multiplier"], multiplier):
            return dict(rung)
    return None


def style_calibration_adopt(*, trial: StyleTrial, multiplier: float, actor: str) -> Style:
    """Give the style the recipe of one rung of a finished calibration; its lighter and stronger
    examples and its card's example follow."""
    if trial.kind != StyleTrial.Kind.CALIBRATION or trial.status != StyleTrial.Status.DONE:
        raise ValidationError(_("This calibration is not finished."), code="calibration_unfinished")
    rung = _rung(trial, multiplier)
    if rung is None:
        raise ValidationError(_("This calibration has no such rung."), code="no_rung")
    style = trial.style
    style.recipe = recipe_with_multiplier(trial.recipe, multiplier)
    before = _rung(trial, 1.0)
    low, high = trial.ladder.get("band") or (0.0, 0.0)
    style.calibration = {
        "trial": trial.pk,
        "multiplier": multiplier,
        "band": [low, high],
        "before": before and {k: before[k] for k in ("content_change", "style_closed")},
        "after": {k: rung[k] for k in ("content_change", "style_closed")},
        "in_band": low <= float(rung["content_change"]) <= high,
        "adopted_by": actor,
        "adopted_at": timezone.now().isoformat(),
    }
    old = [name for name in style.strength_examples.values() if name]
    style.strength_examples = _strength_examples(trial, style, multiplier)
    style.save(update_fields=["recipe", "calibration", "strength_examples", "updated_at"])
    for name in old:
        transaction.on_commit(partial(default_storage.delete, name))
    _queue_example(style, trial, actor)
    return style


def _strength_examples(trial: StyleTrial, style: Style, multiplier: float) -> dict[str, str]:
    """The first sample photo (the reference portrait) painted at each strength, copied to public
    names; none at all when a rung is missing (the strengths are then not offered)."""
    samples = calibration_samples(trial)
    if not samples:
        return {}
    images = {}
    for strength, factor in STRENGTHS.items():
        wanted = multiplier * factor
        item = next(
            (
                image
                for image in trial.images.filter(sample=samples[0]).exclude(image="")
                if same_rung(image.multiplier, wanted)
            ),
            None,
        )
        if item is None:
            return {}
        images[strength] = item
    key = secrets.token_hex(8)
    names = {}
    for strength, item in images.items():
        with default_storage.open(item.image.name, "rb") as source:
            data = source.read()
        names[strength] = default_storage.save(f"styles/strength/{style.slug}-{key}-{strength}.jpg", ContentFile(data))
    return names


def _queue_example(style: Style, trial: StyleTrial, actor: str) -> None:
    """The card's example, painted again from the reference portrait with the recipe customers now
    get, at the preview's size; it replaces the example when done."""
    from styles.services import style_trial_start

    samples = calibration_samples(trial)[:1]
    if samples:
        style_trial_start(
            style=style,
            recipe=style.recipe,
            max_size=preview_size(style.recipe),
            actor=actor,
            label="example",
            samples=samples,
            adopt_as_example=True,
        )


__all__ = [
    "CALIBRATION_PHOTOS",
    "STEP",
    "calibration_samples",
    "preview_size",
    "recipe_with_multiplier",
    "style_calibration_adopt",
    "style_calibration_finish",
    "style_calibration_rung_store",
    "style_calibration_start",
]
