"""Production settings that must refuse to start rather than run unsafely."""

from __future__ import annotations

import os
import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

SETTINGS = Path(__file__).resolve().parents[1] / "settings.py"
S3 = {"PICMATIX_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "shop-private"}


@pytest.fixture
def load(monkeypatch, tmp_path):
    """Evaluate picmatix/settings.py afresh with these variables (the running settings stay as they are)."""

    for name in list(os.environ):
        if name.startswith(("PICMATIX_", "AWS_", "SENTRY_", "STRIPE_")):
            monkeypatch.delenv(name)

    def load(**env: str) -> dict:
        monkeypatch.setenv("PICMATIX_VAR_DIR", str(tmp_path))
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS))

    return load


def test_s3_storage_keeps_objects_private_and_links_presigned(load):
    options = load(**S3)["STORAGES"]["default"]["OPTIONS"]
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is True
    assert options["file_overwrite"] is False
    assert options["signature_version"] == "s3v4"
    assert "custom_domain" not in options


def test_a_custom_domain_without_cloudfront_signing_is_refused(load):
    with pytest.raises(ImproperlyConfigured, match="AWS_S3_CUSTOM_DOMAIN turns presigned URLs off"):
        load(**S3, AWS_S3_CUSTOM_DOMAIN="files.example.com")


def test_a_custom_domain_with_a_cloudfront_key_pair_signs_links(load):
    options = load(
        **S3,
        AWS_S3_CUSTOM_DOMAIN="files.example.com",
        AWS_CLOUDFRONT_KEY_ID="K2JCJMDEHXQW5F",
        AWS_CLOUDFRONT_KEY="-----BEGIN RSA PRIVATE KEY-----\\nMIIE\\n-----END RSA PRIVATE KEY-----",
    )["STORAGES"]["default"]["OPTIONS"]
    assert options["custom_domain"] == "files.example.com"
    assert options["cloudfront_key"].startswith(b"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n")


def test_s3_without_a_bucket_is_refused(load):
    with pytest.raises(ImproperlyConfigured, match="AWS_STORAGE_BUCKET_NAME"):
        load(PICMATIX_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="")


def test_direct_upload_needs_s3(load):
    with pytest.raises(ImproperlyConfigured, match="PICMATIX_DIRECT_UPLOAD=1 needs PICMATIX_STORAGE=s3"):
        load(PICMATIX_DIRECT_UPLOAD="1")
    assert load(**S3, PICMATIX_DIRECT_UPLOAD="1")["DIRECT_UPLOAD"] is True


def test_retention_periods_come_from_the_environment(load):
    loaded = load(PICMATIX_RETENTION_UNPAID_DAYS="14", PICMATIX_RETENTION_PAID_DAYS="90")
    assert (loaded["RETENTION_UNPAID_DAYS"], loaded["RETENTION_PAID_DAYS"]) == (14, 90)
    with pytest.raises(ImproperlyConfigured):
        load(PICMATIX_RETENTION_UNPAID_DAYS="0")


def test_a_cdn_serves_static_files_from_hashed_names(load):
    loaded = load(PICMATIX_STATIC_URL="https://cdn.example.com/static/", PICMATIX_STATIC_MANIFEST="1")
    assert loaded["STATIC_URL"] == "https://cdn.example.com/static/"
    assert loaded["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_sentry_is_off_unless_a_dsn_is_set(load, mocker):
    init = mocker.patch("sentry_sdk.init")
    load()
    init.assert_not_called()
    load(SENTRY_DSN="https://key@sentry.example.com/1", SENTRY_ENVIRONMENT="staging")
    kwargs = init.call_args.kwargs
    assert kwargs["dsn"] == "https://key@sentry.example.com/1"
    assert kwargs["environment"] == "staging"
    assert kwargs["send_default_pii"] is False
