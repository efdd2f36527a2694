"""Which code runs each of VGG's 3x3 convolutions on a CPU, chosen by timing them on this machine.

No one path wins everywhere: which is fastest depends on the CPU's vector width, its caches and the
layer's shape (on one CPU NNPACK's Winograd wins every VGG layer; on another oneDNN in channels-last
layout wins the shallow, wide layers while NNPACK still wins the deep ones). So the path of each
(direction, layer shape, thread count) is chosen on the machine, kept for the rest of the process
and written to a small file, so the next worker process on the same machine starts with the choice
made. A pass's convolutions are chosen together (painter.speed.tuning, before its first
iteration); a convolution met outside a pass is timed alone the first time it runs, with every
candidate path, or, inside ``without_measuring``, runs on the path most chosen so far.

Paths:

- ``nnpack``: NNPACK's Winograd F(6x6, 3x3), NCHW; in horizontal strips where its workspace would
  pass ``PICMATIX_NNPACK_WORKSPACE_MB`` (see :mod:`painter.speed.cpu_convs`).
- ``onednn``: torch's own CPU convolution (oneDNN where torch has it) on NCHW tensors.
- ``channels_last``: the same on NHWC tensors, which oneDNN reads without reordering them.
- ``winograd``: Winograd F(4x4, 3x3) written with torch's matrix products on NHWC tensors
  (:mod:`painter.speed.winograd`), so the BLAS's widest vectors do the work; from 128 channels.

The backward pass (the input gradient, the weights being fixed) is itself a 3x3 convolution with the
weights flipped and transposed, so the same paths serve it (``winograd`` runs its exact adjoint).

``PICMATIX_CONV_PATH`` forces one path everywhere (``auto``, the default, measures);
``PICMATIX_CONV_PATH_CACHE`` names the file that keeps the choices (``off``: keep them in memory only).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import os
import platform
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import torch

from .. import settings
from ..errors import EngineError

__all__ = [
    "PATHS",
    "Direction",
    "choose",
    "chosen_paths",
    "forced_for",
    "forced_path",
    "layer_paths",
    "reset",
]

logger = logging.getLogger(__name__)

Direction = Literal["forward", "backward"]
DIRECTIONS: tuple[Direction, ...] = ("forward", "backward")
PATHS = settings.CONV_PATHS
# Each candidate runs once untimed (first calls pay for oneDNN's JIT and NNPACK's set-up), then this
# many times; the best time counts. Two keeps the measurement to about 3 x 3 = 9 runs of a layer, once.
_TIMED_RUNS = 2

_lock = threading.Lock()
_choices: dict[str, str] = {}
_timings: dict[str, dict[str, float]] = {}
_loaded = False


# Below this many channels the Winograd path's transforms cost more than its products save
# (painter.speed.winograd). It is not offered there, and forcing it runs those layers
# channels-last, in the same NHWC layout.
WINOGRAD_MIN_CHANNELS = 128


def forced_for(channels_in: int, channels_out: int) -> str | None:
    """The forced path for a convolution of these channels (None: measure)."""
    forced = forced_path()
    if forced == "winograd" and min(channels_in, channels_out) < WINOGRAD_MIN_CHANNELS:
        return "channels_last"
    return forced


def forced_path() -> str | None:
    """The path ``$PICMATIX_CONV_PATH`` forces, or None to measure (``auto`` or unset)."""
    return settings.conv_path()


def shape_key(direction: Direction, channels_in: int, channels_out: int, height: int, width: int) -> str:
    """One convolution as the choice knows it: direction, channels in -> out, image area in half-octaves
    and the thread count. Photos come in every aspect ratio: 960 x 720, 720 x 960 and 960 x 640 share
    a choice (the speed of each path follows the channels and the pixel count), so a worker does not
    measure again for each new crop."""
    area = max(1, height * width)
    return f"{direction}:{channels_in}>{channels_out}:a{round(2 * math.log2(area))}:t{torch.get_num_threads()}"


def choose(
    direction: Direction,
    key_shape: tuple[int, int, int, int],
    run: Callable[[str], object],
    candidates: tuple[str, ...],
    *,
    runnable: tuple[str, ...] = PATHS,
) -> str:
    """The path for this convolution: the forced one, the one chosen before, or the fastest of
    ``candidates`` timed now with ``run(path)``, which must have no lasting side effects. The caller then
    runs the path itself: the timed results are not kept, so that measuring needs no more memory than
    one run. A forced path may be any of ``runnable``, also one left out of the measurement."""
    forced = forced_for(key_shape[0], key_shape[1])
    if forced is not None:
        if forced not in runnable:
            raise EngineError(f"PICMATIX_CONV_PATH={forced} cannot run here (available: {', '.join(runnable)})")
        return forced
    key = shape_key(direction, *key_shape)
    _load_once()
    path = _choices.get(key)
    if path is not None and path in candidates:
        return path
    if _quiet.depth:
        return _usual_path(candidates)
    return _measure(key, run, candidates)


class _Quiet(threading.local):
    depth = 0


_quiet = _Quiet()


@contextmanager
def without_measuring() -> Iterator[None]:
    """Run unknown shapes on the usual path instead of timing them: for one-off work (a pass's targets,
    a score) where measuring would cost more than it saves."""
    _quiet.depth += 1
    try:
        yield
    finally:
        _quiet.depth -= 1


def _usual_path(candidates: tuple[str, ...]) -> str:
    """The path most chosen so far on this machine, else channels-last (oneDNN runs everywhere)."""
    with _lock:
        counts = Counter(path for path in _choices.values() if path in candidates)
    if counts:
        return counts.most_common(1)[0][0]
    return "channels_last" if "channels_last" in candidates else candidates[0]


def best_time(run: Callable[[], object], repeats: int) -> float:
    """The fastest of ``repeats`` timed calls of ``run``, after one untimed call (first calls pay for
    oneDNN's kernel generation and NNPACK's set-up)."""
    run()
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def _measure(key: str, run: Callable[[str], object], candidates: tuple[str, ...]) -> str:
    timings = {path: best_time(functools.partial(run, path), _TIMED_RUNS) for path in candidates}
    best = min(timings, key=timings.__getitem__)
    with _lock:
        _choices[key] = best
        _timings[key] = timings
    logger.info("convolution %s: %s (%s)", key, best, ", ".join(f"{p} {s * 1e3:.1f} ms" for p, s in timings.items()))
    _save(key, best, timings)
    return best


def assign(plan: dict[str, str], *, keep: bool, timings: dict[str, dict[str, float]] | None = None) -> None:
    """Use ``plan`` ({shape key: path}) from now on; with ``keep``, also write it down for the next process
    (painter.speed.tuning tries plans without keeping them, then keeps the fastest)."""
    _load_once()
    with _lock:
        _choices.update(plan)
        if timings:
            _timings.update(timings)
    if keep:
        _save_many({key: (path, (timings or {}).get(key, {})) for key, path in plan.items()})


def chosen_paths() -> dict[str, str]:
    """Every choice this process knows: {shape key: path}."""
    _load_once()
    with _lock:
        return dict(_choices)


def measured_timings() -> dict[str, dict[str, float]]:
    """The seconds each candidate took, for the choices measured in this process."""
    with _lock:
        return {key: dict(value) for key, value in _timings.items()}


def layer_paths(height: int, width: int, last: str = "relu5_1") -> dict[str, dict[str, str]]:
    """{conv layer: {"forward": path, "backward": path}} for an image of this size, from the choices made
    (``-`` for a direction not yet run); what the benchmark prints."""
    from ..layers import LAYER_NAMES, LAYER_PLAN

    known = chosen_paths()
    h, w = height, width
    result: dict[str, dict[str, str]] = {}
    for name, kind, c_in, c_out in LAYER_PLAN[: LAYER_NAMES.index(last) + 1]:
        if kind == "pool":
            h, w = h // 2, w // 2
        elif kind == "conv":
            result[name] = {
                direction: forced_for(c_in, c_out) or known.get(shape_key(direction, c_in, c_out, h, w), "-")
                for direction in DIRECTIONS
            }
    return result


def reset() -> None:
    """Forget every choice (tests; a benchmark comparing first runs)."""
    global _loaded
    with _lock:
        _choices.clear()
        _timings.clear()
        _loaded = False


# --------------------------------------------------------------------------------------------------
# Kept between processes: one file per machine folder, one section per CPU model, torch and threads


def cache_file() -> Path | None:
    """``$PICMATIX_CONV_PATH_CACHE``, or conv-paths.json in the model cache; None when ``off``."""
    return settings.conv_path_cache()


def machine_id() -> str:
    """What the measured choices depend on besides the shape: the CPU (model and instruction sets),
    torch's version and the paths there were to choose from. A different CPU under the same cache
    folder (a shared home) gets its own section, and so does a release with a new path: its workers
    measure again once instead of keeping a choice made without it."""
    model, flags = "", ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            field, _, value = line.partition(":")
            if field.strip() == "model name" and not model:
                model = value.strip()
            elif field.strip() == "flags" and not flags:
                flags = value.strip()
    except OSError:
        pass
    model = model or platform.processor() or platform.machine()
    digest = hashlib.sha256(" ".join(sorted(flags.split())).encode()).hexdigest()[:12]
    return f"{model} | flags {digest} | torch {torch.__version__} | paths {' '.join(PATHS)}"


def _read(file: Path) -> dict[str, dict[str, dict[str, object]]]:
    try:
        data = json.loads(file.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _load_once() -> None:
    global _loaded
    if _loaded:
        return
    file = cache_file()
    section = _read(file).get(machine_id(), {}) if file is not None else {}
    with _lock:
        for key, entry in section.items():
            path = entry.get("path") if isinstance(entry, dict) else None
            if isinstance(path, str) and path in PATHS:
                _choices.setdefault(key, path)
        _loaded = True


def _save(key: str, path: str, timings: dict[str, float]) -> None:
    _save_many({key: (path, timings)})


def _save_many(entries: dict[str, tuple[str, dict[str, float]]]) -> None:
    """Add choices to the file (read again first: other workers on the host write it too)."""
    file = cache_file()
    if file is None:
        return
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        data = _read(file)
        section = data.setdefault(machine_id(), {})
        for key, (path, timings) in entries.items():
            section[key] = {"path": path, "ms": {p: round(s * 1e3, 2) for p, s in timings.items()}}
        partial = file.with_name(f"{file.name}.{os.getpid()}.partial")
        partial.write_text(json.dumps(data, indent=1, sort_keys=True))
        partial.replace(file)
    except OSError as exc:  # a read-only cache costs a re-measurement next time, nothing else
        logger.warning("could not keep the convolution choices in %s: %s", file, exc)
