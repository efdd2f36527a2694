"""Walk the whole customer journey against a live `make run` shop, as a new user would, and keep
screenshots of each step (not a test: run it by hand beside `make run`, see docs/screenshots/README).

    PICMATIX_EMAIL=file make run                        # in one terminal (emails go to var/mail/)
    .venv/bin/python browser/make_run_journey.py        # in another; screenshots to var/journey/
    # --photos EN.png ES.jpg: other customers' photos (e.g. scikit-image's CC0 astronaut and cat)

For each of an English desktop and a Spanish phone: the home page, the upload, the painting being
made, the preview with its comparison slider, the preview email, a declined demonstration card, a
paid one, the thanks page, the HD email and the HD download, whose pixel size it prints; then issue
31's pages: the share page (and a mock of a messenger's card drawn from its Open Graph tags; then,
paid, the same page without the watermark), "Find
my orders" with its email, and "Delete my data" with the order page after it. It waits for the real
render worker, so with the `cpu` recipe it takes several minutes per painting.
"""

from __future__ import annotations

import argparse
import base64
import io
import sys
import time
from pathlib import Path

from PIL import Image
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from browser.cards import OPEN_GRAPH_JS, open_graph_card  # noqa: E402  (after the path is set)
from browser.mails import Mail, mails_in_folder  # noqa: E402

PHOTO = ROOT.parent / "shared" / "images" / "content" / "golden_gate.jpg"
DEVICES = {
    "en-desktop": {"viewport": {"width": 1280, "height": 900}, "locale": "en-GB"},
    "es-phone": {
        "viewport": {"width": 390, "height": 844},
        "locale": "es-ES",
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}


def _shot(page: Page, out: Path, name: str) -> None:
    page.screenshot(path=str(out / f"{name}.png"), full_page=True)
    print(f"  screenshot {name}.png", flush=True)


def _mail_to(folder: Path, address: str, subject_has: str, timeout_s: float) -> Mail:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for mail in mails_in_folder(folder):
            if address in mail.to and subject_has.lower() in mail.subject.lower():
                return mail
        time.sleep(2)
    raise SystemExit(f"no email to {address} about {subject_has!r} within {timeout_s:.0f} s")


def _show_mail(page: Page, mail: Mail, out: Path, name: str) -> None:
    page.set_content(mail.html)
    _shot(page, out, name)


def _order(browser: Browser, base: str, key: str, style: str, out: Path, photo: Path) -> tuple[Page, str]:
    language = key[:2]
    context = browser.new_context(**DEVICES[key])  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(f"{base}/{language}/")
    _shot(page, out, f"{key}-01-home")
    page.set_input_files("input[name=photo]", str(photo))
    page.locator("label.style-card", has_text=style).click()
    address = f"{key}@example.com"
    page.fill("input[name=email]", address)
    page.locator("form.order-form button[type=submit]").click()
    page.wait_for_url("**/orders/**")
    print(f"{key}: order page {page.url}", flush=True)
    _shot(page, out, f"{key}-02-order-queued")
    return page, address


def _pay(page: Page, card_number: str) -> None:
    page.fill("input[name=card_number]", card_number)
    page.fill("input[name=expiry]", "12 / 34")
    page.fill("input[name=cvc]", "123")
    page.click("#pay-button")


def _finish(page: Page, base: str, key: str, address: str, mail_dir: Path, out: Path, wait_s: float) -> None:
    started = time.monotonic()
    # The second order may be finished already by the time the first one is paid for.
    page.wait_for_selector("#progress-image:not([hidden]), #buy:not([hidden])", timeout=wait_s * 1000)
    if page.locator("#buy:not([hidden])").count() == 0:
        _shot(page, out, f"{key}-03-painting")
    page.wait_for_selector("#buy:not([hidden])", timeout=wait_s * 1000)
    print(f"{key}: preview ready {time.monotonic() - started:.0f} s after the painting started", flush=True)
    page.wait_for_timeout(500)
    _shot(page, out, f"{key}-04-preview-comparison")
    preview_mail = _mail_to(mail_dir, address, "", 60)
    mail_page = page.context.new_page()
    _show_mail(mail_page, preview_mail, out, f"{key}-05-preview-email")

    page.click("#buy a")
    page.wait_for_selector("#demo-form")
    _shot(page, out, f"{key}-06-buy-demo")
    _pay(page, "4000 0000 0000 0002")  # Stripe's "generic decline" test card
    page.wait_for_selector("#demo-form .errors")
    _shot(page, out, f"{key}-07-card-declined")
    _pay(page, "4242 4242 4242 4242")
    page.wait_for_url("**/thanks/**")
    _shot(page, out, f"{key}-08-thanks")

    hd_mail = next(
        (mail for mail in reversed(mails_in_folder(mail_dir)) if address in mail.to and "/hd/" in mail.text),
        None,
    )
    deadline = time.monotonic() + 120
    while hd_mail is None and time.monotonic() < deadline:
        time.sleep(2)
        hd_mail = next(
            (mail for mail in reversed(mails_in_folder(mail_dir)) if address in mail.to and "/hd/" in mail.text),
            None,
        )
    if hd_mail is None:
        raise SystemExit(f"{key}: no HD email within 120 s of the payment")
    _show_mail(mail_page, hd_mail, out, f"{key}-09-hd-email")
    link = next(word for word in hd_mail.text.split() if "/hd/" in word)
    response = page.request.get(link)
    assert response.ok, f"{key}: the HD link answered {response.status}"
    with Image.open(io.BytesIO(response.body())) as hd:
        print(f"{key}: HD download {hd.width} x {hd.height} px, {len(response.body()) / 1e6:.1f} MB", flush=True)
        thumb = hd.copy()
    thumb.thumbnail((1200, 1200))
    buffer = io.BytesIO()
    thumb.convert("RGB").save(buffer, "JPEG", quality=85)
    caption = f"{hd.width} × {hd.height} px HD download"
    data = base64.b64encode(buffer.getvalue()).decode()
    mail_page.set_content(
        f'<p style="font:16px sans-serif">{caption}</p><img style="max-width:100%" src="data:image/jpeg;base64,{data}">'
    )
    _shot(mail_page, out, f"{key}-10-hd-download")


def _new_mail(folder: Path, address: str, seen: int, timeout_s: float) -> Mail:
    """The first email to `address` after the `seen` it had."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        mails = [mail for mail in mails_in_folder(folder) if address in mail.to]
        if len(mails) > seen:
            return mails[seen]
        time.sleep(2)
    raise SystemExit(f"no new email to {address} within {timeout_s:.0f} s")


def _card(page: Page, tags: dict[str, str], out: Path, name: str) -> None:
    page.set_content(open_graph_card(tags), wait_until="load")
    page.locator("body").screenshot(path=str(out / f"{name}.png"))
    print(f"  screenshot {name}.png (a mock made from the Open Graph tags)", flush=True)


def _returning(page: Page, base: str, key: str, address: str, mail_dir: Path, out: Path) -> None:
    """Issue 31's pages: share the painting, find the orders by email, delete the data."""
    language = key[:2]
    order_url = page.url
    page.click("#share-publish button[type=submit]")
    page.wait_for_selector("#share-url")
    share_url = page.input_value("#share-url")
    page.goto(share_url)
    _shot(page, out, f"{key}-11-share")
    _card(page.context.new_page(), page.evaluate(OPEN_GRAPH_JS), out, f"{key}-12-share-card-mock")
    # Paid: the same page may show the painting without the watermark.
    page.goto(order_url)
    page.click("#share-switch button[type=submit]")
    page.wait_for_selector("#share-url")
    page.goto(share_url)
    _shot(page, out, f"{key}-11b-share-without-the-mark")
    seen = len([mail for mail in mails_in_folder(mail_dir) if address in mail.to])
    page.goto(f"{base}/{language}/find-my-orders/")
    page.fill("input[name=email]", address)
    page.click("main form button[type=submit]")
    page.wait_for_selector("#order-links-sent")
    _shot(page, out, f"{key}-13-find-my-orders-sent")
    _show_mail(page.context.new_page(), _new_mail(mail_dir, address, seen, 120), out, f"{key}-14-find-my-orders-email")
    page.goto(order_url + "delete/")
    _shot(page, out, f"{key}-15-delete-confirm")
    page.click("#delete-data button[type=submit]")
    page.wait_for_selector("#data-deleted")
    _shot(page, out, f"{key}-16-data-deleted")
    assert page.request.get(share_url).status == 404, f"{key}: the share page outlived the data"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--var", type=Path, default=ROOT / "var", help="the shop's data folder (PICMATIX_VAR_DIR)")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "journey")
    parser.add_argument("--wait", type=float, default=1800, help="seconds to wait for each painting")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument(
        "--photos", type=Path, nargs=2, default=[PHOTO, PHOTO], help="the English and the Spanish customer's photos"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    mail_dir = args.var / "mail"
    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=flags)
        orders = [
            (key, *_order(browser, args.base, key, style, args.out, photo))
            for (key, style), photo in zip(
                (("en-desktop", "The Starry Night"), ("es-phone", "El grito")), args.photos, strict=True
            )
        ]
        for key, page, address in orders:
            _finish(page, args.base, key, address, mail_dir, args.out, args.wait)
            page.goto(page.url.split("/buy/thanks/")[0] + "/")  # back to the order page
            _returning(page, args.base, key, address, mail_dir, args.out)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
