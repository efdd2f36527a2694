"""Model downloads come from pinned sources and are checked by SHA-256 before they are placed.

The files are served by a real HTTP server on 127.0.0.1 (a free port), so the real download code runs.
"""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
import torch

from painter import vgg, waifu2x
from painter.errors import WeightsNotFound
from painter.waifu2x import Waifu2xModelError, model_files

from .conftest import require_shared

SHARED_MODELS = Path(__file__).resolve().parents[2].parent / "shared" / "models" / "waifu2x" / "upconv_7_photo"
WAIFU2X_PATH = "/models/models-upconv_7_photo/"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """(folder, base URL): whatever the test writes into the folder is served on 127.0.0.1."""
    root = tmp_path / "served"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv("PICMATIX_WAIFU2X_DIR", raising=False)
    monkeypatch.delenv("PICMATIX_VGG_CAFFE_PATH", raising=False)
    monkeypatch.setenv("PICMATIX_MODEL_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_the_pinned_hashes_are_those_of_the_published_models_at_the_pinned_commit() -> None:
    folder = require_shared(SHARED_MODELS)
    on_disk = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    assert on_disk == waifu2x.MODEL_SHA256
    assert waifu2x.MODEL_COMMIT in waifu2x.DOWNLOAD_BASE_URL
    assert "/master/" not in waifu2x.DOWNLOAD_BASE_URL
    sources = (folder.parent / "SOURCES.md").read_text()
    assert f"commit {waifu2x.MODEL_COMMIT}" in sources


def test_the_real_waifu2x_files_download_into_the_cache(
    served: tuple[Path, str], cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, base = served
    (root / WAIFU2X_PATH.strip("/")).mkdir(parents=True)
    for name in ("noise2_scale2.0x_model.param", "noise2_scale2.0x_model.bin"):
        (root / WAIFU2X_PATH.strip("/") / name).write_bytes((require_shared(SHARED_MODELS) / name).read_bytes())
    monkeypatch.setattr(waifu2x, "DOWNLOAD_BASE_URL", base + WAIFU2X_PATH)

    param_path, bin_path = model_files(2, download=True)

    assert param_path.read_bytes() == (SHARED_MODELS / "noise2_scale2.0x_model.param").read_bytes()
    assert bin_path.read_bytes() == (SHARED_MODELS / "noise2_scale2.0x_model.bin").read_bytes()
    assert files_under(cache) == [
        "waifu2x/upconv_7_photo/noise2_scale2.0x_model.bin",
        "waifu2x/upconv_7_photo/noise2_scale2.0x_model.param",
    ]


def test_a_waifu2x_file_with_the_wrong_hash_is_refused_and_leaves_nothing_behind(
    served: tuple[Path, str], cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, base = served
    folder = root / WAIFU2X_PATH.strip("/")
    folder.mkdir(parents=True)
    (folder / "noise2_scale2.0x_model.param").write_bytes(
        (require_shared(SHARED_MODELS) / "noise2_scale2.0x_model.param").read_bytes()
    )
    # A tampered model: the right length and layout, one weight changed (no size check can see it).
    tampered = bytearray((SHARED_MODELS / "noise2_scale2.0x_model.bin").read_bytes())
    tampered[1000] ^= 0xFF
    (folder / "noise2_scale2.0x_model.bin").write_bytes(bytes(tampered))
    monkeypatch.setattr(waifu2x, "DOWNLOAD_BASE_URL", base + WAIFU2X_PATH)

    with pytest.raises(Waifu2xModelError, match=r"noise2_scale2\.0x_model\.bin has SHA-256 [0-9a-f]{64}, expected"):
        model_files(2, download=True)

    assert files_under(cache) == []


def _fake_caffe_file(path: Path) -> None:
    """A VGG-19 state dict in the layout of the Caffe file (zeros: only the check is under test)."""
    state = {}
    for index, (_, kind, c_in, c_out) in enumerate(vgg.LAYER_PLAN):
        if kind == "conv":
            state[f"features.{index}.weight"] = torch.zeros(c_out, c_in, 3, 3)
            state[f"features.{index}.bias"] = torch.zeros(c_out)
    torch.save(state, path)


def test_a_caffe_vgg_file_with_the_wrong_hash_is_refused_and_leaves_nothing_behind(
    served: tuple[Path, str], cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, base = served
    _fake_caffe_file(root / vgg.CAFFE_FILENAME)
    assert not hashlib.sha256((root / vgg.CAFFE_FILENAME).read_bytes()).hexdigest().startswith("d01eb7cb")
    monkeypatch.setattr(vgg, "CAFFE_URL", f"{base}/{vgg.CAFFE_FILENAME}")

    with pytest.raises(WeightsNotFound, match="does not start with d01eb7cb"):
        vgg.load_caffe_weights(download=True)

    assert files_under(cache) == []


def test_a_caffe_vgg_file_whose_hash_matches_is_placed_and_loaded(
    served: tuple[Path, str], cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, base = served
    _fake_caffe_file(root / vgg.CAFFE_FILENAME)
    digest = hashlib.sha256((root / vgg.CAFFE_FILENAME).read_bytes()).hexdigest()
    monkeypatch.setattr(vgg, "CAFFE_URL", f"{base}/{vgg.CAFFE_FILENAME}")
    monkeypatch.setattr(vgg, "CAFFE_SHA256_PREFIX", digest[:8])

    weights = vgg.load_caffe_weights(download=True)

    assert set(weights) == set(vgg.CONV_NAMES)
    assert files_under(cache) == [vgg.CAFFE_FILENAME]
