"""``python -m painter``: end to end in a subprocess, and one-line errors with exit status 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from painter.__main__ import main
from painter.vgg import conv_weights

from .conftest import REPO_ROOT, require_shared

TINY_RECIPE = {
    "passes": [{"size": 64, "iterations": 3, "optimizer": "adam"}],
    "upscale": {"method": "lanczos", "scale": 2},
}


def run_cli(*args: str, env: dict[str, str] | None = None, module: str = "painter") -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    environment = {**os.environ, "PYTHONPATH": path, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _images(shared_dir: Path) -> tuple[str, str]:
    content = require_shared(shared_dir / "images/content/golden_gate.jpg")
    style = require_shared(shared_dir / "images/styles/the_scream.jpg")
    return str(content), str(style)


def test_the_cli_renders_a_64_px_image_end_to_end(shared_dir: Path, tmp_path: Path) -> None:
    content, style = _images(shared_dir)
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps(TINY_RECIPE))
    out, preview = tmp_path / "out.png", tmp_path / "preview.jpg"
    done = run_cli(
        content, style, "-o", str(out), "--preview", str(preview), "--recipe", str(recipe), "--device", "cpu"
    )
    assert done.returncode == 0, done.stderr
    with Image.open(out) as hd, Image.open(preview) as web:
        assert max(hd.size) == 128
        assert max(web.size) == 64
    assert "wrote" in done.stderr


def test_an_unreadable_image_exits_2_with_one_line(shared_dir: Path, tmp_path: Path) -> None:
    _, style = _images(shared_dir)
    bad = tmp_path / "photo.jpg"
    bad.write_bytes(b"not a jpeg at all")
    done = run_cli(str(bad), style, "-o", str(tmp_path / "out.png"), "--recipe", "tiny")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: cannot read")
    assert "photo.jpg" in lines[0]
    assert not (tmp_path / "out.png").exists()


def test_the_old_name_python_m_rendering_runs_the_same_command_line() -> None:
    done = run_cli("--help", module="rendering")
    assert done.returncode == 0, done.stderr
    assert "usage: python -m painter" in done.stdout


# The remaining error paths run main() in-process: same code, without paying for a fresh torch import.


def _one_error_line(capsys: pytest.CaptureFixture[str], code: int) -> str:
    assert code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    return lines[0]


def test_a_bad_recipe_exits_2_naming_the_field(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, style = _images(shared_dir)
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps({"passes": [{"size": 64, "iterations": -1}]}))
    line = _one_error_line(capsys, main([content, style, "-o", str(tmp_path / "out.png"), "--recipe", str(recipe)]))
    assert line == "error: passes[0].iterations: must be an integer between 1 and 100000 (got -1)"


def test_an_unknown_recipe_name_exits_2(shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content, style = _images(shared_dir)
    line = _one_error_line(capsys, main([content, style, "-o", str(tmp_path / "out.png"), "--recipe", "fastest"]))
    assert "recipe fastest: not a preset (seed, nimble, cpu, quick, tiny)" in line


def test_missing_weights_exit_2_with_one_line(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    content, style = _images(shared_dir)
    monkeypatch.setenv("PICMATIX_MODEL_CACHE", str(tmp_path))
    monkeypatch.setenv("PICMATIX_ALLOW_DOWNLOADS", "0")
    monkeypatch.delenv("PICMATIX_VGG_CAFFE_PATH", raising=False)
    conv_weights.cache_clear()
    args = [content, style, "-o", str(tmp_path / "out.png"), "--recipe", "tiny", "--weights", "caffe"]
    line = _one_error_line(capsys, main(args))
    assert "VGG-19 weights 'caffe'" in line
    assert "vgg19-d01eb7cb.pth" in line


def test_an_impossible_size_exits_2_with_one_line(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, style = _images(shared_dir)
    recipe = tmp_path / "recipe.json"
    huge = {"passes": [{"size": 4096, "iterations": 1, "lbfgs_history": 1000}], "upscale": {"method": "none"}}
    recipe.write_text(json.dumps(huge))
    line = _one_error_line(capsys, main([content, style, "-o", str(tmp_path / "out.png"), "--recipe", str(recipe)]))
    assert "needs about" in line
    assert "GB" in line


def test_an_unknown_output_format_exits_2(shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content, style = _images(shared_dir)
    line = _one_error_line(capsys, main([content, style, "-o", str(tmp_path / "out.xyz"), "--recipe", "tiny"]))
    assert "unknown image extension '.xyz'" in line


def test_the_cli_finds_the_waifu2x_models_beside_the_checkout_without_configuration(
    shared_dir: Path, tmp_path: Path
) -> None:
    """The README's command, in a fresh clone beside ../shared, with nothing set by hand."""
    require_shared(shared_dir / "models/waifu2x/upconv_7_photo/noise2_scale2.0x_model.bin")
    content, style = _images(shared_dir)
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps({**TINY_RECIPE, "upscale": {"method": "waifu2x", "noise": 2, "scale": 2}}))
    out = tmp_path / "out.png"
    environment = {k: v for k, v in os.environ.items() if k not in {"PICMATIX_WAIFU2X_DIR", "PICMATIX_ALLOW_DOWNLOADS"}}
    environment["PICMATIX_MODEL_CACHE"] = str(tmp_path / "empty-cache")
    path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-m", "painter", content, style, "-o", str(out), "--recipe", str(recipe), "--device", "cpu"],
        cwd=REPO_ROOT,
        env={**environment, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    with Image.open(out) as hd:
        assert max(hd.size) == 128


def test_the_environment_s_waifu2x_folder_wins_over_the_checkout_s(tmp_path: Path) -> None:
    from painter.__main__ import default_waifu2x_dir

    checkout = tmp_path / "checkout-models"
    checkout.mkdir()
    (checkout / "noise2_scale2.0x_model.param").write_text("7767517\n")
    assert default_waifu2x_dir({"PICMATIX_WAIFU2X_DIR": "/srv/models"}, checkout) == "/srv/models"
    assert default_waifu2x_dir({}, checkout) == str(checkout)
    assert default_waifu2x_dir({}, tmp_path / "nowhere") is None
