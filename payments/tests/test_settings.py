"""Payments are switched on by the Stripe keys alone, and a wrong key stops the shop at start-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SK = "sk_test_" + "a1" * 12
PK = "pk_test_" + "b2" * 12

SCRIPT = """
import importlib, json, os, sys
from django.core.exceptions import ImproperlyConfigured
results = []
for env in json.loads(sys.argv[1]):
    for name in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_LIVE_MODE"):
        os.environ.pop(name, None)
    os.environ.update(env)
    try:
        import picmatix.settings as s
        s = importlib.reload(s)
        stripe_on = s.PAYMENTS_PROVIDER == "stripe"
        results.append([stripe_on, s.STRIPE_LIVE_MODE, s.STRIPE_PUBLIC_KEY == s.STRIPE_PUBLISHABLE_KEY])
    except ImproperlyConfigured as error:
        results.append(str(error))
print(json.dumps(results))
"""


def test_stripe_settings_are_checked_at_start_up(tmp_path: Path) -> None:
    cases = [
        {},
        {"STRIPE_SECRET_KEY": SK, "STRIPE_PUBLISHABLE_KEY": PK, "STRIPE_WEBHOOK_SECRET": "whsec_x"},
        {"STRIPE_SECRET_KEY": SK},
        {"STRIPE_SECRET_KEY": "sk_test_short", "STRIPE_PUBLISHABLE_KEY": PK},
        {"STRIPE_SECRET_KEY": SK, "STRIPE_PUBLISHABLE_KEY": PK.replace("_test_", "_live_")},
        {"STRIPE_SECRET_KEY": SK, "STRIPE_PUBLISHABLE_KEY": PK, "STRIPE_LIVE_MODE": "true"},
        {"STRIPE_SECRET_KEY": SK, "STRIPE_PUBLISHABLE_KEY": PK, "STRIPE_WEBHOOK_SECRET": "sk_oops"},
    ]
    env = {**os.environ, "PICMATIX_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "picmatix.settings"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(cases)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    off, on, half, short, mixed, live, webhook = json.loads(result.stdout)
    assert off == [False, False, True]
    assert on == [True, False, True]
    assert "STRIPE_PUBLISHABLE_KEY" in half
    assert "STRIPE_PUBLISHABLE_KEY" in short
    assert "different modes" in mixed
    assert "STRIPE_LIVE_MODE" in live
    assert "whsec_" in webhook
