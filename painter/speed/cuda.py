"""A GPU's speed work: channels-last tensors for cuDNN, and each pass's evaluation recorded once as a
CUDA graph and replayed (painter.speed.graphs)."""

from __future__ import annotations

import torch

from ..losses import Evaluation
from ..vgg import FeatureNet
from . import graphs
from .backend import SpeedBackend

__all__ = ["CudaBackend"]


class CudaBackend(SpeedBackend):
    """torch's own convolutions, in the layout cuDNN runs fastest; a recipe's TF32 and bf16 apply here."""

    memory_format = torch.channels_last
    reduced_precision = True

    def network(self, net: FeatureNet) -> FeatureNet:
        return net.to(memory_format=torch.channels_last)

    def reset_peak_memory(self) -> None:
        torch.cuda.reset_peak_memory_stats(self.device)

    def capture(self, evaluate: Evaluation, example: torch.Tensor) -> Evaluation:
        return graphs.replayed(evaluate, example)

    def synchronize(self) -> None:
        torch.cuda.synchronize(self.device)
