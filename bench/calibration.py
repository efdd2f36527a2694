"""Calibration, measured: the band, each painting's calibrated weight, and how well the trial predicts
the customer's painting.

    python bench/calibration.py ladder  [-o var/bench/calibration.json]   # calibrate every painting
    python bench/calibration.py full    [-i var/bench/calibration.json]   # full-size check + sheets

``ladder`` calibrates each painting of bench/pairs.py with the ``cpu`` recipe on the three reference
photos (painter.calibrate: the trial), and measures the held-out photos (a coffee cup, a photographer)
at the multiplier found, which the calibration never saw. It prints the chosen paintings' measures at
x1: the band in painter.calibrate.TARGET_BAND was read from them.

``full`` paints the reference portrait with the whole ``cpu`` recipe at its preview size (640 px) before
(x1) and after calibration, for the paintings whose weight calibration changed and for The Starry
Night as a control, measures each under its last pass's objective, checks the face (painter.faces),
and writes a before | after sheet per painting to docs/calibration/.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pairs import DRAWN, PAINTINGS, REPO, SHARED, load_photo, load_style

from painter import recipe_preset, render
from painter.calibrate import TARGET_BAND, Rung, calibrate, trial_recipe, with_style_multiplier
from painter.faces import check_landmarks
from painter.references import CALIBRATION_KEYS, REFERENCES
from painter.score import stylisation

CHOSEN_PAINTINGS = ("starry", "scream", "matisse")
HELD_OUT_PHOTOS = ("coffee", "camera")
DOCS = REPO / "docs" / "calibration"
WAIFU2X = SHARED / "models" / "waifu2x" / "upconv_7_photo"


def _ladder(out: Path, only: list[str]) -> None:
    recipe = recipe_preset("cpu")
    photos = [(key, load_photo(key)) for key in CALIBRATION_KEYS]
    results: dict[str, Any] = {"band": list(TARGET_BAND), "machine": _machine(), "paintings": {}}
    if only and out.exists():
        results = json.loads(out.read_text())  # paint again only the paintings named
    images_dir = out.parent / "calibration"
    images_dir.mkdir(parents=True, exist_ok=True)
    for name in only or (*PAINTINGS, *DRAWN):
        style = load_style(name)

        def report(rung: Rung, name: str = name) -> None:
            print(f"{name:>12} x{rung.multiplier:<8g} moved {rung.content_change:.3f} closed {rung.style_closed:.3f}")
            for (key, _), image in zip(photos, rung.images, strict=True):
                image.save(images_dir / f"{name}-{key}-x{rung.multiplier:g}.png")

        started = time.perf_counter()
        result = calibrate([style], photos, recipe, device="cpu", on_rung=report)
        seconds = time.perf_counter() - started
        data = result.to_dict()
        data.pop("recipe")
        data["split"] = "chosen" if name in CHOSEN_PAINTINGS else "held_out"
        data["wall_seconds"] = round(seconds, 1)
        # The held-out photos at the multiplier found, and at x1.
        held: dict[str, Any] = {}
        for multiplier in sorted({1.0, result.multiplier}):
            trial = trial_recipe(recipe, multiplier)
            for key in HELD_OUT_PHOTOS:
                photo = load_photo(key)
                painted = render(photo, [style], trial, device="cpu").hd
                (measure,) = stylisation(painted, photo, [style], trial, device="cpu")
                held[f"{key}@x{multiplier:g}"] = {
                    "content_change": round(measure.content_change or 0.0, 4),
                    "style_closed": round(measure.style_closed or 0.0, 4),
                }
        data["held_out_photos"] = held
        results["paintings"][name] = data
        print(f"{name:>12} chosen x{result.multiplier:g} in_band={result.in_band} in {seconds:.0f} s", flush=True)
        out.write_text(json.dumps(results, indent=2))
    chosen_x1 = [
        next(r for r in results["paintings"][name]["rungs"] if r["multiplier"] == 1.0)["content_change"]
        for name in CHOSEN_PAINTINGS
    ]
    print(f"chosen paintings at x1 moved {min(chosen_x1):.3f} to {max(chosen_x1):.3f}; band {TARGET_BAND}")


def _machine() -> str:
    import platform

    import torch

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {torch.get_num_threads()} threads, torch {torch.__version__}, {platform.python_version()}"


def _full(source: Path, out: Path, only: list[str]) -> None:
    calibrated = json.loads(source.read_text())
    recipe = recipe_preset("cpu")
    portrait = next(ref for ref in REFERENCES if ref.key == "astronaut")
    photo = load_photo("astronaut")
    # The three demo paintings and two drawn styles (the issue's), and any other whose weight changed.
    names = only or list(
        dict.fromkeys(
            [*CHOSEN_PAINTINGS, *DRAWN, *(n for n, d in calibrated["paintings"].items() if d["multiplier"] != 1.0)]
        )
    )
    report: dict[str, Any] = json.loads(out.read_text()) if out.exists() else {}
    DOCS.mkdir(parents=True, exist_ok=True)
    for name in names:
        data = calibrated["paintings"][name]
        style = load_style(name)
        row: dict[str, Any] = {"multiplier": data["multiplier"]}
        paintings: dict[str, Image.Image] = {}
        for label, multiplier in (("before", 1.0), ("after", float(data["multiplier"]))):
            if label == "after" and multiplier == 1.0:
                paintings["after"] = paintings["before"]
                row["after"] = row["before"]
                continue
            painted_recipe = with_style_multiplier(recipe, multiplier)
            started = time.perf_counter()
            result = render(photo, [style], painted_recipe, device="cpu", waifu2x_dir=str(WAIFU2X))
            seconds = time.perf_counter() - started
            measures = stylisation(result.hd, photo, [style], painted_recipe, device="cpu")
            # What the customer looks at first: the watermarked preview.
            faces = check_landmarks(result.preview, photo, portrait.landmarks)
            trial_rung = next(r for r in data["rungs"] if abs(r["multiplier"] - multiplier) < 1e-9)
            row[label] = {
                "seconds": round(seconds, 1),
                "full": [
                    {"content_change": round(m.content_change or 0, 4), "style_closed": round(m.style_closed or 0, 4)}
                    for m in measures
                ],
                "trial_portrait": next(p for p in trial_rung["photos"] if p["photo"] == "astronaut"),
                "faces": {c.name: {"kept": c.kept, "correlation": round(c.correlation, 2)} for c in faces},
            }
            paintings[label] = result.preview
            print(name, label, json.dumps(row[label]), flush=True)
        report[name] = row
        out.write_text(json.dumps(report, indent=2))
        _sheet(name, data, paintings, source.parent / "calibration")


def _sheet(name: str, data: dict[str, Any], full: dict[str, Image.Image], rungs: Path) -> None:
    """Before | after: the portrait at the preview's size (when painted), then the three trial photos."""
    multiplier = float(data["multiplier"])
    width = 320
    tiles: list[list[Image.Image]] = []
    if full:
        tiles.append([_fit(full["before"], width), _fit(full["after"], width)])
    for key in CALIBRATION_KEYS:
        pair = []
        for m in (1.0, multiplier):
            path = rungs / f"{name}-{key}-x{m:g}.png"
            pair.append(
                _fit(Image.open(path).convert("RGB"), width) if path.exists() else Image.new("RGB", (width, 10))
            )
        tiles.append(pair)
    height = sum(max(t.height for t in row) for row in tiles) + 24
    sheet = Image.new("RGB", (2 * width + 8, height), "white")
    draw = ImageDraw.Draw(sheet)
    rows = "row 1 the preview at 640 px, then the trial" if full else "the trial (128 px, 30 iterations)"
    draw.text((4, 4), f"{name}: before (x1) | after (x{multiplier:g}); {rows}", fill="black")
    y = 24
    for row in tiles:
        for i, tile in enumerate(row):
            sheet.paste(tile, (i * (width + 8), y))
        y += max(t.height for t in row)
    sheet.save(DOCS / f"{name}.jpg", quality=80, optimize=True)


def _fit(image: Image.Image, width: int) -> Image.Image:
    return image.resize((width, round(width * image.height / image.width)), Image.Resampling.LANCZOS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("ladder", "full", "sheets"))
    parser.add_argument("-o", "--output", type=Path)
    parser.add_argument("-i", "--input", type=Path, default=REPO / "var" / "bench" / "calibration.json")
    parser.add_argument("--only", nargs="*", default=[])
    args = parser.parse_args()
    if args.what == "ladder":
        out = args.output or REPO / "var" / "bench" / "calibration.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        _ladder(out, args.only)
    elif args.what == "sheets":  # the trial's before | after, for paintings `full` did not paint
        paintings = json.loads(args.input.read_text())["paintings"]
        for name in args.only or list(paintings):
            _sheet(name, paintings[name], {}, args.input.parent / "calibration")
    else:
        _full(args.input, args.output or args.input.parent / "calibration-full.json", args.only)


if __name__ == "__main__":
    main()
