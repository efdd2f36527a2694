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
from django.db import connection

from orders.models import RenderJob
from orders.services import (
    RenderOutput,
    render_job_claim,
    render_job_fail,
    render_job_finish,
    render_job_heartbeat,
    render_job_set_progress_image,
)

if TYPE_CHECKING:
    from PIL import Image

    from rendering.engine import Progress

logger = logging.getLogger(__name__)
PROGRESS_IMAGE_SIDE = 384


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


class ProgressReporter:
    """The engine's progress callback: publishes progress at most every few seconds."""

    def __init__(self, *, job_id: int, worker: str, keeper: LeaseKeeper) -> None:
        self.job_id = job_id
        self.worker = worker
        self.keeper = keeper
        self.last_write = 0.0

    def __call__(self, progress: Progress) -> bool:
        if self.keeper.lost.is_set():
            return False  # the engine stops with RenderCancelled
        if progress.image is not None:
            render_job_set_progress_image(job_id=self.job_id, worker=self.worker, jpeg=_small_jpeg(progress.image))
        now = time.monotonic()
        last = progress.iteration >= progress.iterations
        if now - self.last_write >= settings.RENDER_PROGRESS_EVERY_SECONDS or last:
            self.last_write = now
            if not render_job_heartbeat(job_id=self.job_id, worker=self.worker, progress=progress_dict(progress)):
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


def _small_jpeg(image: Image.Image) -> bytes:
    small = image.copy()
    small.thumbnail((PROGRESS_IMAGE_SIDE, PROGRESS_IMAGE_SIDE))
    buffer = io.BytesIO()
    small.convert("RGB").save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _open_image(field: Any) -> Image.Image:
    from PIL import Image

    with field.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image.convert("RGB")


def render_job_execute(*, job_id: int, worker: str) -> str:
    """Render one job if this worker can claim it. Returns what happened, for logs and tests."""
    job = render_job_claim(job_id=job_id, worker=worker)
    if job is None:
        logger.info("job %s: not claimable by %s (done, taken or out of attempts)", job_id, worker)
        return "skipped"
    from rendering import engine

    keeper = LeaseKeeper(job_id=job_id, worker=worker)
    keeper.start()
    try:
        recipe = engine.Recipe.from_dict(job.recipe)
        content = _open_image(job.order.content_image)
        style = _open_image(job.order.style.image)
        result = engine.render(
            content,
            [style],
            recipe,
            device=settings.RENDER_DEVICE,
            progress=ProgressReporter(job_id=job_id, worker=worker, keeper=keeper),
            save_every=settings.RENDER_PROGRESS_IMAGE_EVERY,
            waifu2x_dir=settings.WAIFU2X_DIR or None,
        )
    except engine.RenderCancelled:
        logger.warning("job %s: lease lost by %s, render abandoned", job_id, worker)
        return "lost"
    except (engine.RecipeError, engine.ImageError, engine.InsufficientMemory, engine.WeightsNotFound) as exc:
        # Retrying cannot cure these: staff must fix the recipe, the photo or the worker's setup.
        render_job_fail(job_id=job_id, worker=worker, error=f"{type(exc).__name__}: {exc}", retryable=False)
        return "failed"
    except Exception as exc:
        logger.exception("job %s: render crashed", job_id)
        render_job_fail(job_id=job_id, worker=worker, error=f"{type(exc).__name__}: {exc}", retryable=True)
        return "retry"
    finally:
        keeper.stopped.set()
        keeper.join(timeout=5)
    preview = io.BytesIO()
    result.preview.convert("RGB").save(preview, "JPEG", quality=88)
    hd = io.BytesIO()
    result.hd.save(hd, "PNG")
    stats = {k: v for k, v in result.stats.items() if isinstance(v, (int, float, str, list, dict, type(None)))}
    finished = render_job_finish(
        job_id=job_id, worker=worker, output=RenderOutput(preview.getvalue(), hd.getvalue(), stats)
    )
    return "done" if finished else "lost"


def render_job_status(job_id: int) -> str | None:
    return RenderJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
