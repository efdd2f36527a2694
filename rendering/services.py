"""Running one render job on this worker: claim, render with live progress, store, finish.

The engine (`rendering.engine`) is imported lazily so that the web tier, which imports this app
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

from orders.jobs import (
    RenderOutput,
    render_job_claim,
    render_job_fail,
    render_job_finish,
    render_job_heartbeat,
    render_job_release,
    render_job_set_progress_image,
    render_jobs_waiting,
)

if TYPE_CHECKING:
    from PIL import Image

    from orders.models import Order, RenderJob
    from rendering.engine import Progress, Recipe, Watermark
    from rendering.engine.pipeline import RenderResult
    from styles.models import StyleTrialImage

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
            render_job_set_progress_image(job_id=self.job_id, worker=self.worker, jpeg=jpeg)
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
    from rendering.engine.recipe import Watermark
    from rendering.engine.watermark import apply_watermark

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
    """Render one job if this worker can claim it, and with it up to ``RENDER_BATCH - 1`` queued jobs
    that can share its batch. Returns what happened to job ``job_id``, for logs and tests."""
    job = render_job_claim(job_id=job_id, worker=worker)
    if job is None:
        logger.info("job %s: not claimable by %s (done, taken or out of attempts)", job_id, worker)
        return "skipped"
    jobs = [job, *_claim_companions(job, worker=worker, room=settings.RENDER_BATCH - 1)]
    outcomes = _render_claimed(jobs, worker=worker)
    if len(jobs) > 1:
        told = ", ".join(f"job {j.pk} {outcome}" for j, outcome in zip(jobs, outcomes, strict=True))
        logger.info("%s painted %d jobs in one batch: %s", worker, len(jobs), told)
    return outcomes[0]


def _claim_companions(job: RenderJob, *, worker: str, room: int) -> list[RenderJob]:
    """Claim up to ``room`` queued jobs that one batch can paint with ``job``: the same recipe, photos
    of the same size at every pass. Their own messages, delivered later, find them taken and do
    nothing (render_job_claim decides, as for any duplicate)."""
    if room < 1:
        return []
    from rendering import engine
    from rendering.engine.images import scaled_size

    try:
        sizes = [spec.size for spec in engine.Recipe.from_dict(job.recipe).passes]
    except engine.EngineError:
        return []  # the job fails on its own, and alone

    def pass_sizes(order: Order) -> tuple[tuple[int, int], ...] | None:
        if not (order.content_width and order.content_height):
            return None
        return tuple(scaled_size((order.content_width, order.content_height), size) for size in sizes)

    wanted = pass_sizes(job.order)
    claimed: list[RenderJob] = []
    if wanted is None:
        return claimed
    for candidate in render_jobs_waiting(like=job, limit=4 * room):
        if pass_sizes(candidate.order) != wanted:
            continue
        companion = render_job_claim(job_id=candidate.pk, worker=worker)
        if companion is not None:
            claimed.append(companion)
            if len(claimed) == room:
                break
    return claimed


def _render_claimed(jobs: list[RenderJob], *, worker: str) -> list[str]:
    """Paint claimed jobs of one recipe (one alone as engine.render, several in one batch), each with its
    own lease keeper and progress; store each painting. What happened to each job, in order."""
    from rendering import engine
    from rendering.engine.pipeline import BatchJob, render_batch

    keepers = [LeaseKeeper(job_id=job.pk, worker=worker) for job in jobs]
    reporters = [
        ProgressReporter(job_id=job.pk, worker=worker, keeper=keeper) for job, keeper in zip(jobs, keepers, strict=True)
    ]
    for keeper in keepers:
        keeper.start()
    outcomes: dict[int, str] = {}
    results: dict[int, RenderResult | Exception] = {}
    options: dict[str, Any] = dict(
        device=settings.RENDER_DEVICE,
        save_every=settings.RENDER_PROGRESS_IMAGE_EVERY,
        waifu2x_dir=settings.WAIFU2X_DIR or None,
    )
    try:
        recipe: engine.Recipe | None = None
        batch: dict[int, BatchJob] = {}
        for index, job in enumerate(jobs):
            try:
                recipe = engine.Recipe.from_dict(job.recipe)  # one recipe: render_jobs_waiting matched it
                reporters[index].watermark = recipe.watermark
                content = _open_image(job.order.content_image)
                style = _open_image(job.order.style.image)
            except Exception as exc:
                outcomes[index] = _failed(job.pk, worker, reporters[index], exc)
                continue
            batch[index] = BatchJob(content, [style], progress=reporters[index])
        if batch and recipe is not None:
            painted: list[RenderResult | Exception]
            try:
                if len(batch) == 1:
                    (one,) = batch.values()
                    painted = [engine.render(one.content, one.styles, recipe, progress=one.progress, **options)]
                else:
                    painted = render_batch(list(batch.values()), recipe, **options)
            except Exception as exc:  # what fails every job alike: no CUDA, no weights, a bug
                painted = [exc] * len(batch)
            results = dict(zip(batch, painted, strict=True))
    finally:
        for keeper in keepers:
            keeper.stopped.set()
        for keeper in keepers:
            keeper.join(timeout=5)
    for index, result in results.items():
        if isinstance(result, Exception):
            outcomes[index] = _failed(jobs[index].pk, worker, reporters[index], result)
        else:
            outcomes[index] = _store(jobs[index].pk, worker, result)
    return [outcomes[index] for index in range(len(jobs))]


def _failed(job_id: int, worker: str, reporter: ProgressReporter, exc: Exception) -> str:
    """Record why a job's render stopped; what happened, for logs and tests."""
    from rendering import engine

    if isinstance(exc, engine.RenderCancelled):
        if reporter.released:
            return "released"
        logger.warning("job %s: lease lost by %s, render abandoned", job_id, worker)
        return "lost"
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
    finished = render_job_finish(
        job_id=job_id, worker=worker, output=RenderOutput(preview.getvalue(), hd.getvalue(), stats)
    )
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
    """Paint a test render (one recipe of a style on each sample photo). Returns what happened."""
    from styles.services import style_trial_claim, style_trial_finish, trial_recipe

    trial = style_trial_claim(trial_id=trial_id, worker=worker)
    if trial is None:
        return "skipped"
    from rendering import engine

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


def _trial_paint_sample(
    item: StyleTrialImage, *, style: Image.Image, recipe: Recipe, worker: str, progress: TrialProgress
) -> None:
    """Paint one sample photo of a test render and keep it, or note why it could not be painted.
    RenderCancelled goes up: the whole test render stops."""
    from rendering import engine
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
