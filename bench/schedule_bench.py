"""A cheaper schedule than the seed's: paint with candidate schedules, score every painting with the
seed's own objective, count the arithmetic, and put the paintings side by side.

    python bench/schedule_bench.py run --schedules seed fast [--scale 0.3333] [--pairs 6] [--out DIR]
        [--checkpoints 10] [--threads 1]
    python bench/schedule_bench.py table bench/out/schedule/results.jsonl [--reference seed]
    python bench/schedule_bench.py sheet --schedules seed fast [--scale 1.0] [--pairs 6]
    python bench/schedule_bench.py throughput --schedule nimble --workers 1 2 4 [--renders 2] [--scale 1.0]

``run`` paints each content / style pair with each schedule (its passes only: no colour finishing, no
watermark, no upscale, so that the score sees exactly what the passes made) and scores the painting with
``painter.score`` under the seed recipe: the 960 px objective (pass 2's settings) and the
350 px one (pass 1's, on the painting scaled down). ``--scale`` multiplies every size, the schedule's
and the score's alike (the search runs at a third of the size; the confirmation at 1). FLOPs are
counted as bench/engine_bench.py counts them: each pass's convolution FLOPs per iteration (forward and
backward to the input) times its iterations. One JSON line per painting goes to results.jsonl; ``table``
compares every schedule with the reference per pair. ``--checkpoints N`` also scores the image every N
iterations of the last pass, as the schedule ``NAME@K`` (the same schedule with a last pass of K
iterations): one run of the seed gives every shorter 960 px pass after its whole pass 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("PICMATIX_SHARED_DIR") or REPO.parent / "shared") / "images"
OUT = REPO / "bench" / "out" / "schedule"

# Six content / style pairs: every photo twice, five paintings (tests and benchmarks only, see
# ../shared/images/SOURCES.md).
PAIRS = [
    ("tubingen.jpg", "starry_night.jpg"),
    ("golden_gate.jpg", "the_scream.jpg"),
    ("hoovertowernight.jpg", "woman-with-hat-matisse.jpg"),
    ("tubingen.jpg", "picasso_selfport1907.jpg"),
    ("golden_gate.jpg", "seated-nude.jpg"),
    ("hoovertowernight.jpg", "starry_night.jpg"),
]


def candidate_passes() -> dict[str, list[dict[str, Any]]]:
    """Schedules tried besides the presets: {name: [pass overrides, applied to the seed's passes' settings]}.

    Each pass dict gives size, iterations and whatever differs; pass 1 takes the seed's pass-1 settings
    (tv 1e-4, history 100), later passes its pass-2 settings (tv 1e-3, history 10, from the previous).
    """
    return {
        # Three sizes: the 960 px pass starts from a 640 px painting, so it needs far fewer iterations.
        "three_640": [
            {"size": 350, "iterations": 300},
            {"size": 640, "iterations": 100},
            {"size": 960, "iterations": 60},
        ],
        "three_560": [
            {"size": 350, "iterations": 300},
            {"size": 560, "iterations": 120},
            {"size": 960, "iterations": 70},
        ],
        # After three_640 (once the swift preset) lost 5.5% of score 2 on golden_gate / the_scream: less
        # on pass 1 (its score had 3 to 35% to spare), more on the 960 px pass.
        "a_640": [{"size": 350, "iterations": 150}, {"size": 640, "iterations": 80}, {"size": 960, "iterations": 95}],
        "c_two": [{"size": 350, "iterations": 150}, {"size": 960, "iterations": 130}],
        "d_640": [{"size": 350, "iterations": 100}, {"size": 640, "iterations": 100}, {"size": 960, "iterations": 90}],
        # a_640 lost 13% there: pass 1's iterations matter to score 2 too. Keep them all, cut at 960 px.
        "e_640": [{"size": 350, "iterations": 400}, {"size": 640, "iterations": 60}, {"size": 960, "iterations": 70}],
        "f_480": [{"size": 350, "iterations": 400}, {"size": 480, "iterations": 100}, {"size": 960, "iterations": 70}],
        "g_two": [{"size": 350, "iterations": 500}, {"size": 960, "iterations": 85}],
        # All within 60% lost 4.7% or more of score 2 on golden_gate / the_scream. A longer intermediate
        # pass with a longer L-BFGS memory (it has room for one at 640 or 720 px), a short 960 px one.
        "j_640h50": [
            {"size": 350, "iterations": 250},
            {"size": 640, "iterations": 125, "lbfgs_history": 50},
            {"size": 960, "iterations": 60},
        ],
        "k_720h50": [
            {"size": 350, "iterations": 300},
            {"size": 720, "iterations": 80, "lbfgs_history": 50},
            {"size": 960, "iterations": 65},
        ],
        # How much arithmetic three_640's shape needs to come within 1% there.
        "swift_90": [
            {"size": 350, "iterations": 300},
            {"size": 640, "iterations": 100},
            {"size": 960, "iterations": 90},
        ],
        "swift_120": [
            {"size": 350, "iterations": 300},
            {"size": 640, "iterations": 100},
            {"size": 960, "iterations": 120},
        ],
        # At full size three_640 lost 15% of score 1 on tubingen / starry_night: pass 1 kept whole, a short
        # 640 px pass, and a 960 px pass long enough to be cut by --checkpoints.
        "whole_640": [
            {"size": 350, "iterations": 400},
            {"size": 640, "iterations": 60},
            {"size": 960, "iterations": 120},
        ],
        # Two sizes, fewer iterations where the loss has flattened.
        "two_short": [{"size": 350, "iterations": 250}, {"size": 960, "iterations": 115}],
        # Four sizes, each pass short.
        "four": [
            {"size": 350, "iterations": 250},
            {"size": 500, "iterations": 100},
            {"size": 700, "iterations": 70},
            {"size": 960, "iterations": 50},
        ],
    }


def schedule_recipe(
    name: str, scale: float, iteration_scale: float = 1.0, pass_fields: dict[str, Any] | None = None
) -> Any:
    """The recipe for ``name`` (a preset or a candidate) with every size times ``scale``, passes only;
    ``iteration_scale`` below 1 only for a quick check of the plumbing (bench/gpu_check.sh's dry run);
    ``pass_fields`` set on every pass (how a pass computes is the recipe's: ``{"tf32": false}``,
    ``{"lbfgs_kind": "torch", "lbfgs_guard": null}``)."""
    from painter import PassSpec, PostProcess, Upscale, Watermark, recipe_preset
    from painter.recipe import PRESETS

    seed = recipe_preset("seed")
    if name in PRESETS:
        recipe = recipe_preset(name)
    else:
        first, later = seed.passes[0], seed.passes[-1]
        passes = []
        for index, overrides in enumerate(candidate_passes()[name]):
            base: PassSpec = first if index == 0 else later
            passes.append(replace(base, **overrides))
        recipe = replace(seed, passes=tuple(passes))
    scaled = tuple(
        replace(
            p,
            size=max(32, round(p.size * scale)),
            iterations=max(1, round(p.iterations * iteration_scale)),
            **(pass_fields or {}),
        )
        for p in recipe.passes
    )
    return replace(
        recipe,
        passes=scaled,
        post=PostProcess(enabled=False),
        watermark=Watermark(enabled=False),
        upscale=Upscale(method="none"),
    )


def arithmetic(recipe: Any, photo: Any) -> float:
    """Convolution FLOPs of the recipe's passes on this photo (bench/engine_bench.py's count)."""
    sys.path.insert(0, str(REPO / "bench"))
    from engine_bench import conv_flops

    from painter.images import scaled_size

    total = 0.0
    for spec in recipe.passes:
        width, height = scaled_size(photo.size, spec.size)
        total += conv_flops(height, width) * spec.iterations
    return total


def cmd_run(args: argparse.Namespace) -> None:
    from painter import load_image, render
    from painter.score import score_image

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    seed_scaled = schedule_recipe("seed", args.scale)
    results = out / "results.jsonl"
    for content_name, style_name in PAIRS[args.first : args.pairs]:
        photo = load_image(SHARED / "content" / content_name)
        painting = load_image(SHARED / "styles" / style_name)
        for name in args.schedules:
            recipe = schedule_recipe(name, args.scale, args.iteration_scale, json.loads(args.pass_fields))
            last = len(recipe.passes) - 1
            checkpoints: dict[int, Any] = {}

            def keep(progress: Any, last: int = last, checkpoints: dict[int, Any] = checkpoints) -> None:
                # The image at evaluation k of L-BFGS is the one after k - 1 steps: what a last pass of
                # k - 1 iterations returns. So one run scores every shorter last pass too.
                done = progress.iteration - 1  # 0: the last pass's start, the earlier passes' painting
                if progress.pass_index == last and done % args.checkpoints == 0:
                    checkpoints[done] = progress.image

            started, cpu_started = time.perf_counter(), time.process_time()
            result = render(
                photo,
                [painting],
                recipe,
                device=args.device,
                progress=keep if args.checkpoints else None,
                save_every=1 if args.checkpoints else 0,
            )
            seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
            stem = f"{Path(content_name).stem}_{Path(style_name).stem}_x{args.scale:.3f}"
            paintings = {recipe.passes[last].iterations: (name, result.hd)}
            for done, image in checkpoints.items():
                if done < recipe.passes[last].iterations:
                    paintings[done] = (f"{name}@{done}", image)
            for done, (label, image) in sorted(paintings.items()):
                kept = (replace(recipe.passes[last], iterations=done),) if done else ()
                shorter = replace(recipe, passes=(*recipe.passes[:last], *kept))
                image_path = out / f"{label}_{stem}.png"
                image.save(image_path)
                scores = score_image(image, photo, [painting], seed_scaled, device=args.device)
                row = {
                    "schedule": label + args.suffix,
                    "scale": args.scale,
                    "pair": [content_name, style_name],
                    "passes": [[p.size, p.iterations] for p in shorter.passes],
                    "flops": arithmetic(shorter, photo),
                    "seconds": round(seconds, 1),
                    "cpu_seconds": round(cpu_seconds, 1),
                    "pass_seconds": [p["seconds"] for p in result.stats["passes"]],
                    "pass_losses": [p.get("loss") for p in result.stats["passes"]],
                    "pass_iterations": [p.get("iterations") for p in result.stats["passes"]],
                    "scores": [s.total for s in scores],
                    "score_sizes": [list(s.size) for s in scores],
                    "image": str(image_path.relative_to(REPO)) if image_path.is_relative_to(REPO) else str(image_path),
                    "load_average": os.getloadavg(),
                    "threads": args.threads or None,
                    "switches": switches(),
                }
                if label != name:
                    row["checkpoint_of"] = name  # its times are the whole run's
                with results.open("a") as f:
                    f.write(json.dumps(row) + "\n")
                print(json.dumps(row), flush=True)


def switches() -> dict[str, str | None]:
    """The engine's speed switches this run was made under (unset: the engine's default); what changes
    pixels is the recipe's, recorded with the row."""
    names = ("PICMATIX_CUDA_GRAPHS", "PICMATIX_CONV_PATH")
    return {name: os.environ.get(name) for name in names}


def _throughput_worker(index: int, args: argparse.Namespace, barrier: Any, results: Any) -> None:
    from painter import load_image, render

    recipe = schedule_recipe(args.schedule, args.scale, args.iteration_scale)
    pairs = [
        (load_image(SHARED / "content" / content), load_image(SHARED / "styles" / style))
        for content, style in PAIRS[: args.pairs]
    ]
    started = time.perf_counter()
    render(pairs[index % len(pairs)][0], [pairs[index % len(pairs)][1]], recipe, device=args.device)
    warm_up = time.perf_counter() - started
    barrier.wait(timeout=args.timeout)
    for k in range(args.renders):
        photo, painting = pairs[(index + k + 1) % len(pairs)]
        started = time.perf_counter()
        render(photo, [painting], recipe, device=args.device)
        results.put((index, time.perf_counter() - started, warm_up, time.perf_counter()))


def cmd_throughput(args: argparse.Namespace) -> None:
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # CUDA cannot be used in a forked child
    for workers in args.workers:
        barrier = context.Barrier(workers + 1)
        results = context.Queue()
        processes = [
            context.Process(target=_throughput_worker, args=(i, args, barrier, results)) for i in range(workers)
        ]
        for process in processes:
            process.start()
        try:
            barrier.wait(timeout=args.timeout)
            started = time.perf_counter()
            done = [results.get(timeout=args.timeout) for _ in range(workers * args.renders)]
        finally:
            for process in processes:
                process.join(timeout=5)
                if process.is_alive():
                    process.kill()
        wall = max(finished for *_, finished in done) - started
        renders = len(done)
        row = {
            "throughput": args.schedule,
            "scale": args.scale,
            "workers": workers,
            "renders": renders,
            "seconds": round(wall, 2),
            "renders_per_minute": round(60 * renders / wall, 1),
            "render_seconds": sorted(round(seconds, 2) for _, seconds, _, _ in done),
            "warm_up_seconds": sorted({round(warm, 2) for _, _, warm, _ in done}),
            "switches": switches(),
        }
        print(json.dumps(row), flush=True)


def whole_recipe(name: str, scale: float, iteration_scale: float = 1.0) -> Any:
    """The preset as the shop runs it (post-processing, watermark, waifu2x), its pass sizes times ``scale``."""
    from painter import recipe_preset

    recipe = recipe_preset(name)
    scaled = tuple(
        replace(p, size=max(32, round(p.size * scale)), iterations=max(1, round(p.iterations * iteration_scale)))
        for p in recipe.passes
    )
    return replace(recipe, passes=scaled)


def cmd_table(args: argparse.Namespace) -> None:
    rows = [json.loads(line) for line in Path(args.results).read_text().splitlines() if line.strip()]
    reference: dict[tuple[str, str, float], dict[str, Any]] = {}
    for row in rows:
        if row["schedule"] == args.reference:
            reference[(row["pair"][0], row["pair"][1], row["scale"])] = row
    print("| schedule | scale | pair | FLOP ratio | score 1 (350 px) vs ref | score 2 (960 px) vs ref | s | ref s |")
    print("|---|---|---|---|---|---|---|---|")
    worst: dict[tuple[str, float], list[float]] = {}
    for row in rows:
        ref = reference.get((row["pair"][0], row["pair"][1], row["scale"]))
        if ref is None or row["schedule"] == args.reference:
            continue
        ratio = row["flops"] / ref["flops"]
        diffs = [a / b - 1 for a, b in zip(row["scores"], ref["scores"], strict=True)]
        worst.setdefault((row["schedule"], row["scale"]), []).extend(diffs)
        pair = f"{Path(row['pair'][0]).stem} / {Path(row['pair'][1]).stem}"
        print(
            f"| {row['schedule']} | {row['scale']:.3f} | {pair} | {ratio:.3f} | {diffs[0]:+.2%} | {diffs[1]:+.2%} "
            f"| {row['seconds']:.0f} | {ref['seconds']:.0f} |"
        )
    for (name, scale), diffs in sorted(worst.items()):
        print(f"{name} at scale {scale:.3f}: worst score difference {max(diffs):+.2%} over {len(diffs) // 2} pairs")


def cmd_sheet(args: argparse.Namespace) -> None:
    """photo | schedule 1 | schedule 2 ... per pair, labelled, from the images ``run`` saved."""
    from PIL import Image, ImageDraw

    from painter import load_image

    out = Path(args.out)
    for content_name, style_name in PAIRS[args.first : args.pairs]:
        stem = f"{Path(content_name).stem}_{Path(style_name).stem}"
        tiles: list[tuple[str, Image.Image]] = []
        if not args.paintings_only:  # the photos are for tests and benchmarks only: not for docs/
            tiles += [
                ("photo", load_image(SHARED / "content" / content_name)),
                ("style", load_image(SHARED / "styles" / style_name)),
            ]
        for name in args.schedules:
            path = out / f"{name}_{stem}_x{args.scale:.3f}.png"
            if not path.exists():
                raise SystemExit(f"{path} is missing: run `run --schedules {name} --scale {args.scale}` first")
            tiles.append((name, Image.open(path).convert("RGB")))
        height = args.height
        scaled = [
            (label, image.resize((round(image.width * height / image.height), height), Image.Resampling.LANCZOS))
            for label, image in tiles
        ]
        width = sum(image.width for _, image in scaled) + 8 * (len(scaled) - 1)
        sheet = Image.new("RGB", (width, height + 28), "white")
        draw = ImageDraw.Draw(sheet)
        x = 0
        for label, image in scaled:
            sheet.paste(image, (x, 28))
            draw.text((x + 4, 6), label, fill="black")
            x += image.width + 8
        target = Path(args.to or out) / f"sheet_{stem}_x{args.scale:.3f}.jpg"
        target.parent.mkdir(parents=True, exist_ok=True)
        sheet.save(target, quality=88)
        print(target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="paint and score")
    run.add_argument("--schedules", nargs="+", default=["seed", "fast"])
    run.add_argument("--scale", type=float, default=1 / 3)
    run.add_argument("--pairs", type=int, default=6, help="the first N pairs")
    run.add_argument("--first", type=int, default=0, help="skip the pairs before this one (0-based)")
    run.add_argument("--device", default="auto")
    run.add_argument("--out", default=str(OUT))
    run.add_argument(
        "--checkpoints",
        type=int,
        default=0,
        help="also score the last pass every N iterations (each a shorter schedule, from the same run)",
    )
    run.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's own)")
    run.add_argument("--suffix", default="", help="appended to each row's schedule name")
    run.add_argument("--pass-fields", default="{}", help="JSON set on every pass, e.g. '{\"tf32\": false}'")
    run.add_argument("--iteration-scale", type=float, default=1.0, help="plumbing checks only: fewer iterations")
    table = sub.add_parser("table", help="compare with the reference schedule")
    table.add_argument("results")
    table.add_argument("--reference", default="seed")
    sheet = sub.add_parser("sheet", help="side-by-side sheets")
    sheet.add_argument("--schedules", nargs="+", default=["seed", "fast"])
    sheet.add_argument("--scale", type=float, default=1.0)
    sheet.add_argument("--pairs", type=int, default=6)
    sheet.add_argument("--first", type=int, default=0, help="skip the pairs before this one (0-based)")
    sheet.add_argument("--height", type=int, default=480)
    sheet.add_argument("--out", default=str(OUT), help="where `run` left the paintings")
    sheet.add_argument("--to", default=None, help="where the sheets go (default: --out)")
    sheet.add_argument("--paintings-only", action="store_true", help="no photo and style tiles")
    throughput = sub.add_parser("throughput", help="renders per minute, several worker processes on one device")
    throughput.add_argument("--schedule", default="nimble")
    throughput.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    throughput.add_argument("--renders", type=int, default=2, help="timed renders per worker")
    throughput.add_argument("--scale", type=float, default=1.0)
    throughput.add_argument("--pairs", type=int, default=6, help="round the first N pairs")
    throughput.add_argument("--device", default="auto")
    throughput.add_argument("--iteration-scale", type=float, default=1.0, help="plumbing checks only")
    throughput.add_argument("--timeout", type=float, default=300, help="seconds to wait for a worker")
    args = parser.parse_args()
    commands = {
        "run": cmd_run,
        "table": cmd_table,
        "sheet": cmd_sheet,
        "throughput": cmd_throughput,
    }
    commands[args.command](args)


if __name__ == "__main__":
    main()
