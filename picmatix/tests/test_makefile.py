"""`make` alone lists the everyday commands, each target with its line (a self-documenting Makefile)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAKEFILE = (ROOT / "Makefile").read_text()


def make_help(makefile: Path) -> str:
    if not shutil.which("make"):
        pytest.skip("no make on this machine")
    done = subprocess.run(
        ["make", "-s", "-f", str(makefile), "help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    return done.stdout


def phony_targets(text: str) -> list[str]:
    found = re.search(r"^\.PHONY: (.*)$", text, re.MULTILINE)
    assert found
    return sorted(found.group(1).split())


def listed_targets(help_text: str) -> list[str]:
    return sorted(re.findall(r"^  make (\S+) ", help_text, re.MULTILINE))


def test_make_help_lists_every_target_with_what_it_does() -> None:
    assert listed_targets(make_help(ROOT / "Makefile")) == phony_targets(MAKEFILE)


def test_make_alone_is_make_help() -> None:
    assert re.search(r"^\.DEFAULT_GOAL := help$", MAKEFILE, re.MULTILINE)


@pytest.mark.parametrize("target", ["run", "test"])
def test_the_readmes_two_commands_keep_their_meaning(target: str) -> None:
    assert re.search(rf"^{target}: install\b", MAKEFILE, re.MULTILINE)
