"""A mock of the preview card a messenger draws for a shared link, made from the page's Open Graph
tags only: what those tags give a messenger to draw, not any messenger's own rendering.

Django-free, for the browser tests and browser/make_run_journey.py alike.
"""

from __future__ import annotations

import html

# The page's og:* tags, as {property: content}.
OPEN_GRAPH_JS = """() => Object.fromEntries([...document.querySelectorAll('meta[property^="og:"]')]
  .map((m) => [m.getAttribute("property"), m.getAttribute("content")]))"""

_CARD = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Preview card (mock)</title></head>
<body style="margin:0;padding:16px;background:#e5ddd5;font:15px sans-serif">
<p style="margin:0 0 8px;color:#444;font-size:12px">Mock preview card, drawn from the page's Open Graph tags</p>
<div style="width:340px;background:#fff;border-radius:8px;overflow:hidden;box-shadow:0 1px 2px #0006">
  <img src="{image}" alt="{alt}" style="display:block;width:100%;aspect-ratio:{width}/{height};object-fit:cover">
  <div style="padding:8px 12px">
    <div style="color:#666;font-size:12px">{site}</div>
    <div style="font-weight:bold;margin:2px 0">{title}</div>
    <div style="color:#555">{description}</div>
  </div>
</div></body></html>"""


def open_graph_card(tags: dict[str, str]) -> str:
    """The card's page: the og:image above the site's name, the title and the description."""

    def tag(name: str, default: str = "") -> str:
        return html.escape(tags.get(f"og:{name}", default))

    return _CARD.format(
        image=tag("image"),
        alt=tag("image:alt"),
        width=tag("image:width", "4"),
        height=tag("image:height", "3"),
        site=tag("site_name"),
        title=tag("title"),
        description=tag("description"),
    )
