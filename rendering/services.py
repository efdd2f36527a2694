"""Running one render job on this worker: claim, render with live progress, store, finish.

The engine (`painter`) is imported lazily so that the web tier, which imports this app
for its tasks' names, never needs torch.
"""

from __future__ import annotations

import io
import logging
import os
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from core.files import STORAGE_ERRORS
from orders.jobs import (
    STORAGE_RELEASES_FREE,
    RenderOutput,
    render_job_claim,
    render_job_fail,
    render_job_finish,
    render_job_heartbeat,
    render_job_release,
    render_job_set_progress_image,
    render_job_storage_releases,
)

if TYPE_CHECKING:
    from PIL import Image

    from orders.models import RenderJob
    from painter import Progress, Recipe, Watermark
    from painter.pipeline import RenderResult
    from styles.models import StyleTrial, StyleTrialImage

logger = logging.getLogger(__name__)
PROGRESS_IMAGE_SIDE = 384
# Set when this worker process is asked to stop (SIGTERM: a spot machine being reclaimed).
SHUTDOWN_REQUESTED = threading.Event()
# With Redis configured, progress goes to the shared cache every callback and to the database only
# this often, so a busy fleet does not hammer PostgreSQL.
DB_PROGRESS_EVERY_SECONDS_WITH_CACHE = 30.0


def progress_cache_key(job_id: int) -> str:
    return f"picmatix:render-progress:{job_id}"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class LeaseKeeper(threading.Thread):
    """Renews the job's lease on a timer, also while the engine is busy between callbacks
    (loading weights, upscaling), and notices when the job was taken away."""

    def __init__(self, *, job_id: int, worker: str) -> None:
        super().__init__(daemon=True, name=f"lease-{job_id}")
        self.job_id = job_id
        self.worker = worker
        self.stopped = threading.Event()
        self.lost = threading.Event()

    def run(self) -> None:
        interval = max(1.0, settings.RENDER_LEASE_SECONDS / 4)
        try:
            while not self.stopped.wait(interval):
                if not render_job_heartbeat(job_id=self.job_id, worker=self.worker):
                    self.lost.set()
                    return
        finally:
            connection.close()


class RenderTimeLimit(Exception):
    pass


class ProgressReporter:
    """The engine's progress callback: publishes progress, enforces the time limit, and hands the
    job back when the worker is told to stop and the render would not finish within the grace."""

    def __init__(self, *, job_id: int, worker: str, keeper: LeaseKeeper, watermark: Watermark | None = None) -> None:
        self.job_id = job_id
        self.worker = worker
        self.keeper = keeper
        # The progress image is shown before payment, like the preview, so it carries the recipe's
        # watermark; set once the recipe is read (None: the engine's default mark, never none).
        self.watermark = watermark
        self.last_write = 0.0
        self.last_db_write = 0.0
        self.released = False

    def __call__(self, progress: Progress) -> bool:
        if self.keeper.lost.is_set():
            return False  # the engine stops with RenderCancelled
        if progress.elapsed_s > settings.RENDER_TIME_LIMIT_SECONDS:
            raise RenderTimeLimit(f"render ran past its limit of {settings.RENDER_TIME_LIMIT_SECONDS} s")
        if SHUTDOWN_REQUESTED.is_set() and (progress.eta_s or 0) > settings.RENDER_SHUTDOWN_GRACE_SECONDS:
            self.released = render_job_release(
                job_id=self.job_id, worker=self.worker, reason=f"worker stopping, {progress.eta_s:.0f} s left"
            )
            return False
        if progress.image is not None:
            jpeg = _small_jpeg(progress.image, watermark=self.watermark)
            try:
                render_job_set_progress_image(job_id=self.job_id, worker=self.worker, jpeg=jpeg)
            except STORAGE_ERRORS as error:
                # Only a glimpse for the waiting customer: the painting goes on without it.
                logger.warning("job %s: progress image not stored (%s)", self.job_id, type(error).__name__)
        now = time.monotonic()
        last = progress.iteration >= progress.iterations
        if now - self.last_write >= settings.RENDER_PROGRESS_EVERY_SECONDS or last:
            self.last_write = now
            data = progress_dict(progress)
            if settings.REDIS_URL:
                cache.set(progress_cache_key(self.job_id), data, timeout=settings.RENDER_LEASE_SECONDS * 2)
                if now - self.last_db_write < DB_PROGRESS_EVERY_SECONDS_WITH_CACHE and not last:
                    return True
            self.last_db_write = now
            if not render_job_heartbeat(job_id=self.job_id, worker=self.worker, progress=data):
                self.keeper.lost.set()
                return False
        return True


def progress_dict(progress: Progress) -> dict[str, Any]:
    done = (progress.pass_index * progress.iterations + progress.iteration) / max(
        1, progress.pass_count * progress.iterations
    )
    return {
        "pass": progress.pass_index + 1,
        "passes": progress.pass_count,
        "iteration": progress.iteration,
        "iterations": progress.iterations,
        "percent": round(100 * done, 1),
        "loss": float(progress.loss),
        "eta_seconds": None if progress.eta_s is None else round(progress.eta_s),
        "elapsed_seconds": round(progress.elapsed_s, 1),
        "peak_memory_bytes": progress.peak_memory_bytes,
    }


def _small_jpeg(image: Image.Image, *, watermark: Watermark | None) -> bytes:
    from painter.recipe import Watermark
    from painter.watermark import apply_watermark

    small = image.copy()
    small.thumbnail((PROGRESS_IMAGE_SIDE, PROGRESS_IMAGE_SIDE))
    # Marked after shrinking: the mark's size is relative to the image, so it looks as on the preview.
    small = apply_watermark(small, watermark or Watermark())
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _open_image(field: Any) -> Image.Image:
    from PIL import Image

    with field.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image.convert("RGB")


def render_job_execute(*, job_id: int, worker: str) -> str:
    """Render one job if this worker can claim it, with its own lease keeper and progress, and store
    the painting. Returns what happened to the job, for logs and tests."""
    job = render_job_claim(job_id=job_id, worker=worker)
    if job is None:
        logger.info("job %s: not claimable by %s (done, taken or out of attempts)", job_id, worker)
        return "skipped"
    keeper = LeaseKeeper(job_id=job.pk, worker=worker)
    reporter = ProgressReporter(job_id=job.pk, worker=worker, keeper=keeper)
    keeper.start()
    try:
        result: RenderResult | Exception = _paint(job, reporter)
    except Exception as exc:  # the job's own (a bad recipe or photo) or the worker's (no CUDA, a bug)
        result = exc
    finally:
        keeper.stopped.set()
        keeper.join(timeout=5)
    if isinstance(result, Exception):
        return _failed(job.pk, worker, reporter, result)
    return _store(job.pk, worker, result)


def _paint(job: RenderJob, reporter: ProgressReporter) -> RenderResult:
    """The engine's painting of ``job`` from its stored recipe, reporting progress to ``reporter``."""
    import painter as engine

    recipe = engine.Recipe.from_dict(job.recipe)
    reporter.watermark = recipe.watermark
    return engine.render(
        _open_image(job.order.content_image),
        [_open_image(job.order.style.image)],
        recipe,
        device=settings.RENDER_DEVICE,
        progress=reporter,
        save_every=settings.RENDER_PROGRESS_IMAGE_EVERY,
        waifu2x_dir=settings.WAIFU2X_DIR or None,
    )


def _failed(job_id: int, worker: str, reporter: ProgressReporter, exc: Exception) -> str:
    """Record why a job's render stopped; what happened, for logs and tests."""
    import painter as engine

    if isinstance(exc, engine.RenderCancelled):
        if reporter.released:
            return "released"
        logger.warning("job %s: lease lost by %s, render abandoned", job_id, worker)
        return "lost"
    if isinstance(exc, engine.InsufficientMemory) and exc.transient:
        # Too little memory free just now (another process on the host): another try, here or on
        # another worker, may fit; the job's attempts bound how often.
        render_job_fail(job_id=job_id, worker=worker, error=f"{type(exc).__name__}: {exc}", retryable=True)
        return "retry"
    if isinstance(exc, engine.EngineError | RenderTimeLimit):
        # The engine's own errors (bad recipe or photo, too little memory, missing VGG or waifu2x
        # files) are not cured by retrying: staff must fix the recipe, the photo or the worker.
        render_job_fail(job_id=job_id, worker=worker, error=f"{type(exc).__name__}: {exc}", retryable=False)
        return "failed"
    logger.error("job %s: render crashed", job_id, exc_info=exc)
    render_job_fail(job_id=job_id, worker=worker, error=f"{type(exc).__name__}: {exc}", retryable=True)
    return "retry"


def _store(job_id: int, worker: str, result: RenderResult) -> str:
    preview = io.BytesIO()
    result.preview.convert("RGB").save(preview, "JPEG", quality=88)
    hd = io.BytesIO()
    result.hd.save(hd, "PNG")
    stats = {k: v for k, v in result.stats.items() if isinstance(v, (int, float, str, list, dict, type(None)))}
    try:
        finished = render_job_finish(
            job_id=job_id, worker=worker, output=RenderOutput(preview.getvalue(), hd.getvalue(), stats)
        )
    except STORAGE_ERRORS as error:
        logger.error("job %s: painting not stored (%s: %s)", job_id, type(error).__name__, error)
        reason = f"storage failed: {type(error).__name__}"
        if render_job_storage_releases(job_id=job_id) < STORAGE_RELEASES_FREE:
            # The storage failed, not the job: it goes back to the queue with its attempt returned,
            # and the customer is not told that their photo failed.
            return "released" if render_job_release(job_id=job_id, worker=worker, reason=reason) else "lost"
        # A storage that stays down is an outage, not a blip: painting again for ever would only burn
        # GPU time; the job now spends its attempts as any failure does, and staff hear of it.
        render_job_fail(job_id=job_id, worker=worker, error=reason, retryable=True)
        return "retry"
    return "done" if finished else "lost"


class TrialProgress:
    """A test render's progress callback: the time limit, the heartbeat, and stopping when told to."""

    def __init__(self, *, trial_id: int, worker: str) -> None:
        self.trial_id = trial_id
        self.worker = worker
        self.last_beat = time.monotonic()

    def __call__(self, progress: Progress) -> bool:
        from styles.services import style_trial_heartbeat

        if progress.elapsed_s > settings.RENDER_TIME_LIMIT_SECONDS:
            raise RenderTimeLimit(f"render ran past its limit of {settings.RENDER_TIME_LIMIT_SECONDS} s")
        # Test renders are small (iterations well under a second), so the progress callback is often
        # enough to show the reaper this worker is alive; a render job needs its lease thread.
        if time.monotonic() - self.last_beat > settings.RENDER_LEASE_SECONDS / 4:
            self.last_beat = time.monotonic()
            if not style_trial_heartbeat(trial_id=self.trial_id, worker=self.worker):
                return False  # failed by the reaper meanwhile: stop painting
        return not SHUTDOWN_REQUESTED.is_set()  # a test render is cheap to start again


def style_trial_execute(*, trial_id: int, worker: str) -> str:
    """Paint a test render (one recipe of a style on each sample photo), or a calibration. Returns
    what happened."""
    from styles.models import StyleTrial
    from styles.services import style_trial_claim, style_trial_finish, trial_recipe

    trial = style_trial_claim(trial_id=trial_id, worker=worker)
    if trial is None:
        return "skipped"
    if trial.kind == StyleTrial.Kind.CALIBRATION:
        return _calibrate(trial, worker)
    import painter as engine

    try:
        recipe = engine.Recipe.from_dict(trial_recipe(trial.recipe, max_size=trial.max_size))
        style = _open_image(trial.style.image)
    except Exception as exc:
        style_trial_finish(trial_id=trial_id, worker=worker, error=f"{type(exc).__name__}: {exc}")
        return "failed"
    progress = TrialProgress(trial_id=trial_id, worker=worker)
    for item in trial.images.select_related("sample"):
        try:
            _trial_paint_sample(item, style=style, recipe=recipe, worker=worker, progress=progress)
        except engine.RenderCancelled:
            style_trial_finish(trial_id=trial_id, worker=worker, error="the worker stopped; start it again")
            return "cancelled"
    finished = style_trial_finish(trial_id=trial_id, worker=worker)
    logger.info("test render %s of style %s finished on %s", trial_id, trial.style.slug, worker)
    return "done" if finished else "lost"


def _calibrate(trial: StyleTrial, worker: str) -> str:
    """Run painter.calibrate on the calibration's sample photos, keeping each rung as it is painted."""
    import painter as engine
    from painter.calibrate import Rung, calibrate
    from styles.calibration import calibration_samples, style_calibration_finish, style_calibration_rung_store

    try:
        recipe = engine.Recipe.from_dict(trial.recipe)
        style = _open_image(trial.style.image)
        samples = calibration_samples(trial)
        if not samples:
            raise ValueError("its sample photos were deleted")
        photos = [(sample.title or f"sample {sample.pk}", _open_image(sample.image)) for sample in samples]
    except Exception as exc:
        style_calibration_finish(trial_id=trial.pk, worker=worker, ladder=None, error=f"{type(exc).__name__}: {exc}")
        return "failed"

    def keep(rung: Rung) -> None:
        paintings = []
        for sample, image, measure in zip(samples, rung.images, rung.measures, strict=True):
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, "JPEG", quality=88)
            paintings.append(
                {
                    "sample_id": sample.pk,
                    "jpeg": buffer.getvalue(),
                    "width": image.width,
                    "height": image.height,
                    "measure": {
                        "content_change": measure.content_change,
                        "style_closed": measure.style_closed,
                        "colour_closed": measure.colour_closed,
                    },
                }
            )
        stored = style_calibration_rung_store(
            trial_id=trial.pk, worker=worker, multiplier=rung.multiplier, paintings=paintings, seconds=rung.seconds
        )
        # Failed by the reaper meanwhile, or the worker is stopping: a calibration is cheap to start again.
        if not stored or SHUTDOWN_REQUESTED.is_set():
            raise engine.RenderCancelled("calibration stopped")

    try:
        result = calibrate([style], photos, recipe, device=settings.RENDER_DEVICE, on_rung=keep)
    except engine.RenderCancelled:
        style_calibration_finish(
            trial_id=trial.pk, worker=worker, ladder=None, error="the worker stopped; start it again"
        )
        return "cancelled"
    except Exception as exc:
        logger.warning("calibration %s of style %s failed: %s", trial.pk, trial.style.slug, exc)
        style_calibration_finish(trial_id=trial.pk, worker=worker, ladder=None, error=f"{type(exc).__name__}: {exc}")
        return "failed"
    ladder = result.to_dict()
    ladder.pop("recipe")
    finished = style_calibration_finish(trial_id=trial.pk, worker=worker, ladder=ladder)
    logger.info(
        "calibration %s of style %s: x%g in %.0f s (%s)",
        trial.pk,
        trial.style.slug,
        result.multiplier,
        result.seconds,
        "in the band" if result.in_band else "outside the band",
    )
    return "done" if finished else "lost"


def _trial_paint_sample(
    item: StyleTrialImage, *, style: Image.Image, recipe: Recipe, worker: str, progress: TrialProgress
) -> None:
    """Paint one sample photo of a test render and keep it, or note why it could not be painted.
    RenderCancelled goes up: the whole test render stops."""
    import painter as engine
    from styles.services import style_trial_image_fail, style_trial_image_store

    if item.sample is None or not item.sample.image:
        style_trial_image_fail(image_id=item.pk, error="the sample photo was deleted")
        return
    began = time.monotonic()
    try:
        result = engine.render(
            _open_image(item.sample.image),
            [style],
            recipe,
            device=settings.RENDER_DEVICE,
            progress=progress,
            waifu2x_dir=settings.WAIFU2X_DIR or None,
        )
    except engine.RenderCancelled:
        raise
    except Exception as exc:
        logger.warning("test render %s: sample %s failed: %s", item.trial_id, item.sample_id, exc)
        style_trial_image_fail(image_id=item.pk, error=f"{type(exc).__name__}: {exc}")
        return
    buffer = io.BytesIO()
    result.hd.convert("RGB").save(buffer, "JPEG", quality=88)
    style_trial_image_store(
        image_id=item.pk,
        worker=worker,
        jpeg=buffer.getvalue(),
        width=result.hd.width,
        height=result.hd.height,
        seconds=time.monotonic() - began,
    )
