"""Golden renders: a few small fixed paintings on the CPU, hashed, to prove a refactor keeps every pixel.

    python bench/golden.py [-o golden.json]          # render the cases, write their hashes
    python bench/golden.py --compare golden.json     # render again; exit 1 on any difference
    python bench/golden.py --walk                    # the files one render walks through (no hashes)

Each case fixes everything that can change a pixel: its recipe, its images (from ../shared), its
convolution path (``PICMATIX_CONV_PATH``, so that measuring paths on this machine cannot pick another
one), the L-BFGS (recorded in the recipe since the engine stopped reading it from the environment)
and the thread count. A case's hash is the SHA-256 of the HD image's and the
preview's mode, size and pixel bytes. Not part of the test suite: a refactor runs it before and after.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PICMATIX_SHARED_DIR") or REPO.parent / "shared")
IMAGES = SHARED / "images"
WAIFU2X = SHARED / "models" / "waifu2x" / "upconv_7_photo"
THREADS = 2

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# A measured choice of paths would be written to the model cache and read back by the next run.
os.environ["PICMATIX_CONV_PATH_CACHE"] = "off"


@dataclass(frozen=True)
class Case:
    name: str
    photo: str
    painting: str
    conv_path: str
    recipe: dict[str, Any]
    env: dict[str, str] = field(default_factory=dict)


# torch's L-BFGS without a guard: what a CPU ran before recipes recorded the optimiser.
CPU_LBFGS = {"lbfgs_kind": "torch", "lbfgs_guard": None}


def _two_passes(lbfgs: dict[str, Any] = CPU_LBFGS, **later: Any) -> list[dict[str, Any]]:
    """The seed's two passes shrunk to 96 and 160 px and a few iterations."""
    return [
        {"size": 96, "iterations": 12, "tv_weight": 1e-4, "init": "image", "seed": 0, **lbfgs},
        {"size": 160, "iterations": 8, "init": "previous", "lbfgs_history": 10, "seed": 0, **lbfgs, **later},
    ]


SEED_POST = {"auto_levels": True, "saturation": 105.0, "smooth_radius": 1}

CASES = (
    Case(
        "tiny-adam-waifu2x",
        "content/golden_gate.jpg",
        "styles/the_scream.jpg",
        "onednn",
        {
            "passes": [
                {"size": 32, "iterations": 4, "tv_weight": 1e-4, "optimizer": "adam", "seed": 0},
                {"size": 48, "iterations": 3, "init": "previous", "optimizer": "adam", "seed": 0},
            ],
            "post": {"auto_levels": True},
            "upscale": {"method": "waifu2x", "noise": 2, "scale": 2},
        },
    ),
    Case(
        "two-pass-lbfgs-nnpack",
        "content/tubingen.jpg",
        "styles/starry_night.jpg",
        "nnpack",
        {"passes": _two_passes(), "post": SEED_POST, "upscale": {"method": "lanczos", "scale": 2}},
    ),
    Case(
        "in-range-keep-colours-winograd",
        "content/hoovertowernight.jpg",
        "styles/woman-with-hat-matisse.jpg",
        "winograd",
        {
            "passes": [{**p, "keep_in_range": True} for p in _two_passes(original_colors=True)],
            "post": {**SEED_POST, "contrast": 10.0},
            "upscale": {"method": "none"},
        },
    ),
    Case(
        "compact-lbfgs-channels-last",
        "content/golden_gate.jpg",
        "styles/starry_night.jpg",
        "channels_last",
        {
            # compact L-BFGS with its guard at 2: what PICMATIX_LBFGS=compact gave before.
            "passes": _two_passes({"lbfgs_kind": "compact", "lbfgs_guard": 2.0}, keep_in_range=True),
            "post": SEED_POST,
            "upscale": {"method": "none"},
        },
    ),
)


def _engine() -> Any:
    import importlib

    try:
        return importlib.import_module("painter")
    except ImportError:  # the engine's home before it became a package of its own
        return importlib.import_module("rendering.engine")


def _digest(image: Any) -> str:
    digest = hashlib.sha256(f"{image.mode}:{image.width}x{image.height}:".encode())
    digest.update(image.tobytes())
    return digest.hexdigest()


def _render(case: Case) -> Any:
    import torch

    engine = _engine()
    torch.set_num_threads(THREADS)
    saved = {name: os.environ.get(name) for name in (*case.env, "PICMATIX_CONV_PATH")}
    os.environ.update(case.env)
    os.environ["PICMATIX_CONV_PATH"] = case.conv_path
    try:
        photo = engine.load_image(IMAGES / case.photo)
        painting = engine.load_image(IMAGES / case.painting)
        recipe = engine.Recipe.from_dict(case.recipe)
        return engine.render(photo, [painting], recipe, device="cpu", waifu2x_dir=WAIFU2X)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def hashes() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for case in CASES:
        result = _render(case)
        out[case.name] = {"hd": _digest(result.hd), "preview": _digest(result.preview)}
        print(f"{case.name}: hd {out[case.name]['hd'][:12]} preview {out[case.name]['preview'][:12]}", flush=True)
    return out


def compare(expected: dict[str, dict[str, str]], actual: dict[str, dict[str, str]]) -> list[str]:
    """One line per case and image that differs (or is missing on one side)."""
    problems = []
    for name in sorted(set(expected) | set(actual)):
        for part in ("hd", "preview"):
            before = expected.get(name, {}).get(part)
            after = actual.get(name, {}).get(part)
            if before != after:
                problems.append(f"{name} {part}: {before} -> {after}")
    return problems


def walk(case: Case) -> dict[str, Any]:
    """Which of the engine's files one render runs code in, and how often control enters the module that
    holds the Gatys pass from another file (each distinct caller -> callee pair once)."""
    engine_dir = Path(_engine().__file__).resolve().parent
    files: Counter[str] = Counter()
    edges: set[tuple[str, str]] = set()
    entries = 0

    def relative(frame: FrameType) -> str | None:
        path = Path(frame.f_code.co_filename)
        return str(path.relative_to(engine_dir)) if path.is_relative_to(engine_dir) else None

    def profile(frame: FrameType, event: str, _arg: object) -> Callable[..., Any] | None:
        nonlocal entries
        if event != "call":
            return None
        here = relative(frame)
        if here is None or "tests/" in here:
            return None
        files[here] += 1
        caller = relative(frame.f_back) if frame.f_back is not None else None
        if here == "transfer.py" and caller != "transfer.py":
            entries += 1
            edges.add((f"{caller}:{frame.f_back.f_code.co_name if frame.f_back else ''}", frame.f_code.co_name))
        return None

    _render(case)  # once untraced: loading the weights and first calls are not the walk
    sys.setprofile(profile)
    try:
        _render(case)
    finally:
        sys.setprofile(None)
    return {
        "files": len(files),
        "file_list": sorted(files),
        "transfer_entries": entries,
        "transfer_entry_edges": len(edges),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, help="write the hashes to this JSON file")
    parser.add_argument("--compare", type=Path, help="exit 1 if any hash differs from this JSON file's")
    parser.add_argument("--walk", action="store_true", help="trace one render instead of hashing")
    args = parser.parse_args(argv)
    if args.walk:
        print(json.dumps(walk(CASES[1]), indent=2))
        return 0
    actual = hashes()
    if args.output is not None:
        args.output.write_text(json.dumps(actual, indent=2) + "\n")
    if args.compare is not None:
        problems = compare(json.loads(args.compare.read_text()), actual)
        for line in problems:
            print(f"DIFFERS {line}")
        print("golden: " + (f"{len(problems)} difference(s)" if problems else f"all {len(actual)} cases identical"))
        return 1 if problems else 0
    if args.output is None:
        print(json.dumps(actual, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
