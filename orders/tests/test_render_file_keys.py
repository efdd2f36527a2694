"""The preview (seen by anyone with the order page) names nothing about the HD file (sold)."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from orders.jobs import RenderOutput, render_job_claim, render_job_finish
from orders.models import Order, RenderJob

if TYPE_CHECKING:
    from pytest_mock import MockerFixture

    from styles.models import Style


pytestmark = pytest.mark.django_db
OUTPUT = RenderOutput(preview_jpeg=b"preview", hd_png=b"hd", stats={})


def finished_job(style: Style) -> RenderJob:
    order = Order.objects.create(email="a@example.com", style=style, content_image="uploads/x.jpg")
    job = RenderJob.objects.create(order=order)
    render_job_claim(job_id=job.pk, worker="w")
    assert render_job_finish(job_id=job.pk, worker="w", output=OUTPUT)
    job.refresh_from_db()
    return job


def test_preview_and_hd_files_have_independent_random_keys(style: Style, media: Path, mocker: MockerFixture) -> None:
    mocker.patch("orders.tasks.order_preview_email_send.delay")
    for job in (finished_job(style), finished_job(style)):
        preview = re.fullmatch(r"renders/([0-9a-f]{32})-preview\.jpg", job.preview.name)
        hd = re.fullmatch(r"renders/([0-9a-f]{32})-hd\.png", job.hd.name)
        assert preview, job.preview.name
        assert hd, job.hd.name
        preview_key, hd_key = preview.group(1), hd.group(1)
        # Two independent 128-bit keys share no long run by chance; a derived key would.
        longest = SequenceMatcher(None, preview_key, hd_key).find_longest_match()
        assert longest.size < 8, (preview_key, hd_key)
        assert (media / job.preview.name).read_bytes() == b"preview"
        assert (media / job.hd.name).read_bytes() == b"hd"
