"""Every default schedule against the seed's, on the held-out pairs, as the customer gets the painting.

    python bench/judge.py [--scale 0.333] [--pairs held_out] [-o var/bench/judge.json]

For each pair of bench/pairs.py, each recipe (``seed``, ``nimble``, ``cpu``) paints the photo at the
style's calibrated weights (var/bench/calibration.json from bench/calibration.py; x1 without it), the
HD file is written as a PNG and read back (colour finishing and upscale included), and scored under
the seed's own objective: both passes' scores (painter.score), lower is better. A recipe loses a pair
when either score is more than 5 % above the seed's. A sheet of every pair (photo, painting, one
column per recipe) goes next to the JSON.

``--scale`` multiplies every pass's size of every recipe (and of the seed's objective) alike: the full
sizes take the seed about a quarter of an hour per pair on a small CPU, so a CPU run judges the
schedules at a third of their sizes, and a GPU host runs ``--scale 1``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pairs import PAIRS, REPO, SHARED, load_photo, load_style, row_sheet

from painter import Recipe, recipe_preset, render
from painter.calibrate import with_style_multiplier
from painter.score import score_image, stylisation

RECIPES = ("seed", "nimble", "cpu")


def _cpu_at_seed_sizes() -> Recipe:
    """A candidate for the embedded default: the ``cpu`` recipe's schedule at the seed's sizes (350
    then 960 px), which the ablation found to be what cpu lost by (``--ablate PAIR --of cpu``)."""
    seed, cpu = recipe_preset("seed"), recipe_preset("cpu")
    return dataclasses.replace(
        cpu, passes=tuple(dataclasses.replace(p, size=s.size) for p, s in zip(cpu.passes, seed.passes, strict=True))
    )


#: Recipes judged beside the presets, by name.
CANDIDATES = {"cpu@seed_sizes": _cpu_at_seed_sizes}


def _recipe(name: str) -> Recipe:
    return CANDIDATES[name]() if name in CANDIDATES else recipe_preset(name)


def _variants(of: str) -> dict[str, Recipe]:
    """What ``of`` (nimble or cpu) changes from the seed, one change at a time (``--ablate``): which
    of them makes the difference on a pair it loses. nimble's also without colour finishing."""
    seed, nimble, cpu = recipe_preset("seed"), recipe_preset("nimble"), recipe_preset("cpu")
    if of == "cpu":
        sizes = [p.size for p in seed.passes]
        iterations = [p.iterations for p in seed.passes]
        return {
            "seed": seed,
            "cpu": cpu,
            "cpu+seed_sizes": dataclasses.replace(
                cpu, passes=tuple(dataclasses.replace(p, size=n) for p, n in zip(cpu.passes, sizes, strict=True))
            ),
            "cpu+seed_iterations": dataclasses.replace(
                cpu,
                passes=tuple(dataclasses.replace(p, iterations=n) for p, n in zip(cpu.passes, iterations, strict=True)),
            ),
            **{
                f"cpu+seed_sizes+{n}": dataclasses.replace(
                    cpu,
                    passes=(
                        dataclasses.replace(cpu.passes[0], size=sizes[0]),
                        dataclasses.replace(cpu.passes[1], size=sizes[1], iterations=n),
                    ),
                )
                for n in (60, 80)
            },
            "cpu+seed_history": dataclasses.replace(
                cpu,
                passes=tuple(
                    dataclasses.replace(p, lbfgs_history=s.lbfgs_history)
                    for p, s in zip(cpu.passes, seed.passes, strict=True)
                ),
            ),
        }
    torch_lbfgs: dict[str, Any] = {"lbfgs_kind": "torch", "lbfgs_guard": None}
    return {
        "seed": seed,
        "nimble": nimble,
        "seed+in_range": dataclasses.replace(
            seed, passes=tuple(dataclasses.replace(p, keep_in_range=True) for p in seed.passes)
        ),
        "seed+95": dataclasses.replace(
            seed, passes=(seed.passes[0], dataclasses.replace(seed.passes[1], iterations=95))
        ),
        "nimble+torch_lbfgs": dataclasses.replace(
            nimble, passes=tuple(dataclasses.replace(p, **torch_lbfgs) for p in nimble.passes)
        ),
        "seed-post": dataclasses.replace(seed, post=dataclasses.replace(seed.post, enabled=False)),
        "nimble-post": dataclasses.replace(nimble, post=dataclasses.replace(nimble.post, enabled=False)),
    }


LOSES_ABOVE = 1.05
WAIFU2X = SHARED / "models" / "waifu2x" / "upconv_7_photo"


def scaled(recipe: Recipe, scale: float) -> Recipe:
    passes = tuple(dataclasses.replace(p, size=max(16, round(p.size * scale))) for p in recipe.passes)
    upscale = recipe.upscale
    if upscale.long_side is not None:
        upscale = dataclasses.replace(upscale, long_side=max(64, round(upscale.long_side * scale)))
    return dataclasses.replace(recipe, passes=passes, upscale=upscale)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1 / 3)
    parser.add_argument("--pairs", choices=("held_out", "chosen", "all"), default="held_out")
    parser.add_argument("--limit", type=int, default=0, help="only the first N pairs")
    parser.add_argument("--only", nargs="*", default=[], help="only these pairs (photo+style)")
    parser.add_argument("--ablate", metavar="PAIR", help="paint one pair (photo+style) with each of --of's changes")
    parser.add_argument("--of", choices=("nimble", "cpu"), default="nimble", help="whose changes --ablate tries")
    parser.add_argument("--variants", nargs="*", default=[], help="only these of --ablate's variants (and the seed)")
    parser.add_argument(
        "--recipes",
        nargs="+",
        choices=[*RECIPES, *CANDIDATES],
        default=list(RECIPES),
        help="seed and the defaults (or candidates) to judge",
    )
    parser.add_argument("-o", "--output", type=Path, default=REPO / "var" / "bench" / "judge.json")
    parser.add_argument("--calibration", type=Path, default=REPO / "var" / "bench" / "calibration.json")
    parser.add_argument(
        "--painting-colors",
        type=float,
        default=0.0,
        help="every recipe's painting_colors, the objective's too (a style made from a preset has 1)",
    )
    args = parser.parse_args()
    pairs = [p for p in PAIRS if args.pairs == "all" or p.split == args.pairs]
    if args.limit:
        pairs = pairs[: args.limit]
    if args.only:
        pairs = [p for p in pairs if p.name in args.only]
    multipliers: dict[str, float] = {}
    if args.calibration.exists():
        calibrated = json.loads(args.calibration.read_text())["paintings"]
        multipliers = {name: float(data["multiplier"]) for name, data in calibrated.items()}
    out_dir = args.output.parent / "judge"
    out_dir.mkdir(parents=True, exist_ok=True)
    if args.ablate:
        output = args.output.with_name(f"ablation-{args.of}.json")
        _ablate(args.ablate, args.of, args.variants, args.scale, multipliers, out_dir, output)
        return
    recipes = ["seed", *(r for r in args.recipes if r != "seed")]
    results: dict[str, Any] = json.loads(args.output.read_text()) if args.output.exists() else {}
    results.setdefault("scale", args.scale)
    results.setdefault("pairs", {})
    for pair in pairs:
        row = results["pairs"].get(pair.name)
        if row is not None and all(name in row["recipes"] for name in recipes):
            continue
        photo, style = load_photo(pair.photo), load_style(pair.style)
        multiplier = multipliers.get(pair.style, 1.0)
        objective = _coloured(with_style_multiplier(scaled(recipe_preset("seed"), args.scale), multiplier), args)
        # A recipe added later is painted beside the rows already there (same weights, same seed).
        row = row or {"split": pair.split, "multiplier": multiplier, "recipes": {}}
        for name in (n for n in recipes if n not in row["recipes"]):
            recipe = _coloured(with_style_multiplier(scaled(_recipe(name), args.scale), multiplier), args)
            started = time.perf_counter()
            result = render(photo, [style], recipe, device="cpu", waifu2x_dir=str(WAIFU2X))
            seconds = time.perf_counter() - started
            path = out_dir / f"{pair.name}-{name}.png"
            result.hd.save(path)
            with Image.open(path) as written:
                hd = written.convert("RGB")
            scores = score_image(hd, photo, [style], objective, device="cpu")
            measures = stylisation(hd, photo, [style], objective, device="cpu")
            row["recipes"][name] = {
                "seconds": round(seconds, 1),
                "hd_size": list(hd.size),
                "scores": [round(s.total, 1) for s in scores],
                "moved": [round(m.content_change or 0.0, 4) for m in measures],
                "closed": [round(m.style_closed or 0.0, 4) for m in measures],
            }
            print(pair.name, name, row["recipes"][name], flush=True)
        seed = row["recipes"]["seed"]["scores"]
        for name in (n for n in row["recipes"] if n != "seed"):
            ratios = [mine / base for mine, base in zip(row["recipes"][name]["scores"], seed, strict=True)]
            row["recipes"][name]["vs_seed"] = [round(r, 3) for r in ratios]
            row["recipes"][name]["loses"] = any(r > LOSES_ABOVE for r in ratios)
        results["pairs"][pair.name] = row
        args.output.write_text(json.dumps(results, indent=2))
        _sheet(pair.name, photo, style, list(row["recipes"]), out_dir)
    _summary(results)


def _coloured(recipe: Recipe, args: argparse.Namespace) -> Recipe:
    return dataclasses.replace(recipe, painting_colors=args.painting_colors)


def _ablate(
    name: str, of: str, only: list[str], scale: float, multipliers: dict[str, float], out_dir: Path, output: Path
) -> None:
    pair = next(p for p in PAIRS if p.name == name)
    photo, style = load_photo(pair.photo), load_style(pair.style)
    multiplier = multipliers.get(pair.style, 1.0)
    objective = with_style_multiplier(scaled(recipe_preset("seed"), scale), multiplier)
    results: dict[str, Any] = json.loads(output.read_text()) if output.exists() else {}
    row = results.setdefault(name, {"scale": scale, "multiplier": multiplier})
    variants = {k: v for k, v in _variants(of).items() if not only or k == "seed" or k in only}
    for variant, recipe in variants.items():
        if variant in row:
            continue
        painted = with_style_multiplier(scaled(recipe, scale), multiplier)
        started = time.perf_counter()
        result = render(photo, [style], painted, device="cpu", waifu2x_dir=str(WAIFU2X))
        path = out_dir / f"{name}-{variant}.png"
        result.hd.save(path)
        with Image.open(path) as written:
            hd = written.convert("RGB")
        scores = score_image(hd, photo, [style], objective, device="cpu")
        row[variant] = {
            "seconds": round(time.perf_counter() - started, 1),
            "scores": [round(s.total, 1) for s in scores],
        }
        print(name, variant, row[variant], flush=True)
        output.write_text(json.dumps(results, indent=2))
    base = row["seed"]["scores"]
    for variant in variants:
        ratios = [mine / b for mine, b in zip(row[variant]["scores"], base, strict=True)]
        print(f"{variant:<20} " + " / ".join(f"{r:.3f}" for r in ratios))


def _sheet(name: str, photo: Image.Image, style: Image.Image, recipes: list[str], out_dir: Path) -> None:
    painted = [Image.open(out_dir / f"{name}-{r}.png").convert("RGB") for r in recipes]
    row_sheet([photo, style, *painted]).save(out_dir / f"sheet-{name}.jpg", quality=85)


def _summary(results: dict[str, Any]) -> None:
    print(f"\nscale {results['scale']:.3g}; score under the seed's objective, pass 1 / pass 2, ratio to the seed's")
    names = {n for row in results["pairs"].values() for n in row["recipes"] if n != "seed"}
    judged = sorted(n for n in names if all(n in row["recipes"] for row in results["pairs"].values()))
    print(f"{'pair':<28} {'x':>5} " + " ".join(f"{r:>17}" for r in judged))
    for name, row in results["pairs"].items():
        cells = []
        for recipe in judged:
            ratios = row["recipes"][recipe]["vs_seed"]
            mark = " LOSES" if row["recipes"][recipe]["loses"] else ""
            cells.append(f"{ratios[0]:.2f}/{ratios[1]:.2f}{mark:>6}")
        print(f"{name:<28} {row['multiplier']:>5g} " + " ".join(f"{c:>17}" for c in cells))


if __name__ == "__main__":
    main()
