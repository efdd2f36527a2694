"""Style targets kept across the jobs of one worker process.

A shop renders many photos in the same few styles, and every pass starts by resizing the paintings to
its size and running them through VGG for their Gram matrices: about one iteration's work, against a
copy from here. Those targets depend only on the paintings' pixels,
the size they are resized to, the layers and blend weights, the network's weights and the device, so
they are kept here, keyed by all of that (the paintings by a hash of their pixels, never by object
identity: each job decodes its own copy of the style file).

``$PICMATIX_STYLE_TARGET_CACHE_MB`` (default 256) bounds the bytes kept; the least recently used
targets go first, and 0 turns the cache off. One entry of VGG-19's five default style layers is
2.4 MB of float32 Grams, wherever the targets live (GPU memory on a GPU worker).
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

import torch
from PIL import Image
from torch import nn

from . import settings
from .errors import EngineError
from .precision import arithmetic_key
from .vgg import FeatureNet, WeightSource

__all__ = [
    "CacheStats",
    "StyleTargetCache",
    "cache_limit_bytes",
    "image_digest",
    "network_fingerprint",
    "style_target_cache",
]

# Every this many values of each weight tensor go into a network's fingerprint: another weight file
# differs nearly everywhere, so a sample tells sources apart at a few KB instead of hashing 50 MB.
_WEIGHT_SAMPLE_STRIDE = 1009

Targets = dict[str, torch.Tensor]


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int
    evictions: int
    entries: int
    bytes: int
    limit_bytes: int


def _nbytes(targets: Mapping[str, torch.Tensor]) -> int:
    return sum(t.numel() * t.element_size() for t in targets.values())


def _copy(targets: Mapping[str, torch.Tensor]) -> Targets:
    # Callers get their own tensors (a copy of a few Gram matrices costs next to nothing): whatever a
    # job does with its targets cannot reach the next job's.
    return {name: t.clone() for name, t in targets.items()}


class StyleTargetCache:
    """A thread-safe LRU of style targets bounded by their bytes (0: keeps nothing)."""

    def __init__(self, limit_bytes: int) -> None:
        self.limit_bytes = max(0, int(limit_bytes))
        self._entries: OrderedDict[Hashable, Targets] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.evictions = 0

    @property
    def enabled(self) -> bool:
        return self.limit_bytes > 0

    def get(self, key: Hashable) -> Targets | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return _copy(found)

    def put(self, key: Hashable, targets: Mapping[str, torch.Tensor]) -> None:
        size = _nbytes(targets)
        if size > self.limit_bytes:
            return  # would evict everything and still not fit
        kept = _copy(targets)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= _nbytes(old)
            self._entries[key] = kept
            self._bytes += size
            while self._bytes > self.limit_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= _nbytes(evicted)
                self.evictions += 1

    def get_or_compute(self, key: Hashable, compute: Callable[[], Targets]) -> Targets:
        """The cached targets for ``key``, else ``compute()``'s, kept for next time. Computed outside the
        lock: two threads missing the same key at once both compute it (the same result), rather than
        one waiting on a VGG forward pass while holding every other job's lookups."""
        if not self.enabled:
            return compute()
        found = self.get(key)
        if found is not None:
            return found
        targets = compute()
        self.put(key, targets)
        return targets

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self.hits, self.misses, self.evictions, len(self._entries), self._bytes, self.limit_bytes)


def cache_limit_bytes() -> int:
    """``$PICMATIX_STYLE_TARGET_CACHE_MB`` (default 256) in bytes; 0 turns the cache off."""
    return settings.style_target_cache_bytes()


@functools.lru_cache(maxsize=1)
def style_target_cache() -> StyleTargetCache:
    """This process's cache, sized from the environment when first used (``cache_clear()`` re-reads it)."""
    return StyleTargetCache(cache_limit_bytes())


def image_digest(image: Image.Image) -> str:
    """SHA-256 of an image's mode, size and pixels: equal for two decodings of the same file (hashing
    even a large painting costs far less than the pass it saves)."""
    digest = hashlib.sha256(f"{image.mode}:{image.width}x{image.height}:".encode())
    digest.update(image.tobytes())
    return digest.hexdigest()


def network_fingerprint(net: FeatureNet, layers: Sequence[str]) -> str:
    """A digest of the layers before the deepest of ``layers`` and of their weights (a strided sample of
    each, plus the biases): targets made by another weight file or precision never match."""
    deepest = max(net.names.index(name) for name in layers) if layers else -1
    digest = hashlib.sha256()
    conv_index = 0
    for name, kind in net.plan[: deepest + 1]:
        digest.update(f"{name}:{kind};".encode())
        if kind != "conv":
            continue
        conv = net.convs[conv_index]
        conv_index += 1
        if not isinstance(conv, nn.Conv2d):
            raise EngineError(f"{name} is a {type(conv).__name__}, not a convolution")
        for tensor in (conv.weight, conv.bias):
            if tensor is None:
                continue
            values = tensor.detach().reshape(-1)[::_WEIGHT_SAMPLE_STRIDE].cpu().contiguous()
            digest.update(f"{tuple(tensor.shape)}:{tensor.dtype}:".encode())
            digest.update(values.numpy().tobytes())
    return digest.hexdigest()


def style_key(
    net: FeatureNet,
    source: WeightSource,
    styles: Sequence[Image.Image],
    style_dims: Sequence[tuple[int, int]],
    layers: Sequence[str],
    blend_weights: Sequence[float] | None,
    device: torch.device,
    memory_format: torch.memory_format,
) -> Hashable:
    """Everything the style targets of a pass depend on."""
    return (
        tuple(image_digest(s) for s in styles),
        tuple(style_dims),
        tuple(layers),
        None if blend_weights is None else tuple(float(w) for w in blend_weights),
        source,
        network_fingerprint(net, layers),
        str(device),
        str(memory_format),
        arithmetic_key(device),
    )
