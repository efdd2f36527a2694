"""A warm worker: how long a render job takes from its start to its first L-BFGS iteration.

    python bench/warm_bench.py [--runs 2] [--configs before after warm] [--engine-root /work/main]

Each run of a configuration is a fresh process (a worker just started) that renders two jobs of the
`seed` recipe with the same painting and different photos, as `rendering.services.render_job_execute`
does without the database: decode the photo and the painting, `engine.render`, stopped by its
progress callback at the first iteration of pass 1 (350 px). Each job's seconds are split into:

- import: the rendering stack (torch) imported by the job, as a fresh Celery worker does;
- weights: the VGG-19 weight file read (``vgg.conv_weights``);
- network: the network built around them (``vgg19_features`` less the weights);
- style / content targets: the paintings' Gram matrices and the photo's features at 350 px;
- first iteration: the first loss evaluation and its progress callback;
- other: the rest (decoding the images, checks, memory estimate, resizing the photo).

Configurations: ``before`` (no style target cache, the network built for every job: the engine as it
was), ``after`` (the caches on, nothing done at the worker's start) and ``warm`` (the caches on and
``pipeline.warm_up()`` at the worker's start, as rendering/tasks.py does; its seconds are printed
apart, since no job waits for them). ``--engine-root`` runs the jobs against another checkout's
engine (e.g. the main branch) for a before figure that owes nothing to a flag.
Not part of the test suite: numbers go to bench/README.md by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED_ROOT = Path(os.environ.get("PICMATIX_SHARED_DIR") or REPO.parent / "shared")
SHARED = SHARED_ROOT / "images"
STYLE = SHARED / "styles" / "starry_night.jpg"
PHOTOS = [SHARED / "content" / "tubingen.jpg", SHARED / "content" / "golden_gate.jpg"]
WAIFU2X_DIR = SHARED_ROOT / "models" / "waifu2x" / "upconv_7_photo"
CONFIGS = ("before", "after", "warm")
PARTS = ("import", "weights", "network", "style_targets", "content_targets", "first_iteration", "other")


class Stopped(Exception):
    """Raised by the progress callback at the first iteration (the engine lets it through)."""


class Timers:
    """Seconds spent inside wrapped functions, per part, for the job being measured."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}

    def reset(self) -> None:
        self.spent = {}

    def add(self, part: str, seconds: float) -> None:
        self.spent[part] = self.spent.get(part, 0.0) + seconds

    def wrap(self, module: Any, name: str, part: str) -> None:
        original: Callable[..., Any] = getattr(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.add(part, time.perf_counter() - started)

        setattr(module, name, timed)


def child(args: argparse.Namespace) -> dict[str, Any]:
    """One fresh process: (warm-up), then two jobs of the same style; prints the parts of each."""
    if args.engine_root:
        sys.path.insert(0, str(Path(args.engine_root).resolve()))
    elif str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    if args.config == "before":
        os.environ["PICMATIX_STYLE_TARGET_CACHE_MB"] = "0"
    timers = Timers()
    warm: dict[str, Any] | None = None
    imported = False
    if args.config == "warm":
        from painter import pipeline

        warm = pipeline.warm_up(device="cpu")
        imported = True
    jobs: list[dict[str, Any]] = []
    for photo in PHOTOS:
        timers.reset()
        started = time.perf_counter()
        if not imported:
            from painter import pipeline, transfer, vgg  # the first job pays for torch

            timers.add("import", time.perf_counter() - started)
            _instrument(timers, pipeline, transfer, vgg)
            imported = True
        elif not jobs:
            from painter import pipeline, transfer, vgg

            _instrument(timers, pipeline, transfer, vgg)
        jobs.append(_job(args, timers, started, photo))
    return {"config": args.config, "warm_up": warm, "jobs": jobs, "engine_root": args.engine_root or str(REPO)}


def _instrument(timers: Timers, pipeline: Any, transfer: Any, vgg: Any) -> None:
    timers.wrap(vgg, "conv_weights", "_weights_in_vgg19_features")
    if hasattr(pipeline, "conv_weights"):  # the network cache checks which weights its networks hold
        timers.wrap(pipeline, "conv_weights", "_weights_in_pipeline")
    timers.wrap(pipeline, "vgg19_features", "_vgg19_features")
    # The style step is its own function since the cache; before it, style_targets was called directly.
    if hasattr(transfer, "_style_goal"):
        timers.wrap(transfer, "_style_goal", "style_targets")
    else:
        timers.wrap(transfer, "style_targets", "style_targets")
    timers.wrap(transfer, "content_targets", "content_targets")
    original_optimise = transfer._optimise

    def optimise(*args: Any, **kwargs: Any) -> Any:
        timers.add("_optimise_entered", time.perf_counter())
        return original_optimise(*args, **kwargs)

    transfer._optimise = optimise


def _job(args: argparse.Namespace, timers: Timers, started: float, photo: Path) -> dict[str, Any]:
    from painter import pipeline
    from painter.images import load_image
    from painter.recipe import recipe_preset

    if args.config == "before" and hasattr(pipeline, "clear_network_cache"):
        pipeline.clear_network_cache()
    first_at: list[float] = []

    def stop(progress: Any) -> bool:
        first_at.append(time.perf_counter())
        raise Stopped

    # As rendering.services._open_image: the bytes of each file decoded for every job.
    content = load_image(photo.read_bytes())
    style = load_image(STYLE.read_bytes())
    with contextlib.suppress(Stopped):
        pipeline.render(content, [style], recipe_preset("seed"), device="cpu", progress=stop, waifu2x_dir=WAIFU2X_DIR)
    total = first_at[0] - started
    spent = dict(timers.spent)
    entered = spent.pop("_optimise_entered")
    vgg_total = spent.pop("_vgg19_features", 0.0)
    in_vgg = spent.pop("_weights_in_vgg19_features", 0.0)
    parts = {
        "import": spent.get("import", 0.0),
        "weights": in_vgg + spent.pop("_weights_in_pipeline", 0.0),
        "network": vgg_total - in_vgg,
        "style_targets": spent.get("style_targets", 0.0),
        "content_targets": spent.get("content_targets", 0.0),
        "first_iteration": first_at[0] - entered,
    }
    parts["other"] = total - sum(parts.values())
    stats: dict[str, Any] = {}
    try:
        from painter.targets_cache import style_target_cache

        cache = style_target_cache().stats()
        stats = {"cache_hits": cache.hits, "cache_misses": cache.misses, "cache_bytes": cache.bytes}
    except ImportError:
        pass
    return {"photo": photo.name, "total": total, **parts, **stats}


def machine() -> dict[str, Any]:
    from engine_bench import cpu_model  # bench/ is on the path when this script runs

    return {"cpu": cpu_model(), "cores": os.cpu_count(), "load_average": os.getloadavg()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2, help="fresh processes per configuration")
    parser.add_argument(
        "--configs", nargs="+", default=["before", "after", "warm"], choices=("before", "after", "warm")
    )
    parser.add_argument("--engine-root", help="import painter from this checkout instead")
    parser.add_argument("--child", choices=CONFIGS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.config = args.child
        print(json.dumps(child(args)))
        return
    print(json.dumps({"machine": machine()}))
    results: dict[str, list[dict[str, Any]]] = {}
    for run in range(args.runs):
        for config in args.configs:  # interleaved, so that a change in the machine's load hits all alike
            command = [sys.executable, __file__, "--child", config]
            if args.engine_root:
                command += ["--engine-root", args.engine_root]
            # OMP_WAIT_POLICY as painter sets it, in case torch is imported first.
            env = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
            out = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
            result = json.loads(out.strip().splitlines()[-1])
            results.setdefault(config, []).append(result)
            rounded = [{k: round(v, 3) if isinstance(v, float) else v for k, v in j.items()} for j in result["jobs"]]
            print(json.dumps({"run": run + 1, "config": config, "warm_up": result["warm_up"], "jobs": rounded}))
    print(json.dumps({"load_average_after": os.getloadavg()}))
    _table(results)


def _table(results: dict[str, list[dict[str, Any]]]) -> None:
    """Median over the runs of each part, per configuration and job, as a Markdown table."""
    print("\n| config | job | " + " | ".join(PARTS) + " | total |")
    print("|---|---|" + "---:|" * (len(PARTS) + 1))
    for config, runs in results.items():
        for index, label in enumerate(("1st (fresh)", "2nd (same style)")):
            cells = []
            for part in (*PARTS, "total"):
                cells.append(f"{statistics.median(r['jobs'][index][part] for r in runs):.2f}")
            print(f"| {config} | {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
