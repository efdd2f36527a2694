"""axe-core (browser/package.json, installed by `make pytest` with `npm ci --prefix browser`),
injected into the page under test: a page passes when axe finds no serious or critical violation."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
# axe's impacts are minor, moderate, serious and critical; the bar is the last two.
BLOCKING = ("serious", "critical")

_RUN = """async () => {
  const results = await axe.run(document, { resultTypes: ["violations"] });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    url: v.helpUrl,
    targets: v.nodes.map((n) => n.target.join(" ")),
  }));
}"""


@dataclass(frozen=True)
class Violation:
    id: str
    impact: str
    help: str
    url: str
    targets: list[str]

    def __str__(self) -> str:
        return f"{self.impact} {self.id}: {self.help} ({self.url}) at {', '.join(self.targets)}"


def axe_script() -> Path:
    if not AXE_JS.exists():
        message = f"{AXE_JS} is missing: run `npm ci --prefix browser` (make pytest does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return AXE_JS


def axe_violations(page: Page) -> list[Violation]:
    """Every violation axe finds on the page as it is now, whatever its impact."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated by the test's driver, not added as a <script>: the page's Content-Security-Policy
        # (rightly) runs no inline script without its nonce. axe-core's bundle defines window.axe.
        page.evaluate(axe_script().read_text() + "\n;undefined")
    return [Violation(**found) for found in page.evaluate(_RUN)]


def serious_violations(page: Page) -> list[Violation]:
    return [violation for violation in axe_violations(page) if violation.impact in BLOCKING]


def assert_no_serious_violations(page: Page) -> None:
    found = serious_violations(page)
    assert not found, f"axe-core on {page.url}:\n" + "\n".join(map(str, found))
