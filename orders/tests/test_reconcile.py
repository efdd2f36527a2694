from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from orders.models import Order, RenderJob
from orders.reconcile import reconcile

if TYPE_CHECKING:
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks
    from pytest_mock import MockerFixture

    from styles.models import Style


pytestmark = pytest.mark.django_db


def store(name: str, *, age_hours: float = 2) -> str:
    stored = default_storage.save(name, ContentFile(b"x"))
    then = time.time() - age_hours * 3600
    os.utime(default_storage.path(stored), (then, then))
    return stored


@pytest.fixture
def planted(style: Style, media: Path, mocker: MockerFixture) -> dict[str, Any]:
    """One inconsistency of each kind, beside a healthy order."""
    mocker.patch("rendering.tasks.render_job_run.delay")
    healthy = Order.objects.create(email="ok@example.com", style=style, content_image=store("uploads/ok.jpg"))
    RenderJob.objects.create(
        order=healthy, status="done", preview=store("renders/ok-preview.jpg"), hd=store("renders/ok-hd.png")
    )
    orphan = store("uploads/orphan.jpg")
    young = store("uploads/in-flight.jpg", age_hours=0)  # an upload whose order is being written
    no_photo = Order.objects.create(email="np@example.com", style=style, content_image="uploads/gone.jpg")
    RenderJob.objects.create(order=no_photo, status="queued", enqueued_at=timezone.now())
    lost_output = Order.objects.create(email="lo@example.com", style=style, content_image=store("uploads/lo.jpg"))
    lost_job = RenderJob.objects.create(order=lost_output, status="done", preview="renders/gone.jpg", hd="")
    stuck = Order.objects.create(email="st@example.com", style=style, content_image=store("uploads/st.jpg"))
    stuck_job = RenderJob.objects.create(
        order=stuck, status="running", worker="dead", attempts=1, lease_expires_at=timezone.now() - timedelta(hours=1)
    )
    forgotten = Order.objects.create(email="fg@example.com", style=style, content_image=store("uploads/fg.jpg"))
    forgotten_job = RenderJob.objects.create(
        order=forgotten, status="queued", enqueued_at=timezone.now() - timedelta(hours=2)
    )
    return {
        "orphan": orphan, "young": young, "no_photo": no_photo, "lost_job": lost_job,
        "stuck_job": stuck_job, "forgotten_job": forgotten_job,
    }  # fmt: skip


def test_inconsistencies_are_reported_without_changing_anything(planted: dict[str, Any]) -> None:
    report = reconcile(fix=False)
    assert report.orphan_files == [planted["orphan"]]
    assert report.orders_missing_photo == [planted["no_photo"].pk]
    assert report.jobs_missing_output == [planted["lost_job"].pk]
    assert report.jobs_lease_expired == [planted["stuck_job"].pk]
    assert report.jobs_queued_overdue == [planted["forgotten_job"].pk]
    assert report.fixed == []
    assert default_storage.exists(planted["orphan"])


def test_fix_repairs_what_is_safe(
    planted: dict[str, Any], django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks, mocker: MockerFixture
) -> None:
    send = mocker.patch("rendering.tasks.render_job_run.delay")
    with django_capture_on_commit_callbacks(execute=True):
        report = reconcile(fix=True)
    assert len(report.fixed) == 5
    assert f"re-queued job {planted['lost_job'].pk}: its output files are missing" in report.fixed
    send.assert_any_call(planted["lost_job"].pk)  # its message goes at once, not with the reaper
    assert not default_storage.exists(planted["orphan"])
    assert default_storage.exists(planted["young"])
    planted["no_photo"].refresh_from_db()
    assert planted["no_photo"].status == Order.Status.FAILED
    assert RenderJob.objects.get(pk=planted["lost_job"].pk).status == "queued"
    assert RenderJob.objects.get(pk=planted["stuck_job"].pk).status == "queued"
    enqueued_at = RenderJob.objects.get(pk=planted["forgotten_job"].pk).enqueued_at
    assert enqueued_at is not None
    assert enqueued_at > timezone.now() - timedelta(minutes=1)
    assert reconcile(fix=False).problems == 0


def test_the_command_prints_json_and_says_how_to_fix(
    planted: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("picmatix_reconcile")
    captured = capsys.readouterr()
    assert '"orphan_files"' in captured.out
    assert "--fix" in captured.err


def test_a_gallery_thumbnail_no_entry_references_is_an_orphan_too(painted_order: Order, media: Path) -> None:
    from gallery.models import GalleryEntry

    kept = store("gallery/kept.jpg")
    GalleryEntry.objects.create(order=painted_order, after=kept, approved_at=timezone.now())
    left = store("gallery/left-behind.jpg")  # its entry went, its delete failed
    report = reconcile(fix=True)
    assert report.orphan_files == [left]
    assert not default_storage.exists(left)
    assert default_storage.exists(kept)
