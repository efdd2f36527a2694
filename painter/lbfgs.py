"""L-BFGS as the recipes run it (no line search), its direction from the compact representation.

torch's L-BFGS computes each direction with the two-loop recursion: for a history of m pairs, 2m dot
products and 2m vector updates, and each update reads its coefficient back to the host (``alpha`` must
be a Python number), so a GPU waits 2m times per iteration: with a long history and a small pass, the
optimiser, not the network, sets the pace.

The same direction can be had from the compact form of the L-BFGS matrix (Byrd, Nocedal and Schnabel,
1994). With the pairs as the rows of S and Y, oldest first, R the upper triangle of S Y^T (i <= j:
s_i . y_j), D its diagonal and gamma = s.y / y.y of the newest pair (torch's ``H_diag``):

    H g = gamma g + S^T u + gamma Y^T v,   v = -R^-1 (S g),
    u = R^-T ((D + gamma Y Y^T) R^-1 (S g) - gamma (Y g))

Seven matrix-vector products over the history and a few k x k operations per step, with two reads
back to the host (whether the new pair is kept, whether the direction descends) instead of 2m. The
k x k algebra runs in float64: R is triangular with a wide range of values, and its solves are what
the two-loop recursion's rounding is compared against in painter/tests/test_lbfgs.py.

Everything else is torch's: the first step's length min(1, 1/|g|_1) * lr, pairs kept only when
s.y > 1e-10, the history's oldest pair dropped when full, the same stopping tests, and with
``into_range`` (keep_in_range) the step stored being the one taken after the projection, as
painter.transfer.InRangeLBFGS does for torch's.

One thing torch's has not (``guard``, a recipe's ``lbfgs_guard``, 2 by default): a step after
which the loss is more than ``guard`` times the loss before it is undone, the history dropped, and the
optimisation goes on from the point before it as from a pass's start (a steepest-descent step of
length min(1, 1/|g|_1) * lr). The evaluation that found it counts as an iteration. Without a line
search one step can throw an image that is clamped at every step far off, and a large pass then
rebuilds its detail but not its large strokes: the painting is wrecked. The guard undoes such a step
and leaves every other painting as it was. The first step of a pass is the trouble: min(1, 1/|g|_1)
is so small that the first pair's s.y is mostly rounding, in fp32 too (bench/cuda_trajectories.py
shows it under every precision and both optimisers).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import torch

__all__ = ["CompactLBFGS"]


class CompactLBFGS(torch.optim.Optimizer):
    """torch.optim.LBFGS's no-line-search step for one tensor, the direction from the compact form."""

    def __init__(
        self,
        params: list[torch.Tensor],
        *,
        lr: float = 1.0,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        into_range: Callable[[], None] | None = None,
        guard: float | None = None,
    ) -> None:
        if len(params) != 1:
            raise ValueError("CompactLBFGS optimises one tensor")
        defaults = dict(
            lr=lr,
            max_iter=max_iter,
            max_eval=max_eval if max_eval is not None else max_iter * 5 // 4,
            tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change,
            history_size=history_size,
        )
        super().__init__(params, defaults)
        self._x: torch.Tensor = params[0]
        self._into_range = into_range
        self._guard = guard
        self.restarts = 0  # steps the guard undid
        self._n_iter = 0
        m, n = history_size, self._x.numel()
        device, dtype = self._x.device, self._x.dtype
        self._s = torch.zeros(m, n, device=device, dtype=dtype)
        self._y = torch.zeros(m, n, device=device, dtype=dtype)
        self._sy = torch.zeros(m, m, device=device, dtype=torch.float64)  # [i, j] = s_i . y_j, by slot
        self._yy = torch.zeros(m, m, device=device, dtype=torch.float64)
        self._slots: list[int] = []  # the slots in use, oldest first
        self._gamma = torch.ones((), device=device, dtype=torch.float64)
        self._orders: dict[tuple[int, ...], torch.Tensor] = {}

    # ----------------------------------------------------------------------------------------------

    def _gradient(self) -> torch.Tensor:
        grad = self._x.grad
        if grad is None:
            return torch.zeros_like(self._x).view(-1)
        return grad.reshape(-1)

    def _remember(self, s: torch.Tensor, y: torch.Tensor, ys: torch.Tensor) -> None:
        m = self._s.shape[0]
        slot = self._slots.pop(0) if len(self._slots) == m else len(self._slots)
        self._slots.append(slot)
        self._s[slot].copy_(s)
        self._y[slot].copy_(y)
        # Unused slots hold zeros, so their products are zero and never read.
        self._sy[:, slot] = torch.mv(self._s, y).double()
        self._sy[slot, :] = torch.mv(self._y, s).double()
        yy = torch.mv(self._y, y).double()
        self._yy[:, slot] = yy
        self._yy[slot, :] = yy
        self._gamma = ys.double() / yy[slot]

    def _order(self) -> torch.Tensor:
        key = tuple(self._slots)
        order = self._orders.get(key)
        if order is None:
            if len(self._orders) > 4 * self._s.shape[0]:
                self._orders.clear()
            order = torch.tensor(key, device=self._s.device)
            self._orders[key] = order
        return order

    def _direction(self, g: torch.Tensor) -> torch.Tensor:
        """-H g for the pairs remembered (-g when there are none)."""
        if not self._slots:
            return g.neg()
        order = self._order()
        a = torch.mv(self._s, g).double()[order]
        b = torch.mv(self._y, g).double()[order]
        sy = self._sy.index_select(0, order).index_select(1, order)
        yy = self._yy.index_select(0, order).index_select(1, order)
        r = sy.triu()
        gamma = self._gamma
        r_inv_a = torch.linalg.solve_triangular(r, a.unsqueeze(1), upper=True).squeeze(1)
        middle = torch.diagonal(sy) * r_inv_a + gamma * (yy @ r_inv_a) - gamma * b
        u = torch.linalg.solve_triangular(r.mT, middle.unsqueeze(1), upper=False).squeeze(1)
        m = self._s.shape[0]
        coefficients = torch.zeros(2, m, device=g.device, dtype=torch.float64)
        coefficients[0, order] = u
        coefficients[1, order] = -gamma * r_inv_a  # gamma * v
        coefficients = coefficients.to(g.dtype)
        hg = torch.mv(self._s.t(), coefficients[0]).add_(torch.mv(self._y.t(), coefficients[1]))
        return hg.addcmul_(g, gamma.to(g.dtype)).neg_()  # a tensor factor: no read back to the host

    def _take_step(self, t: float, d: torch.Tensor) -> torch.Tensor:
        """x += t d (then the projection, if any); returns the direction actually moved along."""
        with torch.no_grad():
            if self._into_range is None:
                self._x.view(-1).add_(d, alpha=t)
                return d
            before = self._x.detach().clone()
            self._x.view(-1).add_(d, alpha=t)
            self._into_range()
            return self._x.detach().sub(before).reshape(-1).div_(t)

    # ----------------------------------------------------------------------------------------------

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor]) -> torch.Tensor:  # type: ignore[override]
        run = self.evaluations()
        next(run)
        first: torch.Tensor | None = None
        try:
            while True:
                with torch.enable_grad():
                    loss = closure()
                first = loss if first is None else first
                run.send((loss, self._gradient().clone()))
        except StopIteration:
            pass
        assert first is not None
        return first

    def evaluations(self) -> Generator[None, tuple[torch.Tensor, torch.Tensor], None]:
        """One ``step``'s optimisation, driven from outside: it yields whenever it needs the loss and the
        gradient at the tensor's current value, and is sent them as ``(loss, gradient)`` (the gradient
        flat, a copy this optimiser may keep); it returns when the step is done. ``step`` drives it with
        its closure. Call under ``torch.no_grad()``."""
        group: dict[str, Any] = self.param_groups[0]
        lr, max_iter, max_eval = float(group["lr"]), int(group["max_iter"]), int(group["max_eval"])
        tolerance_grad, tolerance_change = float(group["tolerance_grad"]), float(group["tolerance_change"])
        # Negative tolerances (the recipes': never stop early) make three tests vacuous: skip their reads.
        check_grad, check_change = tolerance_grad >= 0, tolerance_change >= 0
        read_loss = check_change or self._guard is not None

        orig_loss, g = yield
        loss = float(orig_loss) if read_loss else 0.0
        evaluations = 1
        if check_grad and float(g.abs().max()) <= tolerance_grad:
            return
        d = g.neg()
        t = lr
        previous_g: torch.Tensor | None = None
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            self._n_iter += 1
            if self._n_iter == 1:
                self._slots.clear()
                self._sy.zero_()
                self._yy.zero_()
                self._s.zero_()
                self._y.zero_()
                d = g.neg()
            else:
                assert previous_g is not None
                y = g - previous_g
                s = d * t
                ys = y.dot(s)
                if float(ys) > 1e-10:
                    self._remember(s, y, ys)
                d = self._direction(g)
            previous_g = g  # each evaluation's gradient is a fresh copy
            previous_loss = loss
            t = min(1.0, 1.0 / float(g.abs().sum())) * lr if self._n_iter == 1 else lr
            gtd = g.dot(d)
            if float(gtd) > -tolerance_change:
                break
            before = self._x.detach().clone() if self._guard is not None else None
            d = self._take_step(t, d)
            if n_iter != max_iter:
                closure_loss, g = yield
                loss = float(closure_loss) if read_loss else 0.0
                evaluations += 1
                if before is not None and self._guard is not None and loss > self._guard * previous_loss:
                    # Undo the step and start again from the point before it, history dropped.
                    self._x.detach().copy_(before)
                    g, loss = previous_g, previous_loss
                    self._n_iter = 0
                    self.restarts += 1
            if n_iter == max_iter or evaluations >= max_eval:
                break
            if check_grad and float(g.abs().max()) <= tolerance_grad:
                break
            if check_change and (
                float(d.mul(t).abs().max()) <= tolerance_change or abs(loss - previous_loss) < tolerance_change
            ):
                break
