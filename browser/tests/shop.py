"""What the browser tests need around the browser: a render worker, the mail it sends, screenshots."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from celery import Celery
from django.core.mail import EmailMessage as DjangoEmailMessage
from PIL import Image
from playwright.sync_api import Page

from browser.mails import Mail
from rendering.tests.processes import filesystem_publisher

ROOT = Path(__file__).resolve().parents[2]
# Every step of every journey, for people to look at (git-ignored); the Spanish phone journey's are
# also copied to docs/ when PICMATIX_DOCS_SCREENSHOTS=1 (`make screenshots`).
SCREENSHOTS = ROOT / "var" / "screenshots"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"


def mail_from_outbox(message: DjangoEmailMessage) -> Mail:
    """A message the test process sent (locmem backend)."""
    html = next((content for content, kind in getattr(message, "alternatives", []) if kind == "text/html"), "")
    return Mail(to=list(message.to), subject=str(message.subject), text=str(message.body), html=str(html))


def link_in(mail: Mail, path_pattern: str) -> str:
    """The one absolute link in the text body whose path matches `path_pattern`."""
    links = re.findall(rf"https?://[^\s/]+{path_pattern}", mail.text)
    assert len(set(links)) == 1, (path_pattern, mail.text)
    return links[0]


def render_publisher(var_dir: Path) -> Celery:
    """A Celery app that publishes to the filesystem broker in `var_dir`, as the web process would."""
    return filesystem_publisher(var_dir)


def start_render_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """A worker for both queues; its output goes to a file, since nobody reads a pipe while it runs."""
    command = [
        sys.executable, "-m", "celery", "-A", "picmatix", "worker", "-Q", "render,default", "-n", "browser@%h",
        "--pool", "solo", "--concurrency", "1", "--prefetch-multiplier", "1", "--loglevel", "INFO",
        "--without-heartbeat", "--without-mingle", "--without-gossip",
    ]  # fmt: skip
    with log.open("wb") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


class Screenshots:
    """Numbered screenshots of one journey: var/screenshots/<name>-01-<step>.png, ..."""

    def __init__(self, name: str, *, docs: bool = False) -> None:
        self.name = name
        self.count = 0
        self.docs = docs and os.environ.get("PICMATIX_DOCS_SCREENSHOTS") == "1"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(self, page: Page, step: str, *, docs: bool = True) -> Path:
        """`docs=False`: not this one in docs/, even when the journey's screenshots go there."""
        self.count += 1
        filename = f"{self.name}-{self.count:02d}-{step}.png"
        path = SCREENSHOTS / filename
        page.screenshot(path=path, full_page=True)
        if self.docs and docs:
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            # A 64-colour palette keeps the committed copies to a few tens of KB each.
            with Image.open(path) as image:
                small = image.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
                small.save(DOCS_SCREENSHOTS / filename, optimize=True)
        return path
