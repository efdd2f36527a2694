// Accessibility checks run in the page by browser/tests/accessibility.py: `(check) => problems`.
// Each check returns a list of problems, empty when the page passes.
(check) => {
  const describe = (el) =>
    el.tagName.toLowerCase() +
    (el.id ? "#" + el.id : "") +
    (el.getAttribute("name") ? `[name=${el.getAttribute("name")}]` : "") +
    (typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\s+/).join(".") : "");
  const text = (node) => (node ? node.textContent : "").replace(/\s+/g, " ").trim();
  const ids = (el, attribute) => (el.getAttribute(attribute) || "").split(/\s+/).filter(Boolean);

  // Every field has a name a screen reader can say: a <label>, aria-label or aria-labelledby.
  function unlabelledFields() {
    const name = (el) =>
      (el.getAttribute("aria-label") || "").trim() ||
      ids(el, "aria-labelledby").map((id) => text(document.getElementById(id))).join(" ").trim() ||
      [...(el.labels || [])].map(text).join(" ").trim() ||
      (["submit", "button", "reset"].includes(el.type) ? (el.value || "").trim() : "");
    return [...document.querySelectorAll("input, select, textarea")]
      .filter((el) => el.type !== "hidden" && !name(el))
      .map(describe);
  }

  function imagesWithoutAlt() {
    // alt="" is how HTML marks a decorative image (the text beside it says what it shows).
    const decorative = (el) =>
      el.getAttribute("role") === "presentation" || el.getAttribute("aria-hidden") === "true" ||
      (el.tagName === "IMG" && el.getAttribute("alt") === "");
    return [...document.querySelectorAll("img, input[type=image]")]
      .filter((el) => !decorative(el) && !(el.getAttribute("alt") || "").trim())
      .map((el) => describe(el) + " " + (el.getAttribute("src") || "").slice(0, 80));
  }

  // A reference to a missing id silently drops the help text or the error message that a screen
  // reader should read with the field.
  function brokenReferences() {
    const problems = [];
    for (const el of document.querySelectorAll("[aria-describedby], [aria-labelledby]")) {
      for (const attribute of ["aria-describedby", "aria-labelledby"]) {
        for (const id of ids(el, attribute)) {
          if (!document.getElementById(id)) problems.push(`${describe(el)} ${attribute}=${id}`);
        }
      }
    }
    return problems;
  }

  // WCAG 2.1 contrast (relative luminance of sRGB, ratio (L1 + 0.05) / (L2 + 0.05)): 4.5 for normal
  // text, 3 for large text (24 px, or 18.66 px bold). The background is what is painted under the
  // text: the elements under the text's own position, composited top-down until one is opaque. Text
  // over an image (or a CSS background image) passes only on a band dark or light enough to pass
  // whatever the image shows there: it is checked over both white and black.
  function lowContrast() {
    const parse = (value) => {
      const match = /rgba?\(([^)]*)\)/.exec(value || "");
      if (!match) return null;
      const [r, g, b, a] = match[1].split(/[\s,/]+/).filter(Boolean).map(Number);
      return {r, g, b, a: a === undefined ? 1 : a};
    };
    const over = (top, bottom) => {
      const a = top.a + bottom.a * (1 - top.a);
      const mix = (key) => (top[key] * top.a + bottom[key] * bottom.a * (1 - top.a)) / a;
      return {r: mix("r"), g: mix("g"), b: mix("b"), a};
    };
    const channel = (v) => {
      v /= 255;
      return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
    const ratio = (x, y) => {
      const [light, dark] = [luminance(x), luminance(y)].sort((p, q) => q - p);
      return (light + 0.05) / (dark + 0.05);
    };
    const hex = (c) => "#" + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
    const pictures = new Set(["IMG", "PICTURE", "VIDEO", "CANVAS", "svg", "IFRAME", "OBJECT", "EMBED"]);
    const controls = [
      "input:not([type=hidden]):not([type=file]):not([type=checkbox]):not([type=radio]):not([type=range])",
      "select",
      "textarea",
    ].join(", ");
    const ownText = (el) => [...el.childNodes].find((node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim());
    const white = {r: 255, g: 255, b: 255, a: 1};
    const black = {r: 0, g: 0, b: 0, a: 1};

    const problems = [];
    const scroll = [window.scrollX, window.scrollY];
    for (const el of document.querySelectorAll("body *")) {
      const isControl = el.matches(controls);
      const textNode = isControl ? null : ownText(el);
      if (!isControl && !textNode) continue;
      if (!el.matches("select") && el.closest("script, style, noscript, template, select")) continue;
      if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
      // Disabled controls are exempt (WCAG 1.4.3): they are faded on purpose.
      if (el.matches(":disabled") || el.closest("button:disabled, fieldset:disabled, [aria-disabled=true]")) continue;

      // elementsFromPoint sees only the viewport: bring the text into it first.
      el.scrollIntoView({block: "center", inline: "center"});
      let box = el.getBoundingClientRect();
      if (textNode) {
        const range = document.createRange();
        range.selectNodeContents(textNode);
        box = [...range.getClientRects()].find((r) => r.width > 0 && r.height > 0);
        if (!box) continue;
      }
      const style = getComputedStyle(el);
      let opacity = 1;
      for (let node = el; node; node = node.parentElement) opacity *= Number(getComputedStyle(node).opacity);
      const colour = parse(style.color);
      colour.a *= opacity;

      const x = Math.min(Math.max(box.left + box.width / 2, 0), window.innerWidth - 1);
      const y = Math.min(Math.max(box.top + box.height / 2, 0), window.innerHeight - 1);
      const stack = document.elementsFromPoint(x, y);
      let start = stack.indexOf(el);
      if (start < 0) start = stack.findIndex((node) => node.contains(el));
      const layers = [];
      let image = null;
      for (const node of start < 0 ? [] : stack.slice(start)) {
        const nodeStyle = getComputedStyle(node);
        if ((node !== el && pictures.has(node.tagName)) || nodeStyle.backgroundImage !== "none") {
          image = node;
          break;
        }
        const background = parse(nodeStyle.backgroundColor);
        if (background && background.a > 0) {
          layers.push(background);
          if (background.a >= 1) break;
        }
      }
      // Under the layers lies the white canvas or, for an image, anything from white to black.
      let worst = null;
      for (const base of image ? [white, black] : [white]) {
        const background = layers.reduceRight((below, layer) => over(layer, below), base);
        const foreground = over(colour, background);
        const value = ratio(foreground, background);
        if (!worst || value < worst.value) worst = {value, foreground, background};
      }
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (worst.value < (large ? 3 : 4.5)) {
        const words = (isControl ? el.value || el.placeholder || "" : textNode.textContent).trim().slice(0, 60);
        const where = image ? `text over an image (${describe(image)}), ` : "";
        const colours = `${hex(worst.foreground)} on ${hex(worst.background)}`;
        problems.push(`${describe(el)}: ${words} — ${where}contrast ${worst.value.toFixed(2)} (${colours})`);
      }
    }
    window.scrollTo(scroll[0], scroll[1]);
    return problems;
  }

  // A keyboard user must see where they are: an outline or a box shadow on the focused element.
  function focusIsVisible() {
    const el = document.activeElement;
    if (!el || el === document.body) return false;
    const style = getComputedStyle(el);
    return (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== "none";
  }

  function missingLanguage() {
    return document.documentElement.lang ? [] : ["<html> has no lang"];
  }

  // On a phone, sideways scrolling hides half of every line.
  function horizontalOverflow() {
    const extra = document.documentElement.scrollWidth - document.documentElement.clientWidth;
    return extra > 0 ? [`${extra} px`] : [];
  }

  const checks = {unlabelledFields, imagesWithoutAlt, brokenReferences, lowContrast, focusIsVisible, missingLanguage, horizontalOverflow};
  return checks[check]();
}
