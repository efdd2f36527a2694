"""Production settings that must refuse to start rather than run unsafely."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from pytest_mock import MockerFixture


SETTINGS = Path(__file__).resolve().parents[1] / "settings.py"
S3 = {"PICMATIX_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "shop-private"}


def test_s3_storage_keeps_objects_private_and_links_presigned(load: Callable[..., dict[str, Any]]) -> None:
    options = load(**S3)["STORAGES"]["default"]["OPTIONS"]
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is True
    assert options["file_overwrite"] is False
    assert options["signature_version"] == "s3v4"
    assert "custom_domain" not in options


def test_a_custom_domain_without_cloudfront_signing_is_refused(load: Callable[..., dict[str, Any]]) -> None:
    with pytest.raises(ImproperlyConfigured, match="AWS_S3_CUSTOM_DOMAIN turns presigned URLs off"):
        load(**S3, AWS_S3_CUSTOM_DOMAIN="files.example.com")


def test_a_custom_domain_with_a_cloudfront_key_pair_signs_links(load: Callable[..., dict[str, Any]]) -> None:
    options = load(
        **S3,
        AWS_S3_CUSTOM_DOMAIN="files.example.com",
        AWS_CLOUDFRONT_KEY_ID="K2JCJMDEHXQW5F",
        AWS_CLOUDFRONT_KEY="-----BEGIN RSA PRIVATE KEY-----\\nMIIE\\n-----END RSA PRIVATE KEY-----",
    )["STORAGES"]["default"]["OPTIONS"]
    assert options["custom_domain"] == "files.example.com"
    assert options["cloudfront_key"].startswith(b"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n")


def test_s3_without_a_bucket_is_refused(load: Callable[..., dict[str, Any]]) -> None:
    with pytest.raises(ImproperlyConfigured, match="AWS_STORAGE_BUCKET_NAME"):
        load(PICMATIX_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="")


def test_direct_upload_needs_s3(load: Callable[..., dict[str, Any]]) -> None:
    with pytest.raises(ImproperlyConfigured, match="PICMATIX_DIRECT_UPLOAD=1 needs PICMATIX_STORAGE=s3"):
        load(PICMATIX_DIRECT_UPLOAD="1")
    assert load(**S3, PICMATIX_DIRECT_UPLOAD="1")["DIRECT_UPLOAD"] is True


def test_retention_periods_come_from_the_environment(load: Callable[..., dict[str, Any]]) -> None:
    loaded = load(PICMATIX_RETENTION_UNPAID_DAYS="14", PICMATIX_RETENTION_PAID_DAYS="90")
    assert (loaded["RETENTION_UNPAID_DAYS"], loaded["RETENTION_PAID_DAYS"]) == (14, 90)
    with pytest.raises(ImproperlyConfigured):
        load(PICMATIX_RETENTION_UNPAID_DAYS="0")


def test_a_cdn_serves_static_files_from_hashed_names(load: Callable[..., dict[str, Any]]) -> None:
    loaded = load(PICMATIX_STATIC_URL="https://cdn.example.com/static/", PICMATIX_STATIC_MANIFEST="1")
    assert loaded["STATIC_URL"] == "https://cdn.example.com/static/"
    assert loaded["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_sentry_is_off_unless_a_dsn_is_set(load: Callable[..., dict[str, Any]], mocker: MockerFixture) -> None:
    init = mocker.patch("sentry_sdk.init")
    load()
    init.assert_not_called()
    load(SENTRY_DSN="https://key@sentry.example.com/1", SENTRY_ENVIRONMENT="staging")
    kwargs = init.call_args.kwargs
    assert kwargs["dsn"] == "https://key@sentry.example.com/1"
    assert kwargs["environment"] == "staging"
    assert kwargs["send_default_pii"] is False


# --- Production fails closed --------------------------------------------------------------------
STRIPE = {"STRIPE_SECRET_KEY": "sk_live_" + "a" * 24, "STRIPE_PUBLISHABLE_KEY": "pk_live_" + "b" * 24}
HTTPS = {"PICMATIX_HTTPS": "true", "SECRET_KEY": "k" * 20 + "-a-long-production-key-0123456789"}
# What else production must have before it starts (each refused below when missing).
SAFE = {
    "PICMATIX_EMAIL": "smtp",
    "PICMATIX_RECAPTCHA": "on",
    "RECAPTCHA_PUBLIC_KEY": "6Lc-public",
    "RECAPTCHA_PRIVATE_KEY": "6Lc-private",
    "PICMATIX_SITE_URL": "https://shop.example.com",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "PICMATIX_TRUSTED_PROXIES": "10.0.0.0/8",
}


@pytest.fixture
def production(load: Callable[..., dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> Callable[..., dict[str, Any]]:
    """`load` without the variables these tests are about (the developer's shell may set some)."""
    for name in ("SECRET_KEY", "DEBUG", "RECAPTCHA_PUBLIC_KEY", "RECAPTCHA_PRIVATE_KEY"):
        monkeypatch.delenv(name, raising=False)
    return load


def refusal(load: Callable[..., dict[str, Any]], **env: str) -> str:
    with pytest.raises(ImproperlyConfigured) as refused:
        load(**env)
    message = str(refused.value)
    assert "\n" not in message  # one line in the log, naming what to set
    return message


def test_https_without_a_secret_key_refuses_to_start(production: Callable[..., dict[str, Any]]) -> None:
    message = refusal(production, PICMATIX_HTTPS="true")
    assert message.startswith("SECRET_KEY ")
    assert refusal(production, PICMATIX_HTTPS="true", SECRET_KEY="  ").startswith("SECRET_KEY ")


def test_https_with_debug_on_refuses_to_start(production: Callable[..., dict[str, Any]]) -> None:
    assert refusal(production, **HTTPS, DEBUG="true").startswith("DEBUG ")


def test_https_with_stripe_keys_and_no_webhook_secret_refuses_to_start(
    production: Callable[..., dict[str, Any]],
) -> None:
    assert refusal(production, **HTTPS, **SAFE, **STRIPE).startswith("STRIPE_WEBHOOK_SECRET ")
    assert production(**HTTPS, **SAFE, **STRIPE, STRIPE_WEBHOOK_SECRET="whsec_abc")["PAYMENTS_PROVIDER"] == "stripe"


def test_recaptcha_on_without_its_keys_refuses_to_start(
    production: Callable[..., dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert refusal(production, **HTTPS, PICMATIX_RECAPTCHA="on").startswith("RECAPTCHA_PUBLIC_KEY ")
    message = refusal(production, **HTTPS, PICMATIX_RECAPTCHA="on", RECAPTCHA_PUBLIC_KEY="6Lc-public")
    assert message.startswith("RECAPTCHA_PRIVATE_KEY ")
    # Without HTTPS too: "on" with no keys protects nothing and breaks every form.
    monkeypatch.delenv("PICMATIX_HTTPS")
    monkeypatch.delenv("RECAPTCHA_PUBLIC_KEY")
    assert refusal(production, PICMATIX_RECAPTCHA="on").startswith("RECAPTCHA_PUBLIC_KEY ")


def test_the_embedded_default_still_starts_without_any_of_them(production: Callable[..., dict[str, Any]]) -> None:
    loaded = production(DEBUG="true", **STRIPE)
    assert loaded["SECRET_KEY"]
    assert loaded["DEBUG"] is True
    assert "SECURE_SSL_REDIRECT" not in loaded


def test_a_complete_https_configuration_turns_on_every_transport_protection(
    production: Callable[..., dict[str, Any]],
) -> None:
    loaded = production(**HTTPS, **SAFE, **STRIPE, STRIPE_WEBHOOK_SECRET="whsec_abc")
    assert loaded["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert loaded["SECURE_SSL_REDIRECT"] is True
    assert loaded["SESSION_COOKIE_SECURE"] is True
    assert loaded["CSRF_COOKIE_SECURE"] is True
    assert loaded["SECURE_HSTS_SECONDS"] > 0
    assert loaded["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True


def test_a_refusal_is_the_last_line_a_starting_process_prints(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PICMATIX_", "DJANGO_", "SECRET_KEY", "DEBUG", "STRIPE_", "RECAPTCHA_"))
    }
    env.update(PICMATIX_VAR_DIR=str(tmp_path), PICMATIX_HTTPS="true", DJANGO_SETTINGS_MODULE="picmatix.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=SETTINGS.parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: SECRET_KEY "), result.stderr[-2000:]


def test_the_local_media_folder_exists_before_the_first_file_so_readyz_passes(
    load: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    media = tmp_path / "fresh" / "media"
    load(MEDIA_ROOT=str(media))
    assert media.is_dir()


@pytest.mark.parametrize(
    ("unsafe", "named"),
    [
        ({"PICMATIX_EMAIL": "console"}, "PICMATIX_EMAIL=console "),
        ({"PICMATIX_RECAPTCHA": "off"}, "PICMATIX_RECAPTCHA=off "),
        ({"PICMATIX_RECAPTCHA": "test"}, "PICMATIX_RECAPTCHA=test "),
        ({"PICMATIX_SITE_URL": "http://shop.example.com"}, "PICMATIX_SITE_URL="),
        ({"REDIS_URL": ""}, "REDIS_URL "),
        ({"PICMATIX_TRUSTED_PROXIES": ""}, "PICMATIX_TRUSTED_PROXIES "),
    ],
)
def test_https_refuses_to_start_with_what_is_only_safe_on_one_machine(
    production: Callable[..., dict[str, Any]], unsafe: dict[str, str], named: str
) -> None:
    assert refusal(production, **HTTPS, **{**SAFE, **unsafe}).startswith(named)
