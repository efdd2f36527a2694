"""Retention on S3: unpaid orders lose their files after N days, paid ones after M days from payment."""

from __future__ import annotations

import secrets
from datetime import timedelta
from io import StringIO
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from orders.models import Order, OrderEvent, RenderJob
from orders.retention import retention_purge

if TYPE_CHECKING:
    from django.test import Client
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

    from picmatix.tests.s3server import S3
    from styles.models import Style


pytestmark = pytest.mark.django_db
NOW = timezone.now()


@pytest.fixture
def rules(settings: Settings) -> None:
    settings.RETENTION_UNPAID_DAYS = 30
    settings.RETENTION_PAID_DAYS = 365


def stored_order(
    style: Style, *, age_days: float, paid_days_ago: float | None = None, job_status: Any = RenderJob.Status.DONE
) -> Any:
    """An order with every kind of file the shop keeps for it, stored under random keys."""
    key = secrets.token_hex(16)
    order = Order.objects.create(
        email="a@example.com",
        style=style,
        content_image=default_storage.save(f"uploads/{key}.jpg", ContentFile(b"photo")),
        paid_at=None if paid_days_ago is None else NOW - timedelta(days=paid_days_ago),
    )
    Order.objects.filter(pk=order.pk).update(created_at=NOW - timedelta(days=age_days))
    RenderJob.objects.create(
        order=order,
        status=job_status,
        preview=default_storage.save(f"renders/{key}-preview.jpg", ContentFile(b"preview")),
        hd=default_storage.save(f"renders/{key}-hd.png", ContentFile(b"hd")),
        progress_image=default_storage.save(f"progress/{key}.jpg", ContentFile(b"step")),
    )
    order.refresh_from_db()
    return order


def files_of(order: Order) -> set[str]:
    job = order.jobs.get()
    return {order.content_image.name, job.preview.name, job.hd.name, job.progress_image.name}


def test_it_deletes_the_files_of_unpaid_orders_older_than_the_unpaid_period(s3: S3, style: Style, rules: None) -> None:
    old = stored_order(style, age_days=31)
    young = stored_order(style, age_days=29)
    old_files, young_files = files_of(old), files_of(young)
    report = retention_purge(now=NOW)
    assert report.orders == [old.pk]
    assert sorted(report.files) == sorted(old_files)
    keys = set(s3.keys())
    assert not old_files & keys
    assert young_files <= keys
    old.refresh_from_db()
    job = old.jobs.get()
    assert (old.content_image.name, job.preview.name, job.hd.name, job.progress_image.name) == ("", "", "", "")
    event = OrderEvent.objects.get(order=old, kind=OrderEvent.Kind.FILES_PURGED)
    assert event.actor == "retention"
    assert event.data["reason"] == "unpaid"
    assert event.data["days"] == 30
    assert sorted(event.data["files"]) == sorted(old_files)


def in_gallery(order: Order) -> set[str]:
    from gallery.models import GalleryEntry

    key = secrets.token_hex(16)
    entry = GalleryEntry.objects.create(
        order=order,
        after=default_storage.save(f"gallery/{key}-after.jpg", ContentFile(b"small painting")),
        approved_at=NOW,
    )
    Order.objects.filter(pk=order.pk).update(gallery_consent=True)
    return {entry.after.name}


def test_gallery_thumbnails_go_with_the_order_files(
    s3: S3, style: Style, rules: None, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    from gallery.models import GalleryEntry

    old, young = stored_order(style, age_days=31), stored_order(style, age_days=29)
    old_thumbnails, young_thumbnails = in_gallery(old), in_gallery(young)
    assert set(retention_purge(now=NOW, dry_run=True).files) == files_of(old) | old_thumbnails
    with django_capture_on_commit_callbacks(execute=True):
        report = retention_purge(now=NOW)
    assert old_thumbnails <= set(report.files)
    keys = set(s3.keys())
    assert not old_thumbnails & keys
    assert young_thumbnails <= keys
    assert list(GalleryEntry.objects.values_list("order_id", flat=True)) == [young.pk]
    assert old_thumbnails <= set(OrderEvent.objects.get(order=old, kind=OrderEvent.Kind.FILES_PURGED).data["files"])


def test_a_gallery_entry_left_after_an_earlier_purge_is_purged_too(
    s3: S3, style: Style, rules: None, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    old = stored_order(style, age_days=31)
    retention_purge(now=NOW)
    thumbnails = in_gallery(old)  # as entries approved before thumbnails were purged were left
    assert set(retention_purge(now=NOW, dry_run=True).files) == thumbnails
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_purge(now=NOW).orders == [old.pk]
    assert not thumbnails & set(s3.keys())


def test_paid_orders_keep_their_hd_file_for_the_paid_period_counted_from_payment(
    s3: S3, style: Style, rules: None
) -> None:
    paid_recently = stored_order(style, age_days=400, paid_days_ago=300)
    paid_long_ago = stored_order(style, age_days=400, paid_days_ago=366)
    kept, gone = files_of(paid_recently), files_of(paid_long_ago)
    report = retention_purge(now=NOW)
    assert report.orders == [paid_long_ago.pk]
    keys = set(s3.keys())
    assert kept <= keys
    assert not gone & keys
    assert OrderEvent.objects.get(order=paid_long_ago, kind=OrderEvent.Kind.FILES_PURGED).data["reason"] == "paid"


def test_a_second_run_changes_nothing(s3: S3, style: Style, rules: None) -> None:
    stored_order(style, age_days=31)
    assert retention_purge(now=NOW).orders
    again = retention_purge(now=NOW)
    assert again.orders == again.files == []
    assert OrderEvent.objects.filter(kind=OrderEvent.Kind.FILES_PURGED).count() == 1


def test_an_order_still_painting_is_left_alone(s3: S3, style: Style, rules: None) -> None:
    busy = stored_order(style, age_days=31, job_status=RenderJob.Status.RUNNING)
    assert retention_purge(now=NOW).orders == []
    assert files_of(busy) <= set(s3.keys())


def test_a_dry_run_lists_without_deleting(s3: S3, style: Style, rules: None) -> None:
    old = stored_order(style, age_days=31)
    report = retention_purge(now=NOW, dry_run=True)
    assert report.orders == [old.pk]
    assert sorted(report.files) == sorted(files_of(old))
    assert files_of(old) <= set(s3.keys())
    assert not OrderEvent.objects.filter(kind=OrderEvent.Kind.FILES_PURGED).exists()


def test_direct_uploads_never_used_for_an_order_are_swept_after_a_day(s3: S3, rules: None) -> None:
    name = default_storage.save("incoming/" + secrets.token_hex(16), ContentFile(b"abandoned"))
    assert retention_purge(now=timezone.now() + timedelta(hours=2)).incoming == []
    assert retention_purge(now=timezone.now() + timedelta(hours=25)).incoming == [name]
    assert s3.keys("incoming/") == []


def test_the_command_and_the_beat_schedule_run_the_same_purge(s3: S3, style: Style, rules: None) -> None:
    old = stored_order(style, age_days=31)
    out = StringIO()
    call_command("retention_purge", "--dry-run", stdout=out)
    assert "would delete 4 files of 1 orders" in out.getvalue()
    call_command("retention_purge", stdout=out)
    assert not files_of(old) & set(s3.keys())
    entry = django_settings.CELERY_BEAT_SCHEDULE["retention-purge"]
    assert entry["task"] == "orders.tasks.retention_purge_run"
    from orders.tasks import retention_purge_run

    assert retention_purge_run.name == entry["task"]


def test_purged_orders_are_not_reported_as_missing_files_by_reconcile(s3: S3, style: Style, rules: None) -> None:
    from orders.reconcile import reconcile

    old = stored_order(style, age_days=31)
    retention_purge(now=NOW)
    report = reconcile(fix=False)
    assert old.jobs.get().pk not in report.jobs_missing_output


@pytest.mark.parametrize(("language", "sentence"), [("en", "14 days after your order"), ("es", "14 días después")])
def test_the_upload_page_states_how_long_unpaid_photos_are_kept(
    client: Client, settings: Settings, language: str, sentence: str
) -> None:
    settings.RETENTION_UNPAID_DAYS = 14
    page = client.get(f"/{language}/").content.decode()
    assert sentence in page
