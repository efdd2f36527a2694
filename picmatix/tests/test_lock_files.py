"""requirements/*.txt: hashed lock files compiled from pyproject.toml, and what installs from them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# Each lock file and the extras it is compiled from (the Makefile's `lock` target).
LOCKS = {"dev.txt": ("worker", "dev"), "web.txt": ("prod",), "worker.txt": ("worker", "prod")}
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)((?:\s*\\\n\s*--hash=sha256:[0-9a-f]{64})*)", re.MULTILINE)


def locked(name: str) -> dict[str, tuple[Version, int]]:
    """{package: (pinned version, number of hashes)} of one lock file."""
    text = (ROOT / "requirements" / name).read_text()
    return {
        canonicalize_name(m.group(1)): (Version(m.group(2)), m.group(3).count("--hash=")) for m in PIN.finditer(text)
    }


def requirements_of(extras: tuple[str, ...]) -> list[Requirement]:
    project = PYPROJECT["project"]
    wanted = [*project["dependencies"]]
    for extra in extras:
        wanted += project["optional-dependencies"][extra]
    wanted += PYPROJECT["build-system"]["requires"]  # installed with --no-build-isolation
    return [Requirement(line) for line in wanted]


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_every_dependency_in_pyproject_is_pinned_in_the_lock_file_within_its_range(lock: Any) -> None:
    # Fails after a dependency is added or narrowed in pyproject.toml until `make lock` is run.
    pins = locked(lock)
    problems = []
    for requirement in requirements_of(LOCKS[lock]):
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"{requirement} is not in requirements/{lock}")
        elif not requirement.specifier.contains(pins[name][0], prereleases=True):
            problems.append(f"requirements/{lock} pins {name}=={pins[name][0]}, outside {requirement}")
    assert problems == [], "run `make lock`:\n" + "\n".join(problems)


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_every_pin_in_the_lock_file_carries_a_hash(lock: Any) -> None:
    pins = locked(lock)
    text = (ROOT / "requirements" / lock).read_text()
    lines = [line for line in text.splitlines() if re.match(r"^[A-Za-z0-9]", line)]
    assert len(pins) == len(lines) > 10  # every requirement line is an exact pin the pattern read
    assert [name for name, (_, hashes) in pins.items() if hashes == 0] == []


def test_the_web_lock_has_no_torch_and_all_locks_agree_on_versions() -> None:
    web, worker, dev = locked("web.txt"), locked("worker.txt"), locked("dev.txt")
    assert "torch" not in web
    assert "torch" in worker
    for lock in (web, worker):
        assert {name: pin[0] for name, pin in lock.items() if dev[name][0] != pin[0]} == {}


def test_the_locked_django_and_pillow_are_past_their_published_security_fixes() -> None:
    for lock in LOCKS:
        pins = locked(lock)
        assert pins["django"][0] >= Version("5.2.8")
        assert pins["pillow"][0] >= Version("11.3")
    floors = {Requirement(r).name.lower(): Requirement(r).specifier for r in PYPROJECT["project"]["dependencies"]}
    assert not floors["django"].contains("5.2.7")
    assert floors["django"].contains("5.2.8")
    assert not floors["pillow"].contains("11.2.1")
    assert floors["pillow"].contains("11.3.0")


@pytest.mark.parametrize(
    ("path", "lock"),
    [
        ("Makefile", "requirements/dev.txt"),
        ("deploy/web.Dockerfile", "requirements/web.txt"),
        ("deploy/worker.Dockerfile", "requirements/worker.txt"),
    ],
)
def test_make_and_both_images_install_from_their_lock_file_with_hashes_and_the_code_without_dependencies(
    path: str, lock: str
) -> None:
    text = (ROOT / path).read_text().replace("\\\n", " ")
    installs = [line for line in text.splitlines() if "pip install" in line]
    assert any(f"--require-hashes -r {lock}" in line for line in installs), installs
    code_installs = [line for line in installs if "-e ." in line]
    assert code_installs, installs
    assert all("--no-deps" in line and "[" not in line for line in code_installs), code_installs
    assert not any("-e '." in line or "install torch" in line for line in installs), installs


def test_ci_runs_make_test_which_installs_from_the_lock_file() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.MULTILINE)
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test: install\b", makefile, re.MULTILINE)
    assert re.search(r"^install: \$\(BIN\)/\.installed", makefile, re.MULTILINE)
    assert re.search(r"^\$\(BIN\)/\.installed: .*requirements/dev\.txt", makefile, re.MULTILINE)
