"""/healthz (the process answers) and /readyz (database, broker and storage answer)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from picmatix import health

if TYPE_CHECKING:
    from django.test import Client
    from pytest_django.fixtures import Settings
    from pytest_mock import MockerFixture

    from picmatix.tests.s3server import S3


@pytest.fixture(autouse=True)
def _fresh_verdict() -> None:
    health.readiness_forget()


def test_healthz_answers_without_touching_the_database(client: Client) -> None:
    # No django_db mark: pytest-django fails any database access here.
    response = client.get("/healthz", HTTP_HOST="10.0.3.7")  # probes use the container's IP
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readyz_checks_database_broker_and_storage(client: Client, media: Path) -> None:
    response = client.get("/readyz", HTTP_HOST="10.0.3.7")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "storage"}
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.django_db
def test_readyz_is_503_when_the_broker_is_down(client: Client, media: Path, settings: Settings) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"  # the discard port: nothing listens
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["broker"]["ok"] is False
    assert "error" in checks["broker"]
    assert checks["database"]["ok"] is True
    assert checks["storage"]["ok"] is True


@pytest.mark.django_db
def test_readyz_is_503_when_the_media_folder_is_gone(
    client: Client, media: Path, tmp_path: Path, settings: Settings
) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "missing")},
        },
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == {"ok": False, "error": "OSError", "ms": pytest.approx(0, abs=1e3)}


@pytest.mark.django_db
def test_readyz_checks_the_s3_bucket(client: Client, s3: S3, settings: Settings) -> None:
    assert client.get("/readyz").json()["checks"]["storage"]["ok"] is True
    settings.STORAGES = {**settings.STORAGES, "default": s3.storage_settings(bucket_name="no-such-bucket")}
    health.readiness_forget()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["ok"] is False


def test_other_paths_go_through_the_normal_stack(client: Client) -> None:
    assert client.get("/healthz/extra").status_code == 404


@pytest.mark.django_db
def test_readyz_checks_the_services_once_in_a_few_seconds_however_often_it_is_asked(
    client: Client, media: Path, mocker: MockerFixture
) -> None:
    database = mocker.patch.dict(health.CHECKS, {"database": mocker.Mock()})["database"]
    for _ in range(20):
        assert client.get("/readyz").status_code == 200
    assert database.call_count == 1
    clock = mocker.patch("picmatix.health.time.monotonic", return_value=time.monotonic() + health.READINESS_TTL_SECONDS)
    client.get("/readyz")
    assert clock.called
    assert database.call_count == 2
