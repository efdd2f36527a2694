from __future__ import annotations

import io
import logging
import secrets
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from core.tasks import task_send
from painter.colours import keep_photo_colours
from styles.models import SamplePhoto, Style, StyleTrial, StyleTrialImage
from styles.recipes import recipe_validate

logger = logging.getLogger(__name__)
# A style card shows its painting and its example side by side, each about 175 CSS px wide on a
# phone and 140 on a desktop: 360 px is sharp on 2x screens. The example with the photo's colours is
# shown at 64 px. With three styles, a phone gets the home page within 250 kB (browser/tests/).
THUMBNAIL_SIZE = (360, 360)
OWN_COLOURS_EXAMPLE_SIZE = (160, 160)
CARD_JPEG_QUALITY = 75
# Test renders paint at most 1024 px, so a larger sample would only cost storage and decoding.
SAMPLE_MAX_SIDE = 1024


def _jpeg(image: Image.Image, *, quality: int = 88, progressive: bool = False) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality, optimize=True, progressive=progressive)
    return buffer.getvalue()


def _card_jpeg(image: Image.Image) -> bytes:
    """What the home page's style cards load: progressive, so a slow phone sees them early."""
    return _jpeg(image, quality=CARD_JPEG_QUALITY, progressive=True)


def style_set_image(*, style: Style, image_bytes: bytes) -> Style:
    """Store a style's image and a thumbnail under fresh random names."""
    with Image.open(io.BytesIO(image_bytes)) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
    thumb = image.copy()
    thumb.thumbnail(THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
    key = secrets.token_hex(8)
    old = [f.name for f in (style.image, style.thumbnail) if f]
    style.image.save(f"{style.slug}-{key}.jpg", ContentFile(_jpeg(image, quality=92)), save=False)
    style.thumbnail.save(f"{style.slug}-{key}.jpg", ContentFile(_card_jpeg(thumb)), save=False)
    style.save(update_fields=["image", "thumbnail", "updated_at"])
    storage = style.image.storage
    for name in old:
        transaction.on_commit(partial(storage.delete, name))
    return style


def style_create(
    *,
    slug: str,
    name_en: str,
    name_es: str,
    image_bytes: bytes,
    recipe: dict[str, Any],
    description_en: str = "",
    description_es: str = "",
    active: bool = True,
    position: int = 0,
    allow_original_colours: bool = False,
) -> Style:
    style = Style.objects.create(
        allow_original_colours=allow_original_colours,
        slug=slug,
        name_en=name_en,
        name_es=name_es,
        description_en=description_en,
        description_es=description_es,
        recipe=recipe_validate(recipe),
        active=active,
        position=position,
    )
    return style_set_image(style=style, image_bytes=image_bytes)


def style_set_active(*, styles: QuerySet[Style], active: bool) -> int:
    """Publish or withdraw styles; returns how many changed."""
    return styles.exclude(active=active).update(active=active, updated_at=timezone.now())


def style_set_recipe(*, style: Style, recipe: dict[str, Any]) -> Style:
    style.recipe = recipe_validate(recipe)
    style.save(update_fields=["recipe", "updated_at"])
    return style


def style_example_adopt(*, image: StyleTrialImage) -> Style:
    """Show this painted sample on its style's card: a reference photo painted in the style."""
    style = image.trial.style
    if not image.image:
        raise ValidationError(_("This test render has no painting yet."), code="no_painting")
    with default_storage.open(image.image.name, "rb") as source, Image.open(source) as opened:
        painting = opened.convert("RGB")
    painting.thumbnail(THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
    old = [f.name for f in (style.example, style.example_own_colours) if f]
    key = secrets.token_hex(8)
    style.example.save(f"{style.slug}-{key}.jpg", ContentFile(_card_jpeg(painting)), save=False)
    style.example_own_colours = None
    sample = image.sample
    if sample is not None and sample.image:
        with default_storage.open(sample.image.name, "rb") as source, Image.open(source) as photo:
            own = keep_photo_colours(painting, photo)
        own.thumbnail(OWN_COLOURS_EXAMPLE_SIZE, Image.Resampling.LANCZOS)
        style.example_own_colours.save(f"{style.slug}-{key}-colours.jpg", ContentFile(_card_jpeg(own)), save=False)
    style.example_sample_id = image.sample_id
    style.save(update_fields=["example", "example_own_colours", "example_sample", "updated_at"])
    for name in old:
        transaction.on_commit(partial(default_storage.delete, name))
    return style


# --------------------------------------------------------------------------------------------------
# Sample photos and test renders


def sample_photo_add(
    *, image_bytes: bytes, title: str = "", position: int | None = None, active: bool = True
) -> SamplePhoto:
    """Store a sample photo upright, without metadata, at most SAMPLE_MAX_SIDE px."""
    try:
        with Image.open(io.BytesIO(image_bytes)) as opened:
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("This file is not an image we can read."), code="not_an_image") from exc
    image.thumbnail((SAMPLE_MAX_SIDE, SAMPLE_MAX_SIDE), Image.Resampling.LANCZOS)
    name = default_storage.save(f"samples/{secrets.token_hex(16)}.jpg", ContentFile(_jpeg(image, quality=90)))
    if position is None:
        position = SamplePhoto.objects.count()
    try:
        return SamplePhoto.objects.create(
            title=title, image=name, width=image.width, height=image.height, position=position, active=active
        )
    except BaseException:
        default_storage.delete(name)
        raise


def sample_photo_delete(*, sample: SamplePhoto) -> None:
    name = sample.image.name
    sample.delete()
    if name:
        transaction.on_commit(partial(default_storage.delete, name))


def trial_recipe(recipe: dict[str, Any], *, max_size: int) -> dict[str, Any]:
    """What a test render paints: the recipe with every pass scaled down in proportion so that the
    largest paints at most `max_size` px, without the preview's watermark and without the upscale
    (staff judge the painting itself, and quickly)."""
    data = recipe_validate(recipe)
    largest = max(spec["size"] for spec in data["passes"])
    factor = min(1.0, max_size / largest)
    for spec in data["passes"]:
        spec["size"] = max(16, round(spec["size"] * factor))
    data["watermark"]["enabled"] = False
    data["upscale"] = {"method": "none", "noise": None, "scale": 2}
    return recipe_validate(data)


def _enqueue_trial(trial_id: int) -> None:
    # By name: the render worker glue (rendering/) builds on styles, not the reverse (core/tasks.py).
    task_send("rendering.tasks.style_trial_run", trial_id)


def style_trial_start(
    *,
    style: Style,
    recipe: dict[str, Any],
    max_size: int,
    actor: str,
    label: str = "",
    samples: list[SamplePhoto] | None = None,
    adopt_as_example: bool = False,
) -> StyleTrial:
    """Queue a test render of `recipe` on `samples` (default: every sample photo in use); the render
    queue paints it. With `adopt_as_example`, its first painting becomes the style's example."""
    # What the worker paints, trial_recipe(recipe, max_size=...), is valid whenever the recipe is: it
    # only shrinks sizes (never below the engine's 16 px) and switches off the watermark and upscale.
    recipe = recipe_validate(recipe)
    if samples is None:
        samples = list(SamplePhoto.objects.filter(active=True))
    if not samples:
        raise ValidationError(_("Add a sample photo first (Styles › Sample photos)."), code="no_samples")
    with transaction.atomic():
        trial = StyleTrial.objects.create(
            style=style,
            recipe=recipe,
            max_size=max_size,
            label=label,
            requested_by=actor,
            enqueued_at=timezone.now(),
            adopt_as_example=adopt_as_example,
        )
        StyleTrialImage.objects.bulk_create([StyleTrialImage(trial=trial, sample=sample) for sample in samples])
        transaction.on_commit(partial(_enqueue_trial, trial.pk))
    return trial


def style_trial_claim(*, trial_id: int, worker: str) -> StyleTrial | None:
    """queued -> running for this worker; None if another worker has it or it is over."""
    now = timezone.now()
    changed = StyleTrial.objects.filter(pk=trial_id, status=StyleTrial.Status.QUEUED).update(
        status=StyleTrial.Status.RUNNING, worker=worker, started_at=now, heartbeat_at=now
    )
    if changed != 1:
        return None
    return StyleTrial.objects.select_related("style").get(pk=trial_id)


def _running(trial_id: int, worker: str) -> QuerySet[StyleTrial]:
    return StyleTrial.objects.filter(pk=trial_id, status=StyleTrial.Status.RUNNING, worker=worker)


def style_trial_image_store(
    *, image_id: int, worker: str, jpeg: bytes, width: int, height: int, seconds: float
) -> bool:
    """Keep one painted sample; False (and nothing kept) if the trial is no longer this worker's."""
    item = StyleTrialImage.objects.filter(pk=image_id).first()
    if item is None or not _running(item.trial_id, worker).exists():
        return False
    name = default_storage.save(f"trials/{secrets.token_hex(16)}.jpg", ContentFile(jpeg))
    changed = StyleTrialImage.objects.filter(pk=image_id, image="").update(
        image=name, width=width, height=height, seconds=round(seconds, 2), error=""
    )
    if not changed:
        default_storage.delete(name)
    return changed == 1


def style_trial_image_fail(*, image_id: int, error: str) -> None:
    StyleTrialImage.objects.filter(pk=image_id, image="").update(error=error[:2000])


def style_trial_finish(*, trial_id: int, worker: str, error: str = "") -> bool:
    """running -> done (at least one sample painted) or failed. False if the trial was not ours."""
    painted = StyleTrialImage.objects.filter(trial_id=trial_id).exclude(image="").exists()
    if not error and not painted:
        first = StyleTrialImage.objects.filter(trial_id=trial_id).exclude(error="").values_list("error", flat=True)
        error = first.first() or "nothing was painted"
    status = StyleTrial.Status.DONE if painted and not error else StyleTrial.Status.FAILED
    finished = _running(trial_id, worker).update(status=status, error=error[:4000], finished_at=timezone.now()) == 1
    if finished and status == StyleTrial.Status.DONE:
        example = (
            StyleTrialImage.objects.filter(trial_id=trial_id, trial__adopt_as_example=True)
            .exclude(image="")
            .select_related("trial__style")
            .order_by("pk")
            .first()
        )
        if example is not None:
            style_example_adopt(image=example)
    return finished


def style_trial_heartbeat(*, trial_id: int, worker: str) -> bool:
    """The worker is still painting this test render; False if it is no longer its own."""
    return _running(trial_id, worker).update(heartbeat_at=timezone.now()) == 1


def style_trials_reap(*, now: datetime | None = None) -> dict[str, list[int]]:
    """Fail test renders whose worker went silent, and send again those whose message got lost.

    A test render is cheap to start again, so a dead worker's one is failed with a message saying so
    rather than retried; a queued one is sent again (a second delivery is skipped by the claim).
    """
    now = now or timezone.now()
    silent = StyleTrial.objects.filter(
        status=StyleTrial.Status.RUNNING,
        heartbeat_at__lt=now - timedelta(seconds=settings.RENDER_LEASE_SECONDS),
    )
    failed: list[int] = []
    for trial in silent.only("pk", "worker", "heartbeat_at"):
        changed = StyleTrial.objects.filter(
            pk=trial.pk, status=StyleTrial.Status.RUNNING, heartbeat_at=trial.heartbeat_at
        ).update(
            status=StyleTrial.Status.FAILED,
            error=f"the worker {trial.worker} stopped answering; start the test render again",
            finished_at=now,
        )
        if changed:
            failed.append(trial.pk)
    cutoff = now - timedelta(seconds=settings.RENDER_REQUEUE_AFTER_SECONDS)
    lost = StyleTrial.objects.filter(status=StyleTrial.Status.QUEUED).filter(
        Q(enqueued_at__lt=cutoff) | Q(enqueued_at__isnull=True, created_at__lt=cutoff)
    )
    resent = list(lost.values_list("pk", flat=True))
    for trial_id in resent:
        StyleTrial.objects.filter(pk=trial_id, status=StyleTrial.Status.QUEUED).update(enqueued_at=now)
        _enqueue_trial(trial_id)
    if failed or resent:
        logger.warning("reaper: test renders failed %s, sent again %s", failed, resent)
    return {"trials_failed": failed, "trials_resent": resent}


def style_trial_delete(*, trial: StyleTrial) -> None:
    names = [name for name in trial.images.values_list("image", flat=True) if name]
    trial.delete()
    for name in names:
        transaction.on_commit(partial(default_storage.delete, name))
