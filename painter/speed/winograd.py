"""VGG's 3x3 convolutions as Winograd F(4x4, 3x3) written with torch's matrix products, for CPUs where
NNPACK's own Winograd (AVX2 code only) loses to oneDNN's direct convolution.

On CPUs with vectors wider than AVX2, NNPACK's kernels leave much of the machine unused, and oneDNN's
direct convolution does all the work of a direct convolution. Winograd F(4x4, 3x3) computes a
4x4 block of outputs from a 6x6 block of inputs with 36 channel products instead of 144: its heavy part
is 36 matrix products (tiles x channels in, channels in x channels out), which torch hands to the
machine's BLAS at whatever vector width the CPU has. The transforms around them are small matrix
products as well (6x6 tiles flattened to 36 values: ``vec(Bᵀ d B) = (Bᵀ ⊗ Bᵀ) vec(d)``), on NHWC data
so that every gather copies runs of whole pixels. On wide layers the products dominate and the path
wins; on the shallow layers the transforms cost more than they save, so the path is only offered from
``convpath.WINOGRAD_MIN_CHANNELS`` channels.

The input gradient is the exact adjoint of the forward computation (the transposed transforms, the
same transformed weights, overlapping tiles added back), so the path needs one transformed copy of the
weights, and L-BFGS sees the gradient of the very function it evaluates.

Both run a band of tile rows at a time so that their workspace (about 2.25 copies of the band's input
and output) stays under a limit, like NNPACK's strips.

The matrices are Lavin and Gray's ("Fast Algorithms for Convolutional Neural Networks", 2015),
interpolation points 0, ±1, ±2 and infinity.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator

import torch

__all__ = ["conv3x3", "conv3x3_input_grad", "transform_weight", "workspace_bytes_per_tile_row"]

_BT = (
    (4, 0, -5, 0, 1, 0),
    (0, -4, -4, 1, 1, 0),
    (0, 4, -4, -1, 1, 0),
    (0, -2, -1, 2, 1, 0),
    (0, 2, -1, -2, 1, 0),
    (0, 4, 0, -5, 0, 1),
)
_G = (
    (1 / 4, 0, 0),
    (-1 / 6, -1 / 6, -1 / 6),
    (-1 / 6, 1 / 6, -1 / 6),
    (1 / 24, 1 / 12, 1 / 6),
    (1 / 24, -1 / 12, 1 / 6),
    (0, 0, 1),
)
_AT = (
    (1, 1, 1, 1, 1, 0),
    (0, 1, -1, 2, -2, 0),
    (0, 1, 1, 4, 4, 0),
    (0, 1, -1, 8, -8, 1),
)

_cache: dict[tuple[str, torch.dtype], tuple[torch.Tensor, torch.Tensor]] = {}


def _transforms(like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(36 x 36 input transform, 16 x 36 output transform) on ``like``'s device and dtype."""
    key = (str(like.device), like.dtype)
    if key not in _cache:
        bt = torch.tensor(_BT, dtype=torch.float64)
        at = torch.tensor(_AT, dtype=torch.float64)
        _cache[key] = (
            torch.kron(bt, bt).to(like.device, like.dtype).contiguous(),
            torch.kron(at, at).to(like.device, like.dtype).contiguous(),
        )
    return _cache[key]


def transform_weight(weight: torch.Tensor) -> torch.Tensor:
    """``G g Gᵀ`` of every (out, in) pair of a (K, C, 3, 3) weight, as (36, C, K): one C x K matrix per
    point of the 6x6 tile. Computed in float64, then cast: the transform's fractions are not exact in
    float32."""
    g = torch.tensor(_G, dtype=torch.float64, device=weight.device)
    u = torch.einsum("ai,kcij,bj->abck", g, weight.detach().to(torch.float64), g)
    return u.reshape(36, weight.shape[1], weight.shape[0]).to(weight.dtype).contiguous()


def workspace_bytes_per_tile_row(channels_in: int, channels_out: int, width: int, element_size: int = 4) -> int:
    """Temporaries of one band of 4 output rows: the padded input rows, the gathered and transformed input
    tiles (36 values per tile and channel in), the transformed products (36 per channel out) and the
    output tiles (16 per channel out)."""
    tiles = math.ceil(width / 4)
    return element_size * (4 * (4 * tiles + 2) * channels_in + tiles * (72 * channels_in + 52 * channels_out))


def _bands(channels_in: int, channels_out: int, height: int, width: int, limit: int) -> Iterator[tuple[int, int]]:
    """(first tile row, tile rows) of each band: as many rows as the workspace limit allows, at least one."""
    tile_rows = math.ceil(height / 4)
    per_band = limit // max(1, workspace_bytes_per_tile_row(channels_in, channels_out, width))
    band = max(1, min(tile_rows, per_band))
    for first in range(0, tile_rows, band):
        yield first, min(band, tile_rows - first)


class _Arena(threading.local):
    buffer: torch.Tensor | None = None


_arena = _Arena()


def _workspace(sizes: tuple[int, ...], like: torch.Tensor) -> list[torch.Tensor]:
    """Flat float buffers of these sizes, carved from one kept per thread. Fresh tensors of tens of
    megabytes each call cost more than the arithmetic: every page of them faults on first touch. The
    arena grows to the largest band met (about the workspace limit) and is kept."""
    total = sum(sizes)
    buffer = _arena.buffer
    if buffer is None or buffer.numel() < total or buffer.dtype != like.dtype or buffer.device != like.device:
        _arena.buffer = None  # let the old one go before the new one is made
        buffer = _arena.buffer = torch.empty(total, dtype=like.dtype, device=like.device)
    parts, start = [], 0
    for size in sizes:
        parts.append(buffer[start : start + size])
        start += size
    return parts


def release_workspace() -> None:
    """Drop this thread's arena (tests; a worker between jobs that needs the memory back)."""
    _arena.buffer = None


def _nhwc(x: torch.Tensor) -> torch.Tensor:
    """(1, C, H, W) as an (H, W, C) view: no copy when ``x`` is channels-last."""
    return x[0].permute(1, 2, 0)


def _channels_last(shape: tuple[int, ...], like: torch.Tensor, *, zero: bool) -> torch.Tensor:
    make = torch.zeros if zero else torch.empty
    return make(shape, dtype=like.dtype, device=like.device).contiguous(memory_format=torch.channels_last)


def _tile_pairs(image: torch.Tensor, tiles: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Matching views of image rows (rows <= 4n, W, K) and of tiles (n, 4, tw, 4, K) that cover them,
    the last tile row and column cut where the image ends."""
    rows, width, _ = image.shape
    full_r, rest_r = divmod(rows, 4)
    full_c, rest_c = divmod(width, 4)
    core = image[: 4 * full_r, : 4 * full_c].unflatten(0, (full_r, 4)).unflatten(2, (full_c, 4))
    pairs = [(core, tiles[:full_r, :, :full_c])]
    if rest_c:
        pairs.append((image[: 4 * full_r, 4 * full_c :].unflatten(0, (full_r, 4)), tiles[:full_r, :, full_c, :rest_c]))
    if rest_r:
        pairs.append((image[4 * full_r :, : 4 * full_c].unflatten(1, (full_c, 4)), tiles[full_r, :rest_r, :full_c]))
    if rest_r and rest_c:
        pairs.append((image[4 * full_r :, 4 * full_c :], tiles[full_r, :rest_r, full_c, :rest_c]))
    return pairs


def conv3x3(x: torch.Tensor, u: torch.Tensor, bias: torch.Tensor | None, *, workspace: int) -> torch.Tensor:
    """``conv2d(x, weight, bias, padding=1)`` for one image (1, C, H, W), ``u = transform_weight(weight)``;
    the result is channels-last."""
    _, c, h, w = x.shape
    k = u.shape[2]
    tile_w = math.ceil(w / 4)
    k_in, k_out = _transforms(x)
    source = _nhwc(x)
    out = _channels_last((1, k, h, w), x, zero=False)
    target = _nhwc(out)
    for t0, n in _bands(c, k, h, w, workspace):
        tiles = n * tile_w
        flat_p, flat_d, flat_v, flat_m, flat_y = _workspace(
            ((4 * n + 2) * (4 * tile_w + 2) * c, 36 * tiles * c, 36 * tiles * c, 36 * tiles * k, 16 * tiles * k), x
        )
        # Padded rows 0 .. 4 n + 1 are the image's rows 4 t0 - 1 .. 4 (t0 + n).
        first = 4 * t0 - 1
        padded = flat_p.view(4 * n + 2, 4 * tile_w + 2, c)
        top, bottom = max(first, 0), min(first + 4 * n + 2, h)
        padded[top - first : bottom - first, 1 : w + 1].copy_(source[top:bottom])
        padded[: top - first].zero_()
        padded[bottom - first :].zero_()
        padded[:, :1].zero_()
        padded[:, w + 1 :].zero_()
        # The 6x6 windows (stride 4) as (36, tiles x C): runs of C values copied whole, and each transform
        # one matrix product over every tile of the band.
        d = flat_d.view(36, tiles * c)
        d.view(6, 6, n, tile_w, c).copy_(padded.unfold(0, 6, 4).unfold(1, 6, 4).permute(3, 4, 0, 1, 2))
        v = flat_v.view(36, tiles * c)
        torch.mm(k_in, d, out=v)
        m = flat_m.view(36, tiles, k)
        torch.bmm(v.view(36, tiles, c), u, out=m)  # 36 products, C x K each
        y = flat_y.view(16, tiles * k)
        torch.mm(k_out, m.view(36, tiles * k), out=y)
        if bias is not None:
            y.view(16, tiles, k).add_(bias)
        rows = target[4 * t0 : min(h, 4 * (t0 + n))]
        for image, part in _tile_pairs(rows, y.view(4, 4, n, tile_w, k).permute(2, 0, 3, 1, 4)):
            image.copy_(part)
    return out


def conv3x3_input_grad(
    grad: torch.Tensor, u: torch.Tensor, *, workspace: int, add_to: torch.Tensor | None = None
) -> torch.Tensor:
    """The gradient of :func:`conv3x3`'s input given its output's (1, K, H, W): the transposed
    computation, band by band; added into ``add_to`` (any layout, returned) when given, else a new
    channels-last tensor."""
    _, k, h, w = grad.shape
    c = u.shape[1]
    tile_w = math.ceil(w / 4)
    k_in, k_out = _transforms(grad)
    source = _nhwc(grad)
    out = add_to if add_to is not None else _channels_last((1, c, h, w), grad, zero=True)
    target = _nhwc(out)
    for t0, n in _bands(c, k, h, w, workspace):
        tiles = n * tile_w
        flat_g, flat_m, flat_v, flat_d, flat_p = _workspace(
            (16 * tiles * k, 36 * tiles * k, 36 * tiles * c, 36 * tiles * c, (4 * n + 4) * (4 * tile_w + 4) * c), grad
        )
        rows = min(h, 4 * (t0 + n)) - 4 * t0
        g = flat_g.view(4, 4, n, tile_w, k)
        if rows < 4 * n or w < 4 * tile_w:
            g.zero_()
        for image, part in _tile_pairs(source[4 * t0 : 4 * t0 + rows], g.permute(2, 0, 3, 1, 4)):
            part.copy_(image)
        dm = flat_m.view(36, tiles * k)
        torch.mm(k_out.t(), g.view(16, tiles * k), out=dm)
        dv = flat_v.view(36, tiles, c)
        torch.bmm(dm.view(36, tiles, k), u.transpose(1, 2), out=dv)
        dd = flat_d.view(36, tiles * c)
        torch.mm(k_in.t(), dv.view(36, tiles * c), out=dd)
        # Overlapping 6x6 tiles (stride 4) added back: each tile's 4x4 core, then its two extra rows and
        # columns into the next tiles' first ones.
        windows = dd.view(6, 6, n, tile_w, c).permute(2, 0, 3, 1, 4)  # (n, 6, tw, 6, C)
        padded = flat_p.view(4 * n + 4, 4 * tile_w + 4, c)
        # The cores tile rows 0 .. 4n and columns 0 .. 4tw exactly: copied, so only the margin needs zeros.
        padded[: 4 * n, : 4 * tile_w].unflatten(0, (n, 4)).unflatten(2, (tile_w, 4)).copy_(windows[:, :4, :, :4])
        padded[4 * n :].zero_()
        padded[: 4 * n, 4 * tile_w :].zero_()
        for di, span_i, dj, span_j in ((0, 4, 4, 2), (4, 2, 0, 4), (4, 2, 4, 2)):
            window = padded[di : di + 4 * n, dj : dj + 4 * tile_w].unflatten(0, (n, 4)).unflatten(2, (tile_w, 4))
            window[:, :span_i, :, :span_j].add_(windows[:, di : di + span_i, :, dj : dj + span_j])
        # Padded row 0 is the image's row 4 t0 - 1: rows outside the image (the padding) are dropped.
        first = 4 * t0 - 1
        top, bottom = max(first, 0), min(first + 4 * n + 2, h)
        target[top:bottom].add_(padded[top - first : bottom - first, 1 : w + 1])
    return out
