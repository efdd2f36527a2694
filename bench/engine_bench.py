"""Benchmark the rendering engine against pastiche (a peer), on whatever machine runs it.

    python bench/engine_bench.py passes [--sizes 350 960] [--iterations 8 3] [--skip-pastiche]
    python bench/engine_bench.py recipes [--recipes seed quick] [--iteration-scale 1.0]
    python bench/engine_bench.py sweep [--size 960] [--iterations 60] [--histories 5 10 20 50 100]
    python bench/engine_bench.py upscale [--size 960] [--scales 2 4]
    python bench/engine_bench.py memory [--recipe nimble] [--iterations 4] [--warm-up]
    python bench/engine_bench.py peak

Every measured configuration runs in a fresh subprocess, so that its peak RSS is its own. Seconds per
iteration are steady-state: the mean over iterations 2..N (the first one pays for kernel selection).
Not part of the test suite: numbers go to bench/README.md by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED_ROOT = Path(os.environ.get("PICMATIX_SHARED_DIR") or REPO.parent / "shared")
SHARED = SHARED_ROOT / "images"
OUT = REPO / "bench" / "out"
DEFAULT_CONTENT = SHARED / "content" / "tubingen.jpg"
DEFAULT_STYLE = SHARED / "styles" / "starry_night.jpg"
PAIRS = [
    (SHARED / "content" / "tubingen.jpg", SHARED / "styles" / "starry_night.jpg"),
    (SHARED / "content" / "golden_gate.jpg", SHARED / "styles" / "the_scream.jpg"),
]
CONTENT_LAYERS = ["relu4_2"]
STYLE_LAYERS = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
CONTENT_WEIGHT, STYLE_WEIGHT, TV_WEIGHT = 5.0, 100.0, 1e-3

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


# --------------------------------------------------------------------------------------------------
# Helpers shared by parent and child processes


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def anon_rss_bytes() -> int:
    """Resident anonymous memory now (Linux): the process's own data, without the shared libraries."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class AnonSampler:
    """Peak of RssAnon, sampled every few milliseconds in a thread (the kernel keeps no such high-water).

    torch's CUDA-enabled wheel maps ~450 MB of libraries (file-backed RSS) at import, which VmHWM
    counts although it is shared and evictable; the anonymous peak is what a pass really allocates."""

    def __init__(self, interval: float = 0.005) -> None:
        import threading

        self.peak = anon_rss_bytes()
        self._stop = threading.Event()
        self._interval = interval
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, anon_rss_bytes())
            time.sleep(self._interval)

    def __enter__(self) -> AnonSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, anon_rss_bytes())


def conv_flops(height: int, width: int, last: str = "relu5_1") -> int:
    """FLOPs of one loss evaluation's convolutions: forward + backward to the input (weights are fixed),
    2 * C_in * C_out * 9 per output pixel each way, counted analytically from VGG-19's layer table."""
    from painter.layers import LAYER_NAMES, LAYER_PLAN

    h, w, total = height, width, 0
    for _, kind, c_in, c_out in LAYER_PLAN[: LAYER_NAMES.index(last) + 1]:
        if kind == "pool":
            h, w = h // 2, w // 2
        elif kind == "conv":
            total += 2 * (2 * c_in * c_out * 9 * h * w)
    return total


def matmul_peak_gflops(n: int = 4096, repeats: int = 3) -> float:
    """Measured fp32 matmul throughput (best of ``repeats``) on the default device."""
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    torch.mm(a, b)  # warm up
    best = float("inf")
    for _ in range(repeats):
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        torch.mm(a, b)
        if device == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


def cpu_model() -> str:
    """``lscpu``'s model name: the row a number belongs to in bench/README.md."""
    model = platform.processor() or "?"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return model


def machine() -> dict[str, Any]:
    import torch

    info: dict[str, Any] = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "PASSIVE"),
        "torch": torch.__version__,
        "load_average": os.getloadavg(),
    }
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def _per_iteration(stamps: list[float]) -> float | None:
    """Mean interval over iterations 2..N (None with a single iteration)."""
    return (stamps[-1] - stamps[0]) / (len(stamps) - 1) if len(stamps) > 1 else None


def _steady(stamps: list[float], started: float) -> tuple[float, float]:
    """(seconds per iteration over iterations 2..N, seconds of the first iteration incl. setup)."""
    first = stamps[0] - started
    if len(stamps) < 2:
        return first, first
    return (stamps[-1] - stamps[0]) / (len(stamps) - 1), first


# --------------------------------------------------------------------------------------------------
# Child processes: one measured configuration each, printing one JSON line


def child_ours(args: argparse.Namespace) -> dict[str, Any]:
    from dataclasses import replace

    import torch

    from painter.images import load_image, pil_to_tensor, tensor_to_pil
    from painter.pipeline import resolve_device
    from painter.recipe import PassSpec, recipe_preset
    from painter.transfer import run_pass
    from painter.vgg import vgg19_features

    device = resolve_device(args.device)
    if device.type == "cuda" and args.no_tf32:
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    spec: PassSpec
    if args.recipe:
        # One pass of a named recipe, as the shop runs it, with only the history (and maybe the
        # iterations) changed: the sweep measures the seed's own second pass this way.
        base = recipe_preset(args.recipe).passes[args.pass_index]
        spec = replace(base, lbfgs_history=args.history, iterations=args.iterations or base.iterations)
    else:
        spec = PassSpec(
            size=args.size,
            iterations=args.iterations,
            content_layers=tuple(CONTENT_LAYERS),
            style_layers=tuple(STYLE_LAYERS),
            content_weight=CONTENT_WEIGHT,
            style_weight=STYLE_WEIGHT,
            tv_weight=TV_WEIGHT,
            lbfgs_history=args.history,
            seed=0,
        )
    started = time.perf_counter()
    net, source = vgg19_features([*spec.content_layers, *spec.style_layers], source="pastiche", device=device)
    if device.type == "cuda":
        net = net.to(memory_format=torch.channels_last)
    load_s = time.perf_counter() - started
    content, style = load_image(args.content), load_image(args.style)
    previous = pil_to_tensor(load_image(args.init_from), device) if args.init_from else None
    rss_before = peak_rss_bytes()
    stamps: list[float] = []
    cpu_stamps: list[float] = []
    losses: list[float] = []

    def tick(iteration: int, terms: Any, rgb: Any) -> None:
        if device.type == "cuda":
            torch.cuda.synchronize()
        stamps.append(time.perf_counter())
        cpu_stamps.append(time.process_time())
        losses.append(float(terms.total.detach()))

    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    anon_before = anon_rss_bytes()
    begin = time.perf_counter()
    with AnonSampler() as sampler:
        outcome = run_pass(
            net, source, spec, content=content, styles=[style], previous=previous, device=device, on_iteration=tick
        )
    per_it, first = _steady(stamps, begin)
    height, width = outcome.image.shape[-2:]
    from painter.speed.convpath import layer_paths

    if args.save or args.save_to:
        target = Path(args.save_to) if args.save_to else OUT / f"pass_ours_{spec.size}_h{spec.lbfgs_history}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        tensor_to_pil(outcome.image).save(target)
    return {
        "engine": "ours",
        "size": [int(width), int(height)],
        "history": spec.lbfgs_history,
        "iterations": len(stamps),
        "s_per_it": per_it,
        "cpu_s_per_it": _per_iteration(cpu_stamps),
        "first_it_s": first,
        "load_s": load_s,
        "losses": losses,
        "final_loss": outcome.loss,
        "flops_per_it": conv_flops(int(height), int(width)),
        "peak_rss": peak_rss_bytes(),
        "rss_before_pass": rss_before,
        "peak_anon": sampler.peak,
        "anon_before_pass": anon_before,
        "cuda_peak": torch.cuda.max_memory_allocated() if device.type == "cuda" else None,
        "conv_paths": layer_paths(int(height), int(width)) if device.type == "cpu" else None,
    }


_PATH_LETTER = {"nnpack": "N", "onednn": "O", "channels_last": "C", "winograd": "W", "-": "-"}


def paths_summary(paths: dict[str, dict[str, str]] | None) -> str | None:
    """``conv1_1 C/C conv1_2 C/N ...``: each conv layer's forward / backward path (N: NNPACK, O: oneDNN
    NCHW, C: oneDNN channels-last, W: Winograd F(4x4, 3x3) in torch's matrix products)."""
    if not paths:
        return None
    return " ".join(
        f"{name} {_PATH_LETTER[way['forward']]}/{_PATH_LETTER[way['backward']]}" for name, way in paths.items()
    )


def child_pastiche(args: argparse.Namespace) -> dict[str, Any]:
    import torch
    from pastiche.pastiche import PasticheArtist

    device = "cuda" if args.device in ("auto", "cuda") and torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)
    rss_before = peak_rss_bytes()
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    anon_before = anon_rss_bytes()
    sampler = AnonSampler().__enter__()
    begin = time.perf_counter()
    artist = PasticheArtist(
        str(args.content),
        [str(args.style)],
        device=device,
        content_layers=["block4_relu2"],
        style_layers=["block1_relu1", "block2_relu1", "block3_relu1", "block4_relu1", "block5_relu1"],
        content_weight=CONTENT_WEIGHT,
        style_weights=[STYLE_WEIGHT],
        tv_weight=TV_WEIGHT,
        size=args.size,
        style_size=args.size,
    )
    setup_done = time.perf_counter()
    sampler.__exit__()
    setup_peak = sampler.peak
    # The optimisation alone: pastiche's setup peak includes dequantising through Python lists.
    sampler = AnonSampler().__enter__()
    stamps: list[float] = []
    cpu_stamps: list[float] = []
    losses: list[float] = []
    for _ in range(args.iterations):
        artist.draw()  # one L-BFGS step = one loss evaluation (its optimiser has max_iter=1)
        if device == "cuda":
            torch.cuda.synchronize()
        stamps.append(time.perf_counter())
        cpu_stamps.append(time.process_time())
        losses.append(artist.loss)
    sampler.__exit__()
    # pastiche evaluates at the start of each draw; intervals between draws are whole iterations.
    per_it = (stamps[-1] - stamps[0]) / (len(stamps) - 1) if len(stamps) > 1 else stamps[0] - setup_done
    height, width = artist.content_size
    return {
        "engine": "pastiche",
        "size": [int(width), int(height)],
        "history": 100,
        "iterations": len(stamps),
        "s_per_it": per_it,
        "cpu_s_per_it": _per_iteration(cpu_stamps),
        "first_it_s": stamps[0] - setup_done,
        "load_s": setup_done - begin,
        "losses": losses,
        "final_loss": artist.loss,
        "flops_per_it": conv_flops(int(height), int(width)),
        "peak_rss": peak_rss_bytes(),
        "rss_before_pass": rss_before,
        "peak_anon": sampler.peak,
        "peak_anon_setup": setup_peak,
        "anon_before_pass": anon_before,
        "cuda_peak": torch.cuda.max_memory_allocated() if device == "cuda" else None,
    }


def child_recipe(args: argparse.Namespace) -> dict[str, Any]:
    from dataclasses import replace

    from painter import load_image, recipe_preset, render

    recipe = recipe_preset(args.recipe)
    if args.iteration_scale != 1.0:
        passes = tuple(replace(p, iterations=max(2, round(p.iterations * args.iteration_scale))) for p in recipe.passes)
        recipe = replace(recipe, passes=passes)
    content, style = Path(args.content), Path(args.style)
    cpu_started = time.process_time()
    result = render(load_image(content), [load_image(style)], recipe, device=args.device, waifu2x_dir=args.waifu2x_dir)
    OUT.mkdir(parents=True, exist_ok=True)
    stem = f"{args.recipe}_{content.stem}_{style.stem}"
    result.hd.save(OUT / f"{stem}_hd.png")
    result.preview.save(OUT / f"{stem}_preview.jpg", quality=90)
    return {
        "recipe": args.recipe,
        "iteration_scale": args.iteration_scale,
        "pair": [content.name, style.name],
        "stats": result.stats,
        "cpu_s": time.process_time() - cpu_started,
        "peak_rss": peak_rss_bytes(),
    }


def child_memory(args: argparse.Namespace) -> dict[str, Any]:
    """A recipe's passes one after the other in one process, as a render worker runs them (after its
    warm-up, with ``--warm-up``): each one's peak anonymous memory, and the warm-up's."""
    from dataclasses import replace

    import torch

    from painter import load_image, recipe_preset
    from painter.pipeline import feature_network, warm_up
    from painter.transfer import run_pass
    from painter.vgg import default_source

    recipe = recipe_preset(args.recipe)
    result: dict[str, Any] = {"recipe": args.recipe}
    if args.warm_up:
        with AnonSampler() as sampler:
            done = warm_up(device="cpu", pass_sizes=[spec.size for spec in recipe.passes])
        result["warm_up"] = {"s": done["seconds"], "plans": done["conv_plans"], "peak_anon": mb(sampler.peak)}
    photo, painting = load_image(args.content), load_image(args.style)
    layers = {name for spec in recipe.passes for name in (*spec.content_layers, *spec.style_layers)}
    net, source = feature_network(layers, default_source(), torch.device("cpu"))
    previous = None
    result["passes"] = []
    for spec in recipe.passes:
        spec = replace(spec, iterations=args.iterations)
        before = anon_rss_bytes()
        with AnonSampler() as sampler:
            outcome = run_pass(net, source, spec, content=photo, styles=[painting], previous=previous, device="cpu")
        previous = outcome.image
        result["passes"].append(
            {
                "size": spec.size,
                "iterations": outcome.iterations,
                "s": round(outcome.seconds, 1),
                "anon_before_pass": mb(before),
                "peak_anon": mb(sampler.peak),
            }
        )
    return result


def child_upscale(args: argparse.Namespace) -> dict[str, Any]:
    """The HD upscale alone: the content photo resized to the last pass's size, then waifu2x 2x or 4x."""
    from PIL import Image

    from painter import load_image
    from painter.pipeline import resolve_device, upscale_image
    from painter.recipe import Upscale

    image = load_image(Path(args.content))
    image = image.resize((args.size, round(args.size * image.height / image.width)), Image.Resampling.LANCZOS)
    spec = Upscale(method="waifu2x", noise=2, scale=args.scale)
    device = resolve_device(args.device)
    before = peak_rss_bytes()
    started = time.perf_counter()
    hd = upscale_image(image, spec, model_dir=args.waifu2x_dir, device=device)
    if device.type == "cuda":
        import torch

        torch.cuda.synchronize()
    return {
        "input": list(image.size),
        "output": list(hd.size),
        "scale": args.scale,
        "seconds": round(time.perf_counter() - started, 2),
        "peak_rss_before": before,
        "peak_rss": peak_rss_bytes(),
    }


# --------------------------------------------------------------------------------------------------
# Parent: spawn children, aggregate, print


def run_child(kind: str, *, conv_path: str | None = None, **options: Any) -> dict[str, Any]:
    command = [sys.executable, __file__, "_child", kind]
    for key, value in options.items():
        if value is None or value is False:
            continue
        command.append(f"--{key.replace('_', '-')}")
        if value is not True:
            command.append(str(value))
    # The same OpenMP policy for both engines (ours sets it by default when imported before torch).
    env = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
    if conv_path is not None:  # auto (measured, or read from the choices kept), or one path forced
        env["PICMATIX_CONV_PATH"] = conv_path
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(f"child {kind} {options} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def mb(n: float | None) -> str:
    return "-" if n is None else f"{n / 2**20:.0f} MB"


def cmd_passes(args: argparse.Namespace) -> None:
    peaks = [matmul_peak_gflops()]
    print(json.dumps({"machine": machine(), "matmul_peak_gflops": round(peaks[0], 1)}))
    engines = [*(f"ours:{mode}" for mode in args.conv_paths), *([] if args.skip_pastiche else ["pastiche"])]
    measured: list[tuple[int, dict[str, list[dict[str, Any]]]]] = []
    for size, iterations in zip(args.sizes, args.iterations, strict=True):
        results: dict[str, list[dict[str, Any]]] = {engine: [] for engine in engines}
        for _ in range(args.repeats):  # interleaved, so that a busy neighbour hurts all alike
            for engine in engines:
                opts = {"size": size, "iterations": iterations, "device": args.device, "content": args.content}
                opts["style"] = args.style
                opts["no_tf32"] = args.no_tf32
                kind, _, mode = engine.partition(":")
                if kind == "ours":
                    opts["history"] = args.history
                    opts["conv_path"] = mode
                results[engine].append(run_child(kind, **opts))
        measured.append((size, results))
    # The matmul peak moves with the neighbours' load (272 to 339 GFLOP/s on one Xeon in one hour): it is
    # measured before and after, and the higher counts, so that no share is flattered.
    peaks.append(matmul_peak_gflops())
    peak = max(peaks)
    print(json.dumps({"matmul_peak_gflops_before_after": [round(p, 1) for p in peaks]}))
    for size, results in measured:
        _print_passes(size, results, peak)


def _print_passes(size: int, results: dict[str, list[dict[str, Any]]], peak: float) -> None:
    for engine, runs in results.items():
        best = min(runs, key=lambda r: r["s_per_it"])
        gflops = best["flops_per_it"] / best["s_per_it"] / 1e9
        row = {
            "engine": engine,
            "size": best["size"],
            "iterations": best["iterations"],
            "s_per_it": round(best["s_per_it"], 3),
            "s_per_it_all_runs": [round(r["s_per_it"], 3) for r in runs],
            "cpu_s_per_it_all_runs": [round(r["cpu_s_per_it"] or 0.0, 3) for r in runs],
            "first_it_s": round(best["first_it_s"], 2) if best.get("first_it_s") is not None else None,
            "gflop_per_it": round(best["flops_per_it"] / 1e9, 1),
            "gflops": round(gflops, 1),
            "share_of_matmul_peak": round(gflops / peak, 3),
            "peak_rss": mb(best["peak_rss"]),
            "rss_before_pass": mb(best["rss_before_pass"]),
            "peak_anon": mb(best["peak_anon"]),
            "anon_before_pass": mb(best["anon_before_pass"]),
            "cuda_peak": mb(best["cuda_peak"]),
            "first_loss": best["losses"][0],
            "final_loss": best["final_loss"],
            "conv_paths": paths_summary(best.get("conv_paths")),
        }
        print(json.dumps(row))
    if "pastiche" in results:
        pastiche = results["pastiche"]
        for engine, runs in results.items():
            if engine == "pastiche":
                continue
            ratio = min(r["s_per_it"] for r in runs) / min(r["s_per_it"] for r in pastiche)
            cpu_ratio = min(r["cpu_s_per_it"] or 0.0 for r in runs) / max(
                1e-9, min(r["cpu_s_per_it"] or 0.0 for r in pastiche)
            )
            print(
                json.dumps(
                    {
                        "size": size,
                        "engine": engine,
                        "ratio_over_pastiche": round(ratio, 3),
                        "cpu_time_ratio": round(cpu_ratio, 3),
                        "load_average": os.getloadavg(),
                    }
                )
            )


def cmd_recipes(args: argparse.Namespace) -> None:
    for recipe in args.recipes:
        for content, style in PAIRS:
            result = run_child(
                "recipe",
                recipe=recipe,
                content=content,
                style=style,
                device=args.device,
                iteration_scale=args.iteration_scale,
                waifu2x_dir=args.waifu2x_dir,
            )
            stats = result["stats"]
            print(
                json.dumps(
                    {
                        "recipe": recipe,
                        "iteration_scale": args.iteration_scale,
                        "pair": result["pair"],
                        "total_s": stats["total_seconds"],
                        "cpu_s": round(result["cpu_s"], 1),
                        "load_average": os.getloadavg(),
                        "passes_s": [p["seconds"] for p in stats["passes"]],
                        "iterations": [p["iterations"] for p in stats["passes"]],
                        "upscale_s": stats["upscale_seconds"],
                        "hd_size": stats["hd_size"],
                        "peak_rss": mb(result["peak_rss"]),
                    }
                )
            )


def cmd_sweep(args: argparse.Namespace) -> None:
    common = {"device": args.device, "content": args.content, "style": args.style, "no_tf32": args.no_tf32}
    pass_options: dict[str, Any] = {"size": args.size, "iterations": args.iterations}
    if args.recipe:
        # The recipe's last pass, started from its first pass's result (computed once, full length),
        # exactly as a render would run it: only the history differs between the runs.
        first_image = OUT / f"sweep_{args.recipe}_pass1_{Path(args.content).stem}_{Path(args.style).stem}.png"
        first = run_child("ours", recipe=args.recipe, pass_index=0, history=100, save_to=first_image, **common)
        print(
            json.dumps({"first_pass": first_image.name, "iterations": first["iterations"], "loss": first["final_loss"]})
        )
        pass_options = {"recipe": args.recipe, "pass_index": 1, "init_from": first_image, "iterations": args.iterations}
    finals: dict[int, float] = {}
    for history in args.histories:
        stem = f"sweep_{Path(args.content).stem}_{Path(args.style).stem}_h{history}.png"
        result = run_child("ours", history=history, save_to=OUT / stem if args.save else None, **pass_options, **common)
        finals[history] = result["final_loss"]
        losses = result["losses"]
        print(
            json.dumps(
                {
                    "history": history,
                    "size": result["size"],
                    "iterations": result["iterations"],
                    "final_loss": result["final_loss"],
                    "loss_every_50": [losses[i] for i in range(49, len(losses), 50)],
                    "s_per_it": round(result["s_per_it"], 4),
                    "peak_rss": mb(result["peak_rss"]),
                    "peak_anon": mb(result["peak_anon"]),
                    "cuda_peak": mb(result["cuda_peak"]),
                }
            )
        )
    reference = finals[max(finals)]
    within = sorted(h for h, loss in finals.items() if loss <= reference * 1.02)
    print(json.dumps({"reference_history": max(finals), "smallest_within_2_percent": within[0] if within else None}))


def cmd_memory(args: argparse.Namespace) -> None:
    print(json.dumps({"machine": machine()}))
    result = run_child(
        "memory",
        recipe=args.recipe,
        iterations=args.iterations,
        warm_up=args.warm_up,
        content=args.content,
        style=args.style,
    )
    print(json.dumps(result))


def cmd_upscale(args: argparse.Namespace) -> None:
    print(json.dumps({"machine": machine()}))
    for scale in args.scales:
        result = run_child(
            "upscale",
            size=args.size,
            scale=scale,
            device=args.device,
            content=args.content,
            waifu2x_dir=args.waifu2x_dir,
        )
        mib = 1024 * 1024
        print(
            f"{result['input'][0]}x{result['input'][1]} -> {result['output'][0]}x{result['output'][1]} (x{scale}): "
            f"{result['seconds']:.1f} s, peak RSS {result['peak_rss'] / mib:.0f} MiB "
            f"({result['peak_rss_before'] / mib:.0f} MiB before the upscale)"
        )


def cmd_peak(args: argparse.Namespace) -> None:
    print(json.dumps({"machine": machine(), "matmul_peak_gflops": round(matmul_peak_gflops(), 1)}))


def _parser() -> argparse.ArgumentParser:
    """The commands and their options; ``_child`` is how a command runs one measurement in a fresh process."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    common.add_argument("--content", type=Path, default=DEFAULT_CONTENT)
    common.add_argument("--style", type=Path, default=DEFAULT_STYLE)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    passes = sub.add_parser("passes", parents=[common], help="one pass per size, ours vs pastiche")
    passes.add_argument("--sizes", type=int, nargs="+", default=[350, 960])
    passes.add_argument("--iterations", type=int, nargs="+", default=[8, 3], help="one count per size")
    passes.add_argument("--history", type=int, default=100, help="our L-BFGS history (pastiche's is 100)")
    passes.add_argument("--repeats", type=int, default=1)
    passes.add_argument("--skip-pastiche", action="store_true")
    passes.add_argument(
        "--conv-paths",
        nargs="+",
        default=["auto"],
        choices=("auto", "nnpack", "onednn", "channels_last", "winograd"),
        help="our engine once per mode: auto (measured per layer, or the choices kept) or one path forced",
    )

    recipes = sub.add_parser(
        "recipes", parents=[common], help="whole recipes on two content/style pairs, images to bench/out/"
    )
    recipes.add_argument("--recipes", nargs="+", default=["quick", "seed"])
    recipes.add_argument("--iteration-scale", type=float, default=1.0, help="multiply every pass's iterations")
    recipes.add_argument(
        "--waifu2x-dir",
        default=os.environ.get("PICMATIX_WAIFU2X_DIR") or str(SHARED_ROOT / "models/waifu2x/upconv_7_photo"),
    )

    sweep = sub.add_parser(
        "sweep", parents=[common], help="L-BFGS history sweep: smallest history within 2%% of the largest's loss"
    )
    sweep.add_argument("--size", type=int, default=960)
    sweep.add_argument("--iterations", type=int, default=60)
    sweep.add_argument("--histories", type=int, nargs="+", default=[5, 10, 20, 50, 100])
    sweep.add_argument("--save", action="store_true", help="save each result to bench/out/")
    sweep.add_argument(
        "--recipe", help="sweep this recipe's second pass, started from its first (size taken from the recipe)"
    )
    for sub_parser in (sweep, passes):
        sub_parser.add_argument("--no-tf32", action="store_true", help="CUDA: full fp32 convolutions and products")

    upscale = sub.add_parser("upscale", parents=[common], help="the HD upscale alone: waifu2x 2x and 4x")
    upscale.add_argument("--size", type=int, default=960, help="long side of the painting before the upscale")
    upscale.add_argument("--scales", type=int, nargs="+", default=[2, 4])
    upscale.add_argument(
        "--waifu2x-dir",
        default=os.environ.get("PICMATIX_WAIFU2X_DIR") or str(SHARED_ROOT / "models/waifu2x/upconv_7_photo"),
    )
    sub.add_parser("peak", parents=[common], help="measured fp32 matmul peak only")
    memory = sub.add_parser(
        "memory", parents=[common], help="CPU: a recipe's passes in one process, each one's peak anonymous memory"
    )
    memory.add_argument("--recipe", default="nimble")
    memory.add_argument("--iterations", type=int, default=4, help="iterations of every pass")
    memory.add_argument(
        "--warm-up", action="store_true", help="a worker's warm-up first (measures the paths where none are kept)"
    )

    child = sub.add_parser("_child", parents=[common])
    child.add_argument("kind", choices=("ours", "pastiche", "recipe", "upscale", "memory"))
    child.add_argument("--scale", type=int, default=2)
    child.add_argument("--size", type=int)
    child.add_argument("--iterations", type=int)
    child.add_argument("--history", type=int, default=100)
    child.add_argument("--recipe")
    child.add_argument("--iteration-scale", type=float, default=1.0)
    child.add_argument("--waifu2x-dir")
    child.add_argument("--save", action="store_true")
    child.add_argument("--save-to", type=Path)
    child.add_argument("--pass-index", type=int, default=0)
    child.add_argument("--init-from", type=Path, help="start from this image (the pass's init must be 'previous')")
    child.add_argument("--no-tf32", action="store_true")
    child.add_argument("--warm-up", action="store_true")

    return parser


def main() -> None:
    args = _parser().parse_args()
    if args.command == "_child":
        handler = {
            "ours": child_ours,
            "pastiche": child_pastiche,
            "recipe": child_recipe,
            "upscale": child_upscale,
            "memory": child_memory,
        }[args.kind]
        print(json.dumps(handler(args)))
        return
    commands = {
        "passes": cmd_passes,
        "recipes": cmd_recipes,
        "sweep": cmd_sweep,
        "upscale": cmd_upscale,
        "peak": cmd_peak,
        "memory": cmd_memory,
    }
    commands[args.command](args)


if __name__ == "__main__":
    main()
