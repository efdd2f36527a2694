"""PICMATIX_PAYMENTS picks the payment provider: Stripe with keys, the demonstration provider on the
embedded default, and never the demonstration behind HTTPS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SK = "sk_test_" + "a1" * 12
PK = "pk_test_" + "b2" * 12

# Each case in a fresh interpreter, as a start-up would read it.
SCRIPT = """
import json, os, runpy, sys
from django.core.exceptions import ImproperlyConfigured
env = json.loads(sys.argv[1])
for name in list(os.environ):
    if name.startswith(("STRIPE_", "PICMATIX_PAYMENTS", "PICMATIX_HTTPS")):
        del os.environ[name]
os.environ.update(env)
try:
    s = runpy.run_path("picmatix/settings.py")
    print(json.dumps({"provider": s["PAYMENTS_PROVIDER"]}))
except ImproperlyConfigured as error:
    print(json.dumps({"refused": str(error)}))
"""


# What a shop behind HTTPS sets besides, so that only the payment settings decide the outcome.
PRODUCTION = {
    "SECRET_KEY": "k" * 50,
    "ALLOWED_HOSTS": "shop.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://shop.example.com",
    "PICMATIX_SITE_URL": "https://shop.example.com",
    "PICMATIX_EMAIL": "smtp",
    "PICMATIX_RECAPTCHA": "on",
    "RECAPTCHA_PUBLIC_KEY": "6Lc-public",
    "RECAPTCHA_PRIVATE_KEY": "6Lc-private",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "PICMATIX_TRUSTED_PROXIES": "10.0.0.0/8",
}


def settings_with(tmp_path: Path, **env: str) -> dict[str, str]:
    environ = {**os.environ, "PICMATIX_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "picmatix.settings"}
    if env.get("PICMATIX_HTTPS"):
        environ.update(PRODUCTION)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(env)], cwd=ROOT, env=environ, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def provider(tmp_path: Path, **env: str) -> str:
    """settings.PAYMENTS_PROVIDER read from `env` (the test fails if the settings refuse it)."""
    return settings_with(tmp_path, **env)["provider"]


def refusal(tmp_path: Path, **env: str) -> str:
    """Why the settings refuse `env` (the test fails if they accept it)."""
    return settings_with(tmp_path, **env)["refused"]


def test_the_embedded_default_takes_demonstration_payments(tmp_path: Path) -> None:
    assert provider(tmp_path) == "demo"


def test_stripe_keys_switch_stripe_on(tmp_path: Path) -> None:
    assert provider(tmp_path, STRIPE_SECRET_KEY=SK, STRIPE_PUBLISHABLE_KEY=PK) == "stripe"


def test_behind_https_without_keys_payments_are_off(tmp_path: Path) -> None:
    assert provider(tmp_path, PICMATIX_HTTPS="true") == "off"


def test_demonstration_payments_are_refused_behind_https(tmp_path: Path) -> None:
    error = refusal(tmp_path, PICMATIX_HTTPS="true", PICMATIX_PAYMENTS="demo")
    assert "\n" not in error
    assert "PICMATIX_PAYMENTS=demo" in error
    assert "PICMATIX_HTTPS" in error


def test_the_provider_can_be_chosen_and_is_checked(tmp_path: Path) -> None:
    assert provider(tmp_path, PICMATIX_PAYMENTS="off") == "off"
    # Test keys kept in the environment while trying the demonstration: allowed, Stripe unused.
    assert provider(tmp_path, PICMATIX_PAYMENTS="demo", STRIPE_SECRET_KEY=SK, STRIPE_PUBLISHABLE_KEY=PK) == "demo"
    live = {
        "STRIPE_SECRET_KEY": SK.replace("_test_", "_live_"),
        "STRIPE_PUBLISHABLE_KEY": PK.replace("_test_", "_live_"),
    }
    assert "live Stripe keys" in refusal(tmp_path, PICMATIX_PAYMENTS="demo", **live)
    assert "STRIPE_SECRET_KEY" in refusal(tmp_path, PICMATIX_PAYMENTS="stripe")
    assert "expected one of stripe, demo, off" in refusal(tmp_path, PICMATIX_PAYMENTS="paypal")
