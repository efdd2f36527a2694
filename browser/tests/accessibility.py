"""Accessibility, checked on the live page: axe-core (browser/tests/axe.py) with no serious or
critical violation, and our own checks (accessibility.js) for what axe leaves out: no sideways
scrolling on a phone, a visible keyboard focus, text over images. A failing assertion lists what is
wrong and where."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

from browser.tests.axe import serious_violations

CHECKS = Path(__file__).with_name("accessibility.js").read_text()

PROBLEMS = {
    "unlabelledFields": "form field without a label",
    "imagesWithoutAlt": "image without alt text",
    "brokenReferences": "reference to a missing element",
    "lowContrast": "text hard to read",
    "missingLanguage": "the page does not say its language",
    "horizontalOverflow": "the page is wider than the screen",
}


def accessibility_problems(page: Page) -> list[str]:
    return [f"{label}: {problem}" for check, label in PROBLEMS.items() for problem in page.evaluate(CHECKS, check)]


def assert_accessible(page: Page) -> None:
    problems = accessibility_problems(page) + [f"axe-core: {violation}" for violation in serious_violations(page)]
    assert not problems, f"{page.url}:\n" + "\n".join(problems)


def focus_is_visible(page: Page) -> bool:
    return bool(page.evaluate(CHECKS, "focusIsVisible"))
