"""The intermediate images shown before payment carry the preview's watermark."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from PIL import Image

from orders.models import Order, RenderJob
from painter.recipe import Watermark, recipe_preset
from painter.watermark import apply_watermark
from rendering.services import PROGRESS_IMAGE_SIDE

if TYPE_CHECKING:
    from django.test import Client
    from pytest_mock import MockerFixture

    from styles.models import Style


pytest.importorskip("torch")
pytestmark = pytest.mark.django_db
MARK = Watermark(text="PICMATIX PROOF", opacity=0.8, size=0.08)


def painting_in_progress() -> Image.Image:
    """A smooth gradient: a watermark's letters show up as sharp changes on it."""
    x = np.linspace(0, 255, 512, dtype=np.float32)
    rgb = np.stack(
        [np.add.outer(x[:384] * 0.3, x * 0.5), np.add.outer(x[:384] * 0.6, x * 0.2), np.full((384, 512), 90.0)]
    )
    return Image.fromarray(np.clip(rgb.transpose(1, 2, 0), 0, 255).astype(np.uint8), "RGB")


def difference(a: Image.Image, b: Image.Image) -> float:
    return float(np.abs(np.asarray(a, np.float32) - np.asarray(b, np.float32)).mean())


@pytest.fixture
def job(style: Style) -> RenderJob:
    recipe = recipe_preset("tiny").to_dict()
    recipe["watermark"] = {**recipe["watermark"], "text": MARK.text, "opacity": MARK.opacity, "size": MARK.size}
    style.recipe = recipe
    style.save()
    order = Order.objects.create(email="a@example.com", style=style, content_image=style.image.name)
    return RenderJob.objects.create(order=order, recipe=recipe)


def test_a_served_progress_image_is_the_raw_one_watermarked_like_the_preview(
    client: Client, job: RenderJob, media: Path, mocker: MockerFixture
) -> None:
    from rendering.services import render_job_execute

    raw = painting_in_progress()
    served: list[Image.Image] = []

    def render(content: Any, styles: Any, recipe: Any, *, progress: Any, **options: Any) -> None:
        assert recipe.watermark == MARK  # the job's own recipe, as the preview gets it
        step = SimpleNamespace(
            pass_index=0, pass_count=1, iteration=1, iterations=10, loss=1.0, elapsed_s=0.1, eta_s=1.0,
            peak_memory_bytes=0, image=raw,
        )  # fmt: skip
        assert progress(step) is True
        # What the customer's browser gets while the painting goes on, before anyone has paid.
        response = client.get(f"/en/orders/{job.order.token}/progress.jpg")
        assert response.status_code == 200
        served.append(Image.open(io.BytesIO(response.getvalue())).convert("RGB"))
        raise RuntimeError("stop after the first step")

    mocker.patch("painter.render", render)
    assert render_job_execute(job_id=job.pk, worker="w1") == "retry"
    assert len(served) == 1
    small = raw.copy()
    small.thumbnail((PROGRESS_IMAGE_SIDE, PROGRESS_IMAGE_SIDE))
    assert served[0].size == small.size
    # Equal to the engine's watermark applied to the raw image (up to JPEG's losses), and far from the raw one.
    to_marked, to_raw = difference(served[0], apply_watermark(small, MARK)), difference(served[0], small)
    assert to_marked < 4.0, (to_marked, to_raw)
    assert to_raw > 3 * to_marked, (to_marked, to_raw)
