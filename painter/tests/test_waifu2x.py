"""Tests of the waifu2x upconv_7 module: ncnn parity, tiling, file validation, model lookup/download.

The real models are read in place from ../shared/models/waifu2x/upconv_7_photo beside the repository
(or $PICMATIX_WAIFU2X_DIR); without them those tests skip, except on CI (CI=true) where they fail.
The other tests use a synthetic model with random weights written to a temp folder.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from painter import waifu2x
from painter.errors import EngineError
from painter.waifu2x import (
    Waifu2xModelError,
    Waifu2xModelsMissing,
    cached_upconv7,
    load_upconv7,
    model_files,
    read_param,
    upscale_2x,
    upscale_tensor,
)

# ../shared beside the repository (/work/shared here), as in the root conftest.
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SHARED_MODELS = SHARED / "models" / "waifu2x" / "upconv_7_photo"
SHARED_PHOTO = SHARED / "images" / "content" / "tubingen.jpg"
CHANNELS = (3, 16, 32, 64, 128, 128, 256)


def _absent(message: str) -> NoReturn:
    """Skip when a test prerequisite is absent, but fail on CI, where it must be present."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (required when CI=true)")
    pytest.skip(message)


def _require(path: Path, what: str) -> Path:
    if not path.exists():
        _absent(f"{what} not found at {path}; set PICMATIX_WAIFU2X_DIR or provide ../shared to run this test")
    return path


@pytest.fixture(scope="session")
def models_dir() -> Path:
    folder = Path(os.environ.get("PICMATIX_WAIFU2X_DIR") or SHARED_MODELS)
    for name in ("noise2_scale2.0x_model", "scale2.0x_model"):
        for suffix in (".param", ".bin"):
            _require(folder / f"{name}{suffix}", "waifu2x upconv_7 photo model file")
    return folder


@pytest.fixture(scope="session")
def ncnn() -> ModuleType:
    """The official ncnn Python bindings (a dev dependency), the reference implementation."""
    try:
        return importlib.import_module("ncnn")
    except ImportError:
        _absent("the ncnn package is not installed (pip install -e '.[dev]')")


@pytest.fixture(scope="session")
def photo_crop() -> Image.Image:
    """A 40x40 crop of a real photo, with detail (the Tübingen river front)."""
    with Image.open(_require(SHARED_PHOTO, "content photo")) as image:
        return image.convert("RGB").crop((300, 200, 340, 240))


@pytest.fixture(scope="session")
def odd_photo(photo_crop: Image.Image) -> Image.Image:
    """An odd-sized image (37 x 23), so that tile sizes do not divide it."""
    return photo_crop.crop((1, 5, 38, 28))


def _param_text(c_out_last: int = 3) -> str:
    """An upconv_7 ncnn .param, as in the published models (layer names are ours)."""
    lines = ["7767517", "8 8", "Input in0 0 1 data 0=156 1=156 2=3"]
    blob = "data"
    for i in range(6):
        c_in, c_out = CHANNELS[i], CHANNELS[i + 1]
        top = f"relu{i + 1}"
        lines.append(
            f"Convolution conv{i + 1} 1 1 {blob} {top} 0={c_out} 1=3 5=1 6={c_out * c_in * 9} 9=2 -23310=1,0.100000"
        )
        blob = top
    lines.append(f"Deconvolution deconv 1 1 {blob} out 0={c_out_last} 1=4 3=2 4=3 5=1 6={c_out_last * 256 * 16}")
    return "\n".join(lines) + "\n"


def _bin_bytes(seed: int = 0) -> bytes:
    """A matching .bin: per layer the fp16 tag, (out, in, kh, kw) fp16 weights, fp32 bias."""
    rng = np.random.default_rng(seed)
    shapes = [(CHANNELS[i + 1], CHANNELS[i], 3, 3) for i in range(6)] + [(3, 256, 4, 4)]
    chunks: list[bytes] = []
    for shape in shapes:
        fan_in = shape[1] * shape[2] * shape[3]
        weights = rng.normal(0.0, (1.0 / fan_in) ** 0.5, size=shape).astype("<f2")
        bias = rng.normal(0.0, 0.01, size=shape[0]).astype("<f4")
        chunks += [(0x01306B47).to_bytes(4, "little"), weights.tobytes(), bias.tobytes()]
    return b"".join(chunks)


@pytest.fixture
def fake_model_dir(tmp_path: Path) -> Path:
    """A folder with a synthetic (random weights) scale2.0x_model pair in the upconv_7 format."""
    folder = tmp_path / "fake_models"
    folder.mkdir()
    (folder / "scale2.0x_model.param").write_text(_param_text())
    (folder / "scale2.0x_model.bin").write_bytes(_bin_bytes())
    return folder


@pytest.fixture
def no_model_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No configured model folder, downloads off, and the model cache in a temp folder (returned)."""
    monkeypatch.delenv("PICMATIX_WAIFU2X_DIR", raising=False)
    monkeypatch.delenv("PICMATIX_ALLOW_DOWNLOADS", raising=False)
    monkeypatch.setenv("PICMATIX_MODEL_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "waifu2x" / "upconv_7_photo"


def _to_tensor(image: Image.Image) -> torch.Tensor:
    return torch.from_numpy(np.array(image)).permute(2, 0, 1).float() / 255.0


@pytest.mark.parametrize("noise", [None, 2], ids=["scale_only", "noise2"])
def test_our_upconv7_matches_ncnn_on_a_photo_crop(
    ncnn: ModuleType, models_dir: Path, photo_crop: Image.Image, noise: int | None
) -> None:
    param_path, bin_path = model_files(noise, models_dir)
    param = read_param(param_path)
    # The ncnn net has no padding either: both get the same edge-padded 54x54 input.
    padded = F.pad(_to_tensor(photo_crop)[None], (7, 7, 7, 7), mode="replicate")

    net = ncnn.Net()
    net.opt.use_vulkan_compute = False
    net.opt.num_threads = 1
    assert net.load_param(str(param_path)) == 0
    assert net.load_model(str(bin_path)) == 0
    data = np.ascontiguousarray(padded[0].numpy())  # ncnn.Mat borrows this memory: keep it alive
    mat_in = ncnn.Mat(data)
    extractor = net.create_extractor()
    extractor.input(param.input_blob, mat_in)
    ret, mat_out = extractor.extract(param.output_blob)
    assert ret == 0
    expected = np.array(mat_out)

    with torch.inference_mode():
        ours = load_upconv7(param_path, bin_path)(padded)[0].numpy()

    assert ours.shape == expected.shape == (3, 80, 80)
    assert np.abs(ours - expected).max() < 2 / 255


@pytest.mark.parametrize("tile", [1, 5, 8, 16, 36, 64])
def test_tiled_float_output_equals_the_whole_image_output(models_dir: Path, odd_photo: Image.Image, tile: int) -> None:
    model = cached_upconv7(*model_files(2, models_dir))
    image = _to_tensor(odd_photo)
    with torch.inference_mode():
        whole = model(F.pad(image[None], (7, 7, 7, 7), mode="replicate"))[0].clamp(0, 1)

    tiled = upscale_tensor(image, model, tile=tile)

    assert tiled.shape == whole.shape == (3, 46, 74)
    assert (tiled - whole).abs().max().item() < 1e-5


def test_tiled_8bit_output_is_identical_for_every_tile_size(models_dir: Path, odd_photo: Image.Image) -> None:
    whole = np.asarray(upscale_2x(odd_photo, noise=2, model_dir=models_dir, tile=1000))

    for tile in (7, 10, 24):
        tiled = np.asarray(upscale_2x(odd_photo, noise=2, model_dir=models_dir, tile=tile))
        assert np.array_equal(tiled, whole), f"tile={tile} differs from the whole-image result"


def test_upscale_2x_returns_rgb_at_exactly_twice_the_size(models_dir: Path, photo_crop: Image.Image) -> None:
    rgba = photo_crop.crop((0, 0, 13, 9)).convert("RGBA")

    result = upscale_2x(rgba, noise=None, model_dir=models_dir, tile=8)

    assert result.mode == "RGB"
    assert result.size == (26, 18)


def test_upscale_2x_output_resembles_a_plain_bicubic_upscale(models_dir: Path, photo_crop: Image.Image) -> None:
    result = np.asarray(upscale_2x(photo_crop, noise=None, model_dir=models_dir), dtype=float)
    bicubic = np.asarray(photo_crop.resize((80, 80), Image.Resampling.BICUBIC), dtype=float)

    assert np.abs(result - bicubic).mean() < 8.0


def test_the_fake_model_loads_in_eval_mode_without_gradients(fake_model_dir: Path) -> None:
    model = load_upconv7(*model_files(None, fake_model_dir))

    assert not model.training
    assert not any(p.requires_grad for p in model.parameters())
    with torch.inference_mode():
        assert model(torch.zeros(1, 3, 20, 18)).shape == (1, 3, 12, 8)


def _truncate(data: bytes) -> bytes:
    return data[:-100]


def _bad_tag(data: bytes) -> bytes:
    return b"\x00\x00\xff\xff" + data[4:]


def _trailing(data: bytes) -> bytes:
    return data + b"\x00" * 8


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [(_truncate, "truncated"), (_bad_tag, "weight tag"), (_trailing, "after the last layer")],
    ids=["truncated", "bad_tag", "trailing_bytes"],
)
def test_a_corrupt_bin_raises_a_clear_engine_error(
    fake_model_dir: Path, corrupt: Callable[[bytes], bytes], message: str
) -> None:
    bin_path = fake_model_dir / "scale2.0x_model.bin"
    bin_path.write_bytes(corrupt(bin_path.read_bytes()))

    with pytest.raises(Waifu2xModelError, match=message) as info:
        load_upconv7(fake_model_dir / "scale2.0x_model.param", bin_path)

    assert isinstance(info.value, EngineError)
    assert str(bin_path) in str(info.value)


def test_a_param_that_is_not_upconv7_is_rejected(fake_model_dir: Path) -> None:
    param_path = fake_model_dir / "scale2.0x_model.param"
    param_path.write_text(_param_text(c_out_last=4))

    with pytest.raises(Waifu2xModelError, match=r"parameter 0=4, upconv_7 needs 3"):
        read_param(param_path)


def test_a_missing_model_folder_with_downloads_off_names_the_folder(no_model_env: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(Waifu2xModelsMissing, match="PICMATIX_WAIFU2X_DIR") as info:
        model_files(2, missing, download=False)
    assert str(missing) in str(info.value)

    with pytest.raises(Waifu2xModelsMissing) as info:
        model_files(None)  # downloads default to off: PICMATIX_ALLOW_DOWNLOADS is unset
    assert str(no_model_env) in str(info.value)
    assert "PICMATIX_ALLOW_DOWNLOADS" in str(info.value)


def test_the_model_folder_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, fake_model_dir: Path) -> None:
    monkeypatch.setenv("PICMATIX_WAIFU2X_DIR", str(fake_model_dir))

    assert model_files(None) == (
        fake_model_dir / "scale2.0x_model.param",
        fake_model_dir / "scale2.0x_model.bin",
    )


def test_a_noise_level_outside_0_to_3_is_rejected(fake_model_dir: Path) -> None:
    with pytest.raises(ValueError, match="noise level"):
        model_files(4, fake_model_dir)


class _FakeResponse(io.BytesIO):
    """A urlopen response whose reads check that nothing is at the final path yet."""

    def __init__(self, data: bytes, final: Path) -> None:
        super().__init__(data)
        self.final = final

    def read(self, size: int | None = -1) -> bytes:
        assert not self.final.exists(), "the final file must appear only once complete"
        return super().read(size)


def _pin_hashes(monkeypatch: pytest.MonkeyPatch, served: dict[str, bytes]) -> None:
    """Make the synthetic files the pinned ones (the real hashes are checked in test_model_downloads)."""
    pinned = {name: hashlib.sha256(data).hexdigest() for name, data in served.items()}
    monkeypatch.setattr(waifu2x, "MODEL_SHA256", {**waifu2x.MODEL_SHA256, **pinned})


def test_a_download_lands_atomically_in_the_cache(monkeypatch: pytest.MonkeyPatch, no_model_env: Path) -> None:
    served = {"scale2.0x_model.param": _param_text().encode(), "scale2.0x_model.bin": _bin_bytes()}
    requested: list[str] = []

    def fake_urlopen(url: str, timeout: float | None = None) -> _FakeResponse:
        requested.append(url)
        name = url.rsplit("/", 1)[1]
        return _FakeResponse(served[name], no_model_env / name)

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    monkeypatch.setenv("PICMATIX_ALLOW_DOWNLOADS", "1")
    _pin_hashes(monkeypatch, served)

    param_path, bin_path = model_files(None)

    assert requested == [waifu2x.DOWNLOAD_BASE_URL + name for name in served]
    assert requested[0].startswith(
        f"https://raw.githubusercontent.com/nihui/waifu2x-ncnn-vulkan/{waifu2x.MODEL_COMMIT}/models/models-upconv_7_photo/"
    )
    assert (param_path, bin_path) == (
        no_model_env / "scale2.0x_model.param",
        no_model_env / "scale2.0x_model.bin",
    )
    assert bin_path.read_bytes() == served["scale2.0x_model.bin"]
    assert sorted(p.name for p in no_model_env.iterdir()) == sorted(served)  # no temp files left
    load_upconv7(param_path, bin_path)
    assert model_files(None) == (param_path, bin_path)  # now cached: no second download
    assert len(requested) == 2


def test_a_failed_download_leaves_nothing_in_the_cache(monkeypatch: pytest.MonkeyPatch, no_model_env: Path) -> None:
    def fake_urlopen(url: str, timeout: float | None = None) -> io.BytesIO:
        if url.endswith(".bin"):
            raise urllib.error.URLError("no route to host")
        return io.BytesIO(_param_text().encode())

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)

    with pytest.raises(Waifu2xModelsMissing, match="no route to host"):
        model_files(None, download=True)

    assert list(no_model_env.iterdir()) == []


def test_a_truncated_download_is_not_placed_in_the_cache(monkeypatch: pytest.MonkeyPatch, no_model_env: Path) -> None:
    def fake_urlopen(url: str, timeout: float | None = None) -> io.BytesIO:
        data = _param_text().encode() if url.endswith(".param") else _bin_bytes()[:5000]
        return io.BytesIO(data)

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    _pin_hashes(monkeypatch, {"scale2.0x_model.param": _param_text().encode(), "scale2.0x_model.bin": _bin_bytes()})

    with pytest.raises(Waifu2xModelError, match=r"downloaded scale2\.0x_model\.bin has SHA-256 [0-9a-f]{64}, expected"):
        model_files(None, download=True)

    assert list(no_model_env.iterdir()) == []


def test_loaded_models_are_cached_per_files_and_device(monkeypatch: pytest.MonkeyPatch, fake_model_dir: Path) -> None:
    loads: list[Path] = []
    real_load = waifu2x.load_upconv7

    def counting_load(param_path: Path, bin_path: Path) -> waifu2x.Upconv7:
        loads.append(Path(param_path))
        return real_load(param_path, bin_path)

    monkeypatch.setattr(waifu2x, "load_upconv7", counting_load)
    files = model_files(None, fake_model_dir)

    first = cached_upconv7(*files, "cpu")
    again = cached_upconv7(*files, torch.device("cpu"))
    image = Image.new("RGB", (6, 5), (120, 80, 40))
    upscale_2x(image, noise=None, model_dir=fake_model_dir)

    assert again is first
    assert len(loads) == 1
