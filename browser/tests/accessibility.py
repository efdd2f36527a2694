"""Accessibility basics, checked on the live page: names for form fields, alt text, contrast, focus.

Each check returns a list of problems (empty when the page passes), so a failing assertion says
what is wrong and where.
"""

from __future__ import annotations

from playwright.sync_api import Page

_DESCRIBE = """
const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
  (el.getAttribute("name") ? `[name=${el.getAttribute("name")}]` : "") +
  (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "");
"""

UNLABELLED_FIELDS = (
    "() => {"
    + _DESCRIBE
    + """
  const text = (node) => (node ? node.textContent : "").replace(/\\s+/g, " ").trim();
  const name = (el) =>
    (el.getAttribute("aria-label") || "").trim() ||
    (el.getAttribute("aria-labelledby") || "").split(/\\s+/).map((id) => text(document.getElementById(id))).join(" ").trim() ||
    [...(el.labels || [])].map(text).join(" ").trim() ||
    (["submit", "button", "reset"].includes(el.type) ? (el.value || "").trim() : "");
  return [...document.querySelectorAll("input, select, textarea")]
    .filter((el) => el.type !== "hidden" && !name(el))
    .map(describe);
}"""
)

IMAGES_WITHOUT_ALT = (
    "() => {"
    + _DESCRIBE
    + """
  const decorative = (el) => el.getAttribute("role") === "presentation" || el.getAttribute("aria-hidden") === "true";
  return [...document.querySelectorAll("img, input[type=image]")]
    .filter((el) => !decorative(el) && !(el.getAttribute("alt") || "").trim())
    .map((el) => describe(el) + " " + (el.getAttribute("src") || "").slice(0, 80));
}"""
)

# WCAG 2.1 contrast (relative luminance of sRGB, ratio (L1 + 0.05) / (L2 + 0.05)): 4.5 for normal
# text, 3 for large text (24 px, or 18.66 px bold). The background is what is painted under the
# text: the elements under the text's own position, composited top-down until one is opaque; an
# image (or a CSS background image) under the text before any opaque colour is a problem in itself.
LOW_CONTRAST = (
    "() => {"
    + _DESCRIBE
    + """
  const parse = (value) => {
    const match = /rgba?\\(([^)]*)\\)/.exec(value || "");
    if (!match) return null;
    const [r, g, b, a] = match[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {r, g, b, a: a === undefined ? 1 : a};
  };
  const over = (top, bottom) => {
    const a = top.a + bottom.a * (1 - top.a);
    const mix = (key) => (top[key] * top.a + bottom[key] * bottom.a * (1 - top.a)) / a;
    return {r: mix("r"), g: mix("g"), b: mix("b"), a};
  };
  const channel = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const ratio = (x, y) => { const [a, b] = [luminance(x), luminance(y)].sort((p, q) => q - p); return (a + 0.05) / (b + 0.05); };
  const pictures = new Set(["IMG", "PICTURE", "VIDEO", "CANVAS", "svg", "IFRAME", "OBJECT", "EMBED"]);
  const hex = (c) => "#" + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");

  const controls = "input:not([type=hidden]):not([type=file]):not([type=checkbox]):not([type=radio]):not([type=range]), select, textarea";
  const candidates = [...document.querySelectorAll("body *")].filter((el) =>
    el.matches(controls) ||
    [...el.childNodes].some((node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim()));
  const problems = [];
  const scroll = [window.scrollX, window.scrollY];
  for (const el of candidates) {
    if (!el.matches("select") && el.closest("script, style, noscript, template, select")) continue;
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    // Disabled controls are exempt (WCAG 1.4.3); they are faded on purpose.
    if (el.closest("button:disabled, fieldset:disabled, [aria-disabled=true]") || el.matches(":disabled")) continue;
    el.scrollIntoView({block: "center", inline: "center"});
    const textNode = [...el.childNodes].find((node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim());
    let box;
    if (textNode && !el.matches(controls)) {
      const range = document.createRange();
      range.selectNodeContents(textNode);
      box = [...range.getClientRects()].find((r) => r.width > 0 && r.height > 0);
    } else {
      box = el.getBoundingClientRect();
    }
    if (!box) continue;
    const style = getComputedStyle(el);
    let colour = parse(style.color);
    let opacity = 1;
    for (let node = el; node; node = node.parentElement) opacity *= Number(getComputedStyle(node).opacity);
    colour = {...colour, a: colour.a * opacity};
    const x = Math.min(Math.max(box.left + box.width / 2, 0), window.innerWidth - 1);
    const y = Math.min(Math.max(box.top + box.height / 2, 0), window.innerHeight - 1);
    const stack = document.elementsFromPoint(x, y);
    let start = stack.indexOf(el);
    if (start < 0) start = stack.findIndex((node) => node.contains(el));
    const layers = [];
    let image = null;
    for (const node of start < 0 ? [] : stack.slice(start)) {
      if (node !== el && pictures.has(node.tagName)) { image = node; break; }
      const nodeStyle = getComputedStyle(node);
      if (nodeStyle.backgroundImage !== "none") { image = node; break; }
      const background = parse(nodeStyle.backgroundColor);
      if (background && background.a > 0) { layers.push(background); if (background.a >= 1) break; }
    }
    const label = describe(el) + ": " + (el.matches(controls) ? el.value || el.placeholder || "" : textNode.textContent).trim().slice(0, 60);
    if (image) { problems.push(`${label} — text over an image (${describe(image)})`); continue; }
    let background = {r: 255, g: 255, b: 255, a: 1};  // the canvas, when nothing under the text is opaque
    for (const layer of layers.reverse()) background = over(layer, background);
    const foreground = over(colour, background);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const value = ratio(foreground, background);
    if (value < (large ? 3 : 4.5)) problems.push(`${label} — contrast ${value.toFixed(2)} (${hex(foreground)} on ${hex(background)})`);
  }
  window.scrollTo(scroll[0], scroll[1]);
  return problems;
}"""
)

# A keyboard user must see where they are: an outline or a box shadow on the focused element.
FOCUS_VISIBLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return false;
  const style = getComputedStyle(el);
  return (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== "none";
}"""

HORIZONTAL_OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def accessibility_problems(page: Page) -> list[str]:
    problems = [f"form field without a label: {field}" for field in page.evaluate(UNLABELLED_FIELDS)]
    problems += [f"image without alt text: {image}" for image in page.evaluate(IMAGES_WITHOUT_ALT)]
    problems += [f"text hard to read: {text}" for text in page.evaluate(LOW_CONTRAST)]
    if not page.evaluate("() => document.documentElement.lang"):
        problems.append("the page does not say its language (<html lang>)")
    overflow = page.evaluate(HORIZONTAL_OVERFLOW)
    if overflow > 0:
        problems.append(f"the page is {overflow} px wider than the screen (sideways scrolling)")
    return problems


def assert_accessible(page: Page) -> None:
    problems = accessibility_problems(page)
    assert not problems, f"{page.url}:\n" + "\n".join(problems)


def focus_is_visible(page: Page) -> bool:
    return bool(page.evaluate(FOCUS_VISIBLE))
