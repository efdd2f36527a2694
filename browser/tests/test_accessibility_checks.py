"""The accessibility checks the journeys rely on find the problems they are meant to find."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from browser.tests.accessibility import accessibility_problems
from browser.tests.axe import BLOCKING, axe_violations

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


pytestmark = pytest.mark.browser
PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="

GOOD = f"""<!doctype html><html lang="en"><head><title>Good</title></head>
<body style="background: #fbf7f0; color: #1f1b16">
<label for="email">Email</label><input id="email" type="email" value="ana@example.com">
<input type="search" aria-label="Search">
<label><input type="checkbox"> Yes</label>
<span id="price-label">Price</span><select aria-labelledby="price-label"><option>14</option></select>
<input type="hidden" name="csrf">
<img src="{PIXEL}" alt="A painting">
<img src="{PIXEL}" alt="" role="presentation">
<img src="{PIXEL}" alt=""> <span>An empty alt marks a decorative image: the text beside it says it all</span>
<p>Dark on light</p><p style="font-size: 30px; color: #888">Large grey text passes at 3:1</p>
<button disabled style="opacity: .4">Faded on purpose</button>
<figure style="position: relative"><img src="{PIXEL}" alt="Photo" width="200" height="100">
  <figcaption style="position: absolute; top: 0; background: rgba(0, 0, 0, .85); color: #fff">
    Caption on a dark band</figcaption>
</figure>
</body></html>"""

BAD = f"""<!doctype html><html><body style="background: #fbf7f0; color: #1f1b16">
<input id="email" type="email" placeholder="Email">
<select><option>14</option></select>
<textarea></textarea>
<img src="{PIXEL}">
<input type="text" aria-label="Name" aria-describedby="name-help">
<p style="color: #aaa">Pale grey on paper</p>
<div style="background: #000; opacity: .3"><p style="color: #fff">Faded white on black</p></div>
<div style="background-image: linear-gradient(#fff, #000)"><p>Text over a gradient</p></div>
<figure style="position: relative"><img src="{PIXEL}" alt="Photo" width="200" height="100">
  <figcaption style="position: absolute; top: 0">Caption straight on the photo</figcaption>
</figure>
<p style="width: 2000px">Too wide for a phone</p>
</body></html>"""


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    yield context.new_page()
    context.close()


def test_a_page_with_labels_alt_texts_and_readable_text_passes(page: Page) -> None:
    page.set_content(GOOD)
    assert accessibility_problems(page) == []


def test_axe_core_passes_the_good_page_and_reports_the_bad_one_s_serious_violations(page: Page) -> None:
    page.set_content(GOOD)
    assert [v for v in axe_violations(page) if v.impact in BLOCKING] == []
    page.set_content(BAD)
    found = {v.id for v in axe_violations(page) if v.impact in BLOCKING}
    assert {"label", "image-alt", "html-has-lang", "color-contrast", "select-name"} <= found, found


def test_each_kind_of_problem_is_reported(page: Page) -> None:
    page.set_content(BAD)
    problems = "\n".join(accessibility_problems(page))
    assert problems.count("form field without a label") == 3, problems
    assert problems.count("image without alt text") == 1, problems
    assert "Pale grey on paper — contrast" in problems
    assert "Faded white on black — contrast" in problems
    assert "Text over a gradient — text over an image" in problems
    assert "Caption straight on the photo — text over an image (img), contrast" in problems
    assert "reference to a missing element: input aria-describedby=name-help" in problems
    assert "does not say its language" in problems
    assert "wider than the screen" in problems
