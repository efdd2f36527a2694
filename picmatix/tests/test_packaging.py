"""The suite collects every folder with tests, and the wheel carries everything the shop runs on."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# Never part of the project's own tests: environments, caches, build and run output.
SKIP_DIRS = {".venv", "venv", ".git", "node_modules", "var", "build", "dist", "__pycache__"}


def folders_with_tests() -> set[str]:
    """Top-level folders holding a tests/ package or a test_*.py file anywhere below them."""
    found = set()
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".") and not d.endswith(".egg-info")]
        here = Path(folder)
        if here == ROOT:
            continue
        is_tests_package = here.name == "tests" and "__init__.py" in files
        if is_tests_package or any(f.startswith("test_") and f.endswith(".py") for f in files):
            found.add(here.relative_to(ROOT).parts[0])
    return found


def test_every_folder_with_tests_is_in_pytest_testpaths() -> None:
    testpaths = set(PYPROJECT["tool"]["pytest"]["ini_options"]["testpaths"])
    found = folders_with_tests()
    assert {"orders", "gallery", "browser"} <= found  # the walk itself works
    assert sorted(found - testpaths) == []


def our_apps() -> list[str]:
    """INSTALLED_APPS that live in this repository (not in site-packages)."""
    return [app for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0] / "__init__.py").is_file()]


def tracked_files() -> list[str]:
    """The files a fresh clone has: git's list when there is one, else the tree minus local state."""
    if (ROOT / ".git").exists() and shutil.which("git"):
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
        return [name for name in listed.decode().split("\0") if name and (ROOT / name).is_file()]
    files = []
    for folder, dirs, names in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".") and not d.endswith(".egg-info")]
        files += [str((Path(folder) / n).relative_to(ROOT)) for n in names if not n.endswith((".pyc", ".mo"))]
    return files


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of the tracked files, as from a fresh clone (no .mo, no build/)."""
    source = tmp_path_factory.mktemp("source")
    for name in tracked_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", str(out), "."],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [built] = out.glob("picmatix-*.whl")
    return built


def test_the_wheel_holds_every_app_with_its_files_and_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    apps = our_apps()
    assert {"styles", "orders", "payments", "rendering", "gallery"} <= set(apps)
    tracked = tracked_files()
    missing = []
    for app in apps:
        folder = app.split(".")[0]
        app_files = [n for n in tracked if n.startswith(f"{folder}/")]
        # An app with models has migrations; rendering, backoffice and picmatix have no models.
        assert f"{folder}/migrations/0001_initial.py" in app_files or f"{folder}/models.py" not in app_files, folder
        missing += [n for n in app_files if n not in names]
    # core (the infrastructure every app uses) is a package, not an app.
    missing += [n for n in tracked if n.startswith("core/") and n not in names]
    assert missing == []


def test_the_wheel_holds_the_site_templates_and_the_compiled_spanish_catalogue(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = [n for n in tracked_files() if n.startswith("templates/")]
    assert len(templates) > 10
    assert [n for n in templates if f"picmatix/{n}" not in names] == []
    catalogues = [n for n in tracked_files() if n.startswith("locale/") and n.endswith(".po")]
    assert catalogues
    for po in catalogues:
        assert f"picmatix/{po}" in names
        assert f"picmatix/{po[:-3]}.mo" in names


def test_a_non_editable_install_of_the_wheel_renders_pages_in_spanish_and_finds_its_static_files(
    wheel: Path, tmp_path: Path
) -> None:
    # The wheel unpacked is what site-packages gets; run from elsewhere so the checkout is not found.
    installed = tmp_path / "site-packages"
    zipfile.ZipFile(wheel).extractall(installed)
    script = """
import django, os
django.setup()
from pathlib import Path
from django.contrib.staticfiles import finders
from django.db.migrations.loader import MigrationLoader
from django.template.loader import get_template
from django.utils import translation
import picmatix
home = Path(picmatix.__file__).parent
assert str(home).startswith(os.environ["INSTALLED"]), home
assert str(get_template("base.html").origin.name).startswith(str(home)), get_template("base.html").origin.name
assert finders.find("picmatix/site.css").startswith(str(home))
with translation.override("es"):
    print(translation.gettext("Turn your photo into a painting"))
apps = {app for app, _ in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}
print(sorted(apps & {"styles", "orders", "payments", "gallery"}))
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **os.environ,
            "PYTHONPATH": str(installed),
            "INSTALLED": str(installed),
            "DJANGO_SETTINGS_MODULE": "picmatix.settings_test",
            "PICMATIX_VAR_DIR": str(tmp_path / "var"),
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Convierte tu foto en un cuadro",
        "['gallery', 'orders', 'payments', 'styles']",
    ]
