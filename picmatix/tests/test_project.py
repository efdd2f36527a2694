"""Project-wide guarantees: migrations, the web tier without torch, system checks."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_models_and_migrations_agree() -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_the_web_tier_runs_without_torch(tmp_path: Path) -> None:
    """Web hosts install picmatix without the worker extra: nothing they import may need torch."""
    script = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('torch', 'torchvision'):\n"
        "            raise ImportError('torch is not installed on web hosts')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "from django.core.management import call_command\n"
        "call_command('check')\n"
        "from django.urls import get_resolver; get_resolver().url_patterns\n"
        "import picmatix.urls, orders.views, styles.admin, backoffice.admin, rendering.tasks\n"
        "from styles.recipes import recipe_validate, recipe_preset_dict\n"
        "recipe_validate(recipe_preset_dict('seed'))\n"
        "assert 'torch' not in sys.modules\n"
        "print('ok')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "picmatix.settings", "PICMATIX_VAR_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
