"""Sample photos for test renders: uploaded by staff, or added by a management command."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from PIL import Image

from conftest import jpeg_bytes, stored_files
from styles.models import SamplePhoto

if TYPE_CHECKING:
    from django.test import Client
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks


pytestmark = pytest.mark.django_db


def test_the_command_adds_drawn_samples_of_the_hard_cases(media: Path) -> None:
    out = io.StringIO()
    call_command("picmatix_add_samples", "--generated", stdout=out)
    samples = list(SamplePhoto.objects.all())
    assert [s.title for s in samples] == ["Small face in a park", "Mountain lake", "Flower bed"]
    assert [s.position for s in samples] == [0, 1, 2]
    with samples[0].image.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
    assert image.format == "JPEG"
    assert image.size == (640, 480) == (samples[0].width, samples[0].height)


def test_the_command_adds_files_upright_small_and_without_metadata(media: Path, tmp_path: Path) -> None:
    photo = Image.new("RGB", (1600, 1200), (10, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    exif[0x010F] = "SecretCam"
    path = tmp_path / "tall_portrait.jpg"
    photo.save(path, "JPEG", exif=exif)
    call_command("picmatix_add_samples", str(path), stdout=io.StringIO())
    sample = SamplePhoto.objects.get()
    assert sample.title == "tall portrait"
    assert (sample.width, sample.height) == (768, 1024)
    with sample.image.open("rb") as handle:
        assert b"SecretCam" not in handle.read()


def test_the_command_refuses_what_is_not_an_image(media: Path, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(CommandError, match="not an image"):
        call_command("picmatix_add_samples", str(path))
    with pytest.raises(CommandError):
        call_command("picmatix_add_samples")


def test_staff_upload_a_sample_and_deleting_it_deletes_the_file(
    admin_client: Client, media: Path, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    upload = SimpleUploadedFile("face.jpg", jpeg_bytes((300, 200)), content_type="image/jpeg")
    response = admin_client.post(
        "/admin/styles/samplephoto/add/", {"upload": upload, "title": "Face", "active": "on", "position": "4"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    sample = SamplePhoto.objects.get()
    assert (sample.title, sample.position, sample.active, sample.width) == ("Face", 4, True, 300)
    listing = admin_client.get("/admin/styles/samplephoto/").content.decode()
    assert f"/admin/styles/style/sample-photos/{sample.pk}.jpg" in listing
    assert len(stored_files(media / "samples")) == 1
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/admin/styles/samplephoto/{sample.pk}/delete/", {"post": "yes"})
    assert not SamplePhoto.objects.exists()
    assert stored_files(media / "samples") == []
