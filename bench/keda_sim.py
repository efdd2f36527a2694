"""A MODEL of KEDA + the HPA scaling the render worker Deployment from 0 to N, replaying order traces.

    python bench/keda_sim.py [--markdown] [--json FILE|-] [--seeds 1 2 3 4 5 6]
    python bench/keda_sim.py --sweep [--markdown]        # choose the ScaledObject's numbers on seed 1
    python bench/keda_sim.py --self-check                 # the model's core rules on tiny cases

This is a simulation, not a measurement: it replays seeded order traces against the documented rules
of KEDA (keda.sh/docs, "ScaledObject specification" and "Scaling Deployments": pollingInterval,
activation, cooldownPeriod) and of the Kubernetes HPA (kubernetes.io "Horizontal Pod Autoscaling":
the replica formula with its 0.1 tolerance, the 15 s sync, the default scale-up policies and
stabilisation windows), a node autoscaler (Karpenter-like: one node per pending pod, a parameter start
time, an empty node removed after a parameter delay) and spot reclaims with a notice. The demand
signal is the PostgreSQL trigger's: render jobs and test renders queued or running. Each worker paints
one job at a time (concurrency 1) on its own node. Job times are the measured ones: a whole `nimble`
job on an H100 2.8 s (21.5 a minute, bench/README.md), the `cpu` recipe about 150 s.

Traces (seeded, reproducible): ``day`` (about 2,000 orders over 24 h, Poisson with a rate that peaks
in the evening), ``flash`` (500 orders within 10 minutes in a 2 h window) and ``quiet`` (a night of
8 h with about 12 orders). Every run starts cold: no worker, no node.

Reported per scenario and trace: p50 / p95 minutes from order to preview email, node-hours (GPU-hours
in the gpu scenario), busy hours (job time of finished jobs), their ratio, node-hours against an
always-on fleet of maxReplicaCount nodes over the trace's window, the most replicas, and jobs re-done
(a worker stopped mid-job that could not finish within its shutdown grace hands the job back).

The numbers are chosen (``--sweep``) on seed 1 and reported on held-out seeds 2 to 6 as well.
Pure Python + numpy; a run of every trace takes well under a second. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import math
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np

DAY_S = 24 * 3600.0
CHOICE_SEED = 1
HELD_OUT_SEEDS = (2, 3, 4, 5, 6)
P95_TARGET_MIN = 5.0
RATIO_TARGET = 1.3
FLASH_P95_BOUND_MIN = 2 * P95_TARGET_MIN


@dataclass(frozen=True)
class Scaling:
    """The ScaledObject's numbers (KEDA) and the HPA behaviour it passes on."""

    # KEDA checks the trigger every pollingInterval and alone decides 0 <-> 1 (default 30 s).
    polling_s: float = 30.0
    # KEDA scales to 0 once no poll has been active for cooldownPeriod (default 300 s); 1 <-> N is the HPA's.
    cooldown_s: float = 300.0
    # Passed to the HPA as maxReplicas (KEDA's default 100).
    max_replicas: int = 100
    # targetQueryValue: the HPA's AverageValue target, desired = ceil(metric / target).
    target: float = 1.0
    # activationTargetQueryValue: active only when metric > activation, "greater than, not equal" (default 0).
    activation: float = 0.0
    # advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds (HPA default 300).
    down_stab_s: float = 300.0
    # behavior.scaleUp.stabilizationWindowSeconds (HPA default 0: scale up at once).
    up_stab_s: float = 0.0

    def label(self) -> str:
        return (
            f"poll {self.polling_s:g} s, cooldown {self.cooldown_s:g} s, max {self.max_replicas}, "
            f"target {self.target:g}, activation {self.activation:g}, down-stab {self.down_stab_s:g} s"
        )


@dataclass(frozen=True)
class Platform:
    """The cluster and the worker: what the ScaledObject does not choose."""

    name: str
    job_s: float
    # Each job's time is job_s times a uniform factor in [1 - jitter, 1 + jitter].
    job_jitter: float = 0.1
    # A new node (instance start, kubelet join, GPU driver and device plugin) before a pod can start on it.
    node_start_s: float = 180.0
    # Pod start to first job: image already on the node, imports, weights, warm_up().
    pod_start_s: float = 60.0
    # An empty node goes after this (Karpenter consolidateAfter; the cluster autoscaler's default is 600 s).
    node_linger_s: float = 0.0
    # Spot reclaims per node-hour (Poisson), each with a notice before the instance goes.
    spot_per_node_hour: float = 0.0
    notice_s: float = 120.0
    # PICMATIX_RENDER_SHUTDOWN_GRACE_SECONDS: on SIGTERM a render with more left than this is handed back.
    grace_s: float = 60.0
    # The preview email leaves from the default worker, which KEDA keeps at one replica or more.
    email_s: float = 5.0
    # --horizontal-pod-autoscaler-sync-period (15 s) and --horizontal-pod-autoscaler-tolerance (0.1).
    hpa_sync_s: float = 15.0
    hpa_tolerance: float = 0.1


PLATFORMS = {
    # H100 spot nodes, whole `nimble` jobs (21.5 a minute measured).
    "gpu": Platform(name="gpu", job_s=2.8, spot_per_node_hour=0.05),
    # CPU nodes, the `cpu` recipe (about 150 s on 2 cores); on-demand, no reclaims.
    "cpu": Platform(name="cpu", job_s=150.0),
}


@dataclass
class Job:
    id: int
    arrival: float
    service: float
    done: float = -1.0
    redone: int = 0


@dataclass(eq=False)
class Node:
    id: int
    started: float
    ended: float = -1.0
    ready: bool = False
    pod: Pod | None = None
    reclaiming: bool = False
    empty_token: int = 0


@dataclass(eq=False)
class Pod:
    id: int
    created: float
    state: str = "pending"  # pending -> starting -> ready -> (terminating) -> gone
    node: Node | None = None
    ready_at: float = -1.0
    job: Job | None = None
    job_end: float = 0.0
    job_start: float = 0.0


@dataclass
class Result:
    trace: str
    seed: int
    orders: int
    p50_min: float
    p95_min: float
    max_min: float
    node_h: float
    busy_h: float
    window_h: float
    max_replicas_seen: int
    redone: int
    wasted_h: float
    node_starts: int
    unfinished: int
    always_on_h: float = 0.0
    clairvoyant_h: float | None = None

    @property
    def ratio(self) -> float:
        return self.node_h / self.busy_h if self.busy_h else math.inf


class Sim:
    """One run: events on a heap; a Deployment whose replica count KEDA and the HPA set; pods on nodes."""

    def __init__(self, *, platform: Platform, scaling: Scaling, arrivals: np.ndarray, seed: int) -> None:
        self.p = platform
        self.s = scaling
        self.rng = np.random.default_rng([seed, 7])
        factors = self.rng.uniform(1 - platform.job_jitter, 1 + platform.job_jitter, len(arrivals))
        self.jobs = [
            Job(i, float(a), platform.job_s * float(f)) for i, (a, f) in enumerate(zip(arrivals, factors, strict=True))
        ]
        self.now = 0.0
        self.heap: list[tuple[float, int, Callable[[], None]]] = []
        self.seq = itertools.count()
        self.queue: deque[Job] = deque()
        self.pods: list[Pod] = []  # pods not yet gone
        self.nodes: list[Node] = []  # nodes not yet gone
        self.billed_s = 0.0
        self.all_nodes: list[Node] = []
        self.done_count = 0
        self.replicas = 0  # the Deployment's spec.replicas
        self.last_active = -math.inf
        self.recommendations: list[tuple[float, int]] = []
        self.max_seen = 0
        self.wasted_s = 0.0
        self.ids = itertools.count()

    # -- the event loop -------------------------------------------------------------------------

    def at(self, t: float, action: Callable[[], None]) -> None:
        heapq.heappush(self.heap, (t, next(self.seq), action))

    def run(self, horizon: float) -> None:
        for job in self.jobs:
            self.at(job.arrival, partial(self.arrive, job))
        # Controllers start at a random phase, as they would against orders that come at any time.
        self.at(float(self.rng.uniform(0, self.s.polling_s)), self.keda_poll)
        self.at(float(self.rng.uniform(0, self.p.hpa_sync_s)), self.hpa_sync)
        last_arrival = self.jobs[-1].arrival if self.jobs else 0.0
        while self.heap:
            t, _, action = heapq.heappop(self.heap)
            if t > horizon or (t > last_arrival and self.idle()):
                break
            self.now = t
            action()
        for node in list(self.nodes):
            self.end_node(node)

    def idle(self) -> bool:
        """Nothing left to do or to bill: every job done, no pod, no node."""
        return self.done_count == len(self.jobs) and not self.pods and not self.nodes

    # -- demand ---------------------------------------------------------------------------------

    def arrive(self, job: Job) -> None:
        self.queue.append(job)
        self.dispatch()

    def metric(self) -> int:
        """The trigger's query: jobs queued or running (a job a stopping worker still paints is running)."""
        return len(self.queue) + sum(1 for pod in self.pods if pod.job is not None)

    def dispatch(self) -> None:
        for pod in self.pods:
            if not self.queue:
                return
            if pod.state == "ready" and pod.job is None:
                self.start_job(pod, self.queue.popleft())

    def start_job(self, pod: Pod, job: Job) -> None:
        pod.job, pod.job_start, pod.job_end = job, self.now, self.now + job.service
        self.at(pod.job_end, lambda: self.job_done(pod, job))

    def job_done(self, pod: Pod, job: Job) -> None:
        if pod.job is not job:
            return  # handed back before it finished
        job.done = self.now
        self.done_count += 1
        pod.job = None
        if pod.state == "terminating":
            self.pod_gone(pod)
        else:
            self.dispatch()

    # -- KEDA: activation and cooldown (0 <-> 1) ------------------------------------------------

    def keda_poll(self) -> None:
        # "Activation only occurs when this value is greater than the set value; not greater than or equal to."
        if self.metric() > self.s.activation:
            self.last_active = self.now
            if self.replicas == 0:
                self.set_replicas(1)
        elif self.replicas > 0 and self.now - self.last_active >= self.s.cooldown_s:
            # Activation outranks the HPA: an inactive trigger scales to 0 even where the HPA wants more.
            self.set_replicas(0)
        self.at(self.now + self.s.polling_s, self.keda_poll)

    # -- the HPA (1 <-> N) ----------------------------------------------------------------------

    def hpa_sync(self) -> None:
        # KEDA makes the HPA's minReplicas 1; at 0 replicas the HPA stands aside until KEDA activates.
        if self.replicas > 0:
            proposal = hpa_proposal(
                metric=self.metric(),
                target=self.s.target,
                status_replicas=len(self.live_pods()),
                tolerance=self.p.hpa_tolerance,
            )
            proposal = min(max(proposal, 1), self.s.max_replicas)
            self.recommendations.append((self.now, proposal))
            desired = hpa_stabilise(
                current=self.replicas,
                history=self.recommendations,
                now=self.now,
                up_window_s=self.s.up_stab_s,
                down_window_s=self.s.down_stab_s,
            )
            # Default scale-up policies: +100% or +4 pods per 15 s, whichever allows more (selectPolicy Max);
            # scale-down: 100% per 15 s, i.e. no limit.
            desired = min(desired, max(2 * self.replicas, self.replicas + 4), self.s.max_replicas)
            if desired != self.replicas:
                self.set_replicas(desired)
        horizon = max(self.s.up_stab_s, self.s.down_stab_s) + self.p.hpa_sync_s
        self.recommendations = [(t, r) for t, r in self.recommendations if self.now - t <= horizon]
        self.at(self.now + self.p.hpa_sync_s, self.hpa_sync)

    # -- the Deployment and its pods ------------------------------------------------------------

    def live_pods(self) -> list[Pod]:
        """Pods the Deployment counts (status.replicas): not terminating, not gone."""
        return [pod for pod in self.pods if pod.state in ("pending", "starting", "ready")]

    def set_replicas(self, replicas: int) -> None:
        self.replicas = replicas
        self.reconcile()

    def reconcile(self) -> None:
        live = self.live_pods()
        for _ in range(self.replicas - len(live)):
            self.create_pod()
        for pod in deletion_order(live)[: max(0, len(live) - self.replicas)]:
            self.stop_pod(pod, limit_s=self.p.grace_s)
        self.max_seen = max(self.max_seen, len(self.live_pods()))

    def create_pod(self) -> None:
        pod = Pod(next(self.ids), self.now)
        self.pods.append(pod)
        free = next((n for n in self.nodes if n.ready and n.pod is None and not n.reclaiming), None)
        if free is not None:
            self.bind(pod, free)  # a warm node: only the pod's start
        else:
            self.provision()

    def provision(self) -> None:
        """The node autoscaler: one new node for each pending pod that no booting node will take."""
        pending = sum(1 for pod in self.pods if pod.state == "pending")
        booting = sum(1 for n in self.nodes if not n.ready)
        for _ in range(pending - booting):
            node = Node(next(self.ids), self.now)
            self.nodes.append(node)
            self.all_nodes.append(node)
            self.at(self.now + self.p.node_start_s, partial(self.node_ready, node))
            if self.p.spot_per_node_hour > 0:
                life = float(self.rng.exponential(3600.0 / self.p.spot_per_node_hour))
                self.at(self.now + life, partial(self.reclaim, node))

    def node_ready(self, node: Node) -> None:
        if node.ended >= 0:
            return
        node.ready = True
        self.node_free(node)

    def bind(self, pod: Pod, node: Node) -> None:
        pod.state, pod.node, node.pod = "starting", node, pod
        self.at(self.now + self.p.pod_start_s, lambda: self.pod_ready(pod))

    def pod_ready(self, pod: Pod) -> None:
        if pod.state != "starting":
            return
        pod.state, pod.ready_at = "ready", self.now
        self.dispatch()

    def stop_pod(self, pod: Pod, *, limit_s: float) -> None:
        """SIGTERM: an idle worker exits; a busy one finishes within limit_s or hands its job back."""
        if pod.state not in ("pending", "starting", "ready"):
            return
        if pod.job is None:
            self.pod_gone(pod)
        elif pod.job_end - self.now <= limit_s:
            pod.state = "terminating"
        else:
            job = pod.job
            self.wasted_s += self.now - pod.job_start
            job.redone += 1
            pod.job = None
            self.queue.appendleft(job)
            self.pod_gone(pod)
            self.dispatch()

    def pod_gone(self, pod: Pod) -> None:
        pod.state = "gone"
        self.pods.remove(pod)
        node, pod.node = pod.node, None
        if node is not None:
            node.pod = None
            self.node_free(node)

    def node_free(self, node: Node) -> None:
        """An empty ready node takes a pending pod, or goes (at once when reclaimed, else after the linger)."""
        if node.reclaiming:
            self.end_node(node)
            return
        pending = next((pod for pod in self.pods if pod.state == "pending"), None)
        if pending is not None:
            self.bind(pending, node)
            return
        node.empty_token += 1
        token = node.empty_token
        self.at(self.now + self.p.node_linger_s, lambda: self.node_remove(node, token))

    def node_remove(self, node: Node, token: int) -> None:
        if node.pod is None and node.empty_token == token and node.ended < 0:
            self.end_node(node)

    def end_node(self, node: Node) -> None:
        node.ended = self.now
        self.billed_s += self.now - node.started
        self.nodes.remove(node)

    def reclaim(self, node: Node) -> None:
        """A spot notice: the node is drained now and goes when its pod has stopped (within the notice)."""
        if node.ended >= 0:
            return
        node.reclaiming = True
        if not node.ready:
            self.end_node(node)
            self.provision()  # the pending pod it was for needs another node
        elif node.pod is None:
            self.end_node(node)
        else:
            # A terminating pod is already finishing within the grace; a live one gets SIGTERM now.
            self.stop_pod(node.pod, limit_s=min(self.p.grace_s, self.p.notice_s))
            self.reconcile()  # the Deployment replaces the drained pod on another node

    # -- results --------------------------------------------------------------------------------

    def result(self, *, trace: str, seed: int, window_s: float) -> Result:
        done = [j for j in self.jobs if j.done >= 0]
        waits = np.array([(j.done - j.arrival + self.p.email_s) / 60.0 for j in done]) if done else np.zeros(1)
        busy_s = sum(j.service for j in done)
        return Result(
            trace=trace,
            seed=seed,
            orders=len(self.jobs),
            p50_min=float(np.percentile(waits, 50)),
            p95_min=float(np.percentile(waits, 95)),
            max_min=float(waits.max()),
            node_h=self.billed_s / 3600.0,
            busy_h=busy_s / 3600.0,
            window_h=window_s / 3600.0,
            max_replicas_seen=self.max_seen,
            redone=sum(j.redone for j in self.jobs),
            wasted_h=self.wasted_s / 3600.0,
            node_starts=len(self.all_nodes),
            unfinished=len(self.jobs) - len(done),
            always_on_h=self.s.max_replicas * window_s / 3600.0,
        )


def hpa_proposal(*, metric: float, target: float, status_replicas: int, tolerance: float) -> int:
    """The HPA's replicas for an external AverageValue metric (GetExternalPerPodMetricReplicas).

    Within the tolerance of the current per-pod value, keep the current count; else ceil(metric / target).
    """
    if status_replicas > 0:
        ratio = metric / (target * status_replicas)
        if abs(1.0 - ratio) <= tolerance:
            return status_replicas
    return math.ceil(metric / target)


def hpa_stabilise(
    *, current: int, history: list[tuple[float, int]], now: float, up_window_s: float, down_window_s: float
) -> int:
    """The HPA's stabilisation: scale up to the lowest, down to the highest recommendation in each window."""
    latest = history[-1][1]
    up = min([r for t, r in history if now - t <= up_window_s] + [latest])
    down = max([r for t, r in history if now - t <= down_window_s] + [latest])
    if current < up:
        return up
    if current > down:
        return down
    return current


def deletion_order(pods: list[Pod]) -> list[Pod]:
    """Which pods a ReplicaSet removes first: unscheduled, then not ready, then the most recently ready.

    Kubernetes does not know which worker is busy, so a scale-down can stop one mid-job.
    """
    rank = {"pending": 0, "starting": 1, "ready": 2}
    return sorted(pods, key=lambda pod: (rank[pod.state], -pod.ready_at, -pod.created))


# -- traces -------------------------------------------------------------------------------------


def day_rate_shape(hours: np.ndarray) -> np.ndarray:
    """Relative order rate over a day: a floor at night, a lunchtime bump, the peak at 20:30."""

    def bump(centre: float, width: float) -> np.ndarray:
        d = np.abs(hours - centre)
        d = np.minimum(d, 24.0 - d)
        return np.asarray(np.exp(-0.5 * (d / width) ** 2))

    return np.asarray(0.06 + 0.45 * bump(13.0, 2.5) + 1.0 * bump(20.5, 1.8))


def trace_arrivals(trace: str, seed: int) -> tuple[np.ndarray, float]:
    """(order times in seconds, the window's length) for a trace and seed."""
    rng = np.random.default_rng([seed, {"day": 1, "flash": 2, "quiet": 3}[trace]])
    if trace == "day":
        grid = np.linspace(0, 24, 24 * 60, endpoint=False)
        shape = day_rate_shape(grid)
        peak = 2000.0 * shape.max() / (shape.mean() * DAY_S)  # orders per second at the peak
        candidates = np.sort(rng.uniform(0, DAY_S, rng.poisson(peak * DAY_S)))
        keep = rng.uniform(0, 1, len(candidates)) < day_rate_shape(candidates / 3600.0) / shape.max()
        return candidates[keep], DAY_S
    if trace == "flash":
        return np.sort(rng.uniform(600.0, 1200.0, 500)), 2 * 3600.0
    window = 8 * 3600.0
    return np.sort(rng.uniform(0, window, rng.poisson(12))), window


def clairvoyant_node_h(arrivals: np.ndarray, *, start_s: float, budget_s: float) -> float:
    """Node-hours of a scaler that knows every order in advance (one node, capacity ignored).

    Each order must meet a ready node within budget_s of arriving; a node costs start_s before it is
    ready, then its time up. A node ready over [r, e] serves the orders arriving in [r - budget, e], so a
    group of consecutive orders i..j costs start_s + max(0, a_j - a_i - budget_s); dynamic programming
    over the groups (looking back a bounded span, beyond which splitting is never dearer).
    """
    a = np.asarray(arrivals, dtype=float)
    best = np.zeros(len(a) + 1)
    span = budget_s + 2 * start_s
    lo = 0
    for j in range(len(a)):
        while a[j] - a[lo] > span:
            lo += 1
        best[j + 1] = min(best[i] + start_s + max(0.0, a[j] - a[i] - budget_s) for i in range(lo, j + 1))
    return float(best[-1]) / 3600.0


# -- runs, sweep, tables ------------------------------------------------------------------------

TRACES = ("day", "flash", "quiet")


def simulate(platform: Platform, scaling: Scaling, trace: str, seed: int) -> Result:
    arrivals, window = trace_arrivals(trace, seed)
    sim = Sim(platform=platform, scaling=scaling, arrivals=arrivals, seed=seed * 1000 + TRACES.index(trace))
    sim.run(horizon=window + 6 * 3600.0)
    result = sim.result(trace=trace, seed=seed, window_s=window)
    budget = P95_TARGET_MIN * 60.0 - platform.job_s - platform.email_s
    start = platform.node_start_s + platform.pod_start_s
    # Only where one node's capacity is no limit (short jobs, no crowd) and the look-back bound holds.
    if trace != "flash" and start <= budget and platform.job_s <= 0.05 * budget:
        result.clairvoyant_h = clairvoyant_node_h(arrivals, start_s=start, budget_s=budget)
    return result


def p95_bounds(platform: Platform) -> dict[str, float]:
    """The p95 bounds the choice must meet: the issue's on the day, the same on a quiet night (no order
    left waiting for company), twice it for the flash crowd (so that maxReplicaCount means something).

    A bound that no numbers can meet is left out: on a quiet night every order starts a node, so it
    waits at least node start + pod start + its job; a flash crowd needs its work spread over the most
    replicas the sweep offers.
    """
    cold_min = (platform.node_start_s + platform.pod_start_s + platform.job_s + platform.email_s) / 60.0
    crowd_min = cold_min + 500 * platform.job_s / max(SWEEP["max_replicas"]) / 60.0
    bounds = {"day": P95_TARGET_MIN}
    if cold_min <= P95_TARGET_MIN:
        bounds["quiet"] = P95_TARGET_MIN
    if crowd_min <= FLASH_P95_BOUND_MIN:
        bounds["flash"] = FLASH_P95_BOUND_MIN
    return bounds


@dataclass
class Score:
    scaling: Scaling
    bounds: dict[str, float]
    results: dict[str, Result] = field(default_factory=dict)

    def excess_min(self) -> float:
        """Minutes over the p95 bounds, and a large penalty for any order never served."""
        over = sum(max(0.0, self.results[t].p95_min - bound) for t, bound in self.bounds.items())
        return over + 1000.0 * sum(r.unfinished for r in self.results.values())

    def feasible(self) -> bool:
        return self.excess_min() == 0.0

    def cost(self) -> tuple[float, ...]:
        """Feasible first, by node-hours over the three traces (the flash crowd's p95 breaks ties);
        then the infeasible, by how far they miss."""
        total = round(sum(r.node_h for r in self.results.values()), 2)
        if self.feasible():
            return (0.0, total, self.results["flash"].p95_min)
        return (1.0, round(self.excess_min(), 2), total)


SWEEP: dict[str, list[Any]] = {
    "polling_s": [5.0, 10.0, 15.0, 30.0, 60.0],
    "cooldown_s": [0.0, 30.0, 60.0, 120.0, 300.0, 600.0],
    "max_replicas": [1, 2, 3, 4, 6, 8, 12, 16, 32],
    "target": [0.5, 0.75, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0],
    "activation": [0.0, 1.0, 2.0, 5.0],
    "down_stab_s": [0.0, 30.0, 60.0, 120.0, 300.0],
}


def score(platform: Platform, scaling: Scaling, seed: int) -> Score:
    results = {trace: simulate(platform, scaling, trace, seed) for trace in TRACES}
    return Score(scaling, p95_bounds(platform), results)


def sweep(platform: Platform, *, seed: int, rounds: int = 3) -> tuple[Scaling, list[Score]]:
    """Coordinate descent from KEDA's and the HPA's defaults (maxReplicaCount 8): one number at a time,
    keep the best, until a round changes nothing. Every score tried is returned for the table."""
    best = score(platform, Scaling(max_replicas=8), seed)
    tried = {best.scaling: best}
    for _ in range(rounds):
        changed = False
        for name, values in SWEEP.items():
            for value in values:
                candidate = replace(best.scaling, **{name: value})
                if candidate not in tried:
                    tried[candidate] = score(platform, candidate, seed)
                trial = tried[candidate]
                if trial.cost() < best.cost():
                    best, changed = trial, True
        if not changed:
            break
    return best.scaling, list(tried.values())


# The numbers --sweep chose on seed 1 (re-run it to see them chosen; the self-check does not), but
# for two on gpu, chosen by hand from its table: at most 4 replicas, not 2 (the flash crowd's p95 comes
# under 5 minutes for about 0.13 GPU-hours more), and a 30 s cooldown, not 0 (the same cost in the
# model, and no scale to zero between two polls of one burst).
CHOSEN = {
    "gpu": Scaling(polling_s=30.0, cooldown_s=30.0, max_replicas=4, target=32.0, activation=0.0, down_stab_s=30.0),
    "cpu": Scaling(polling_s=10.0, cooldown_s=300.0, max_replicas=12, target=0.5, activation=0.0, down_stab_s=30.0),
}


def aggregate(results: list[Result]) -> dict[str, float]:
    """Held-out seeds in one row: means, and the worst p95 / ratio across them."""
    return {
        "p50_min": float(np.mean([r.p50_min for r in results])),
        "p95_min": float(np.mean([r.p95_min for r in results])),
        "p95_worst_min": max(r.p95_min for r in results),
        "node_h": float(np.mean([r.node_h for r in results])),
        "busy_h": float(np.mean([r.busy_h for r in results])),
        "ratio": float(np.mean([r.ratio for r in results])),
        "ratio_worst": max(r.ratio for r in results),
        "always_on_share": float(np.mean([r.node_h / r.always_on_h for r in results])),
        "max_replicas_seen": max(r.max_replicas_seen for r in results),
        "redone": float(np.mean([r.redone for r in results])),
    } | clairvoyant_mean(results)


def clairvoyant_mean(results: list[Result]) -> dict[str, float]:
    """The clairvoyant's node-hours and ours against them, where the clairvoyant applies."""
    pairs = [(r.clairvoyant_h, r.node_h) for r in results if r.clairvoyant_h]
    if not pairs:
        return {}
    return {
        "clairvoyant_h": float(np.mean([c for c, _ in pairs])),
        "vs_clairvoyant": float(np.mean([n / c for c, n in pairs])),
        "vs_clairvoyant_worst": max(n / c for c, n in pairs),
    }


def report(platforms: dict[str, Platform], seeds: Iterable[int]) -> dict[str, Any]:
    out: dict[str, Any] = {"model": "simulation (a model, not a measurement)", "scenarios": {}}
    for name, platform in platforms.items():
        scaling = CHOSEN[name]
        runs = {trace: [simulate(platform, scaling, trace, seed) for seed in seeds] for trace in TRACES}
        out["scenarios"][name] = {
            "platform": asdict(platform),
            "scaling": asdict(scaling),
            "runs": {trace: [asdict(r) | {"ratio": r.ratio} for r in rs] for trace, rs in runs.items()},
            "held_out": {
                trace: aggregate([r for r in rs if r.seed != CHOICE_SEED])
                for trace, rs in runs.items()
                if any(r.seed != CHOICE_SEED for r in rs)
            },
        }
    return out


def markdown(data: dict[str, Any]) -> str:
    lines = [
        "**A model, not a measurement** (`bench/keda_sim.py`): KEDA's and the HPA's documented rules, cold start. "
        f"Targets: p95 ≤ {P95_TARGET_MIN:g} min on the day, node-hours ≤ {RATIO_TARGET:g} × busy hours.",
        "",
    ]
    for name, scenario in data["scenarios"].items():
        s = Scaling(**scenario["scaling"])
        unit = "GPU-h" if name == "gpu" else "node-h"
        lines += [f"**{name}** ({scenario['platform']['job_s']:g} s a job) — {s.label()}", ""]
        lines.append(
            f"| trace | seed | orders | p50 min | p95 min | {unit} | busy h | ratio | of always-on (max × window) "
            f"| clairvoyant {unit} (×) | max replicas | re-done |"
        )
        lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for trace, rows in scenario["runs"].items():
            for r in rows:
                if r["seed"] == CHOICE_SEED:
                    lines.append(row_line(trace, f"{r['seed']} (choice)", r, r["node_h"] / r["always_on_h"]))
            if trace in scenario["held_out"]:
                h = scenario["held_out"][trace]
                lines.append(held_out_line(trace, h, len(rows) - 1))
        lines.append("")
    return "\n".join(lines)


def row_line(trace: str, seed: str, r: dict[str, Any], share: float) -> str:
    clair = "–"
    if r.get("clairvoyant_h") is not None:
        clair = f"{r['clairvoyant_h']:.2f} ({r['node_h'] / r['clairvoyant_h']:.2f})"
    return (
        f"| {trace} | {seed} | {r['orders']} | {r['p50_min']:.2f} | {r['p95_min']:.2f} | {r['node_h']:.2f} "
        f"| {r['busy_h']:.2f} | {r['ratio']:.2f} | {share:.1%} | {clair} | {r['max_replicas_seen']} | {r['redone']} |"
    )


def held_out_line(trace: str, h: dict[str, float], count: int) -> str:
    clair = "–"
    if "clairvoyant_h" in h:
        clair = f"{h['clairvoyant_h']:.2f} ({h['vs_clairvoyant']:.2f}, worst {h['vs_clairvoyant_worst']:.2f})"
    return (
        f"| {trace} | held out ({count}) | | {h['p50_min']:.2f} | {h['p95_min']:.2f} (worst {h['p95_worst_min']:.2f}) "
        f"| {h['node_h']:.2f} | {h['busy_h']:.2f} | {h['ratio']:.2f} (worst {h['ratio_worst']:.2f}) "
        f"| {h['always_on_share']:.1%} | {clair} | {h['max_replicas_seen']:.0f} | {h['redone']:.1f} |"
    )


SENSITIVITY: dict[str, dict[str, Any]] = {
    "as chosen": {},
    "node start 60 s": {"node_start_s": 60.0},
    "node start 300 s": {"node_start_s": 300.0},
    "pod start 120 s": {"pod_start_s": 120.0},
    "empty node kept 600 s (cluster autoscaler)": {"node_linger_s": 600.0},
    "spot reclaims 0.5 per node-hour": {"spot_per_node_hour": 0.5},
    "shutdown grace 180 s": {"grace_s": 180.0},
}


def sensitivity_markdown(platforms: dict[str, Platform], seeds: list[int]) -> str:
    """The chosen numbers under other cluster facts: the day and the quiet night, means over the seeds."""
    lines = [
        f"Sensitivity (chosen numbers, means over seeds {', '.join(map(str, seeds))}):",
        "",
        "| scenario | change | day p95 min | day node-h | day ratio | day re-done | quiet p95 min | quiet node-h |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, platform in platforms.items():
        for label, changes in SENSITIVITY.items():
            changed = replace(platform, **changes)
            day = [simulate(changed, CHOSEN[name], "day", seed) for seed in seeds]
            quiet = [simulate(changed, CHOSEN[name], "quiet", seed) for seed in seeds]
            lines.append(
                f"| {name} | {label} | {np.mean([r.p95_min for r in day]):.2f} "
                f"| {np.mean([r.node_h for r in day]):.2f} "
                f"| {np.mean([r.ratio for r in day]):.2f} | {np.mean([r.redone for r in day]):.1f} "
                f"| {np.mean([r.p95_min for r in quiet]):.2f} | {np.mean([r.node_h for r in quiet]):.2f} |"
            )
    return "\n".join(lines)


def sweep_markdown(name: str, tried: list[Score], chosen: Scaling) -> str:
    bounds = ", ".join(f"{trace} ≤ {bound:g}" for trace, bound in tried[0].bounds.items())
    lines = [
        f"Sweep, {name}, seed {CHOICE_SEED} (coordinate descent; ✓ = p95 minutes {bounds}; the 25 best of "
        f"{len(tried)}):",
        "",
        "| numbers | ✓ | day p95 | day h | day ratio | flash p95 | flash h | quiet p95 | quiet h | total h |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for t in sorted(tried, key=lambda t: t.cost())[:25]:
        d, f, q = t.results["day"], t.results["flash"], t.results["quiet"]
        mark = "**chosen**" if t.scaling == chosen else ""
        lines.append(
            f"| {t.scaling.label()} {mark} | {'✓' if t.feasible() else '✗'} | {d.p95_min:.2f} | {d.node_h:.2f} "
            f"| {d.ratio:.1f} | {f.p95_min:.2f} | {f.node_h:.2f} | {q.p95_min:.2f} | {q.node_h:.2f} "
            f"| {t.cost()[1]:.2f} |"
        )
    return "\n".join(lines)


# -- self-check ---------------------------------------------------------------------------------


def self_check() -> None:
    """The model's rules on cases small enough to work out by hand."""
    checks: list[tuple[str, bool]] = [
        ("HPA: ceil(metric / target)", hpa_proposal(metric=9, target=4, status_replicas=1, tolerance=0.1) == 3),
        (
            "HPA: within tolerance keeps the count",
            hpa_proposal(metric=21, target=1, status_replicas=20, tolerance=0.1) == 20,
        ),
        (
            "HPA: scale down keeps the window's highest",
            hpa_stabilise(current=5, history=[(0, 5), (100, 1)], now=100, up_window_s=0, down_window_s=300) == 5,
        ),
        (
            "HPA: scale down once the window has passed",
            hpa_stabilise(current=5, history=[(0, 5), (400, 1)], now=400, up_window_s=0, down_window_s=300) == 1,
        ),
        (
            "HPA: scale up at once",
            hpa_stabilise(current=1, history=[(0, 1), (15, 6)], now=15, up_window_s=0, down_window_s=300) == 6,
        ),
    ]
    gpu = replace(PLATFORMS["gpu"], spot_per_node_hour=0.0, job_jitter=0.0)
    one = Sim(platform=gpu, scaling=Scaling(polling_s=30, cooldown_s=60), arrivals=np.array([10.0]), seed=1)
    one.run(horizon=3600)
    ready = gpu.node_start_s + gpu.pod_start_s
    wait = one.jobs[0].done - one.jobs[0].arrival
    checks.append(
        ("cold start: node + pod start, at most one poll later", ready < wait <= ready + 30 + gpu.job_s + 1e-9)
    )
    checks.append(("one order, one node", len(one.all_nodes) == 1))
    checks.append(("node goes after the cooldown", one.all_nodes[0].ended - one.jobs[0].done <= 60 + 30 + 1e-9))
    never = Sim(platform=gpu, scaling=Scaling(activation=1), arrivals=np.array([10.0]), seed=1)
    never.run(horizon=3600)
    checks.append(("activation 1: one job never activates", never.jobs[0].done < 0 and not never.all_nodes))
    cpu = replace(PLATFORMS["cpu"], job_jitter=0.0)
    stop = Sim(platform=cpu, scaling=Scaling(), arrivals=np.array([0.0]), seed=1)
    pod = Pod(0, 0.0, state="ready")
    stop.pods.append(pod)
    stop.start_job(pod, stop.jobs[0])
    stop.now = 60.0
    stop.stop_pod(pod, limit_s=cpu.grace_s)
    checks.append(
        ("SIGTERM with 90 s left > 60 s grace: handed back", stop.jobs[0].redone == 1 and len(stop.queue) == 1)
    )
    failed = [name for name, ok in checks if not ok]
    for name, ok in checks:
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    if failed:
        raise SystemExit(f"{len(failed)} check(s) failed")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    parser.add_argument("--json", metavar="FILE", help="write the results as JSON ('-' for stdout)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[CHOICE_SEED, *HELD_OUT_SEEDS])
    parser.add_argument("--scenarios", nargs="+", choices=sorted(PLATFORMS), default=["gpu", "cpu"])
    parser.add_argument("--sweep", action="store_true", help=f"choose the numbers on seed {CHOICE_SEED}")
    parser.add_argument("--sensitivity", action="store_true", help="the chosen numbers under other cluster facts")
    parser.add_argument("--self-check", action="store_true")
    parser.add_argument("--node-start", type=float, help="seconds for a new node (default 180)")
    parser.add_argument("--pod-start", type=float, help="seconds from pod start to first job (default 60)")
    parser.add_argument("--node-linger", type=float, help="seconds an empty node stays (default 0)")
    parser.add_argument("--spot-rate", type=float, help="spot reclaims per node-hour (gpu default 0.05)")
    args = parser.parse_args(argv)
    if args.self_check:
        self_check()
        return
    platforms = {name: override(PLATFORMS[name], args) for name in args.scenarios}
    began = time.monotonic()
    if args.sensitivity:
        print(sensitivity_markdown(platforms, [s for s in args.seeds if s != CHOICE_SEED]))
    elif args.sweep:
        for name, platform in platforms.items():
            chosen, tried = sweep(platform, seed=CHOICE_SEED)
            print(sweep_markdown(name, tried, chosen))
            note = "" if chosen == CHOSEN[name] else f"  (CHOSEN has {CHOSEN[name].label()}: see its comment)"
            print(f"\nchosen for {name}: {chosen.label()}{note}\n")
    else:
        data = report(platforms, args.seeds)
        if args.json:
            text = json.dumps(data, indent=1)
            if args.json == "-":
                print(text)
            else:
                with open(args.json, "w") as handle:
                    handle.write(text)
        if args.markdown or not args.json:
            print(markdown(data))
    print(f"({time.monotonic() - began:.1f} s)", file=sys.stderr)


def override(platform: Platform, args: argparse.Namespace) -> Platform:
    changes = {
        "node_start_s": args.node_start,
        "pod_start_s": args.pod_start,
        "node_linger_s": args.node_linger,
        "spot_per_node_hour": args.spot_rate,
    }
    return replace(platform, **{k: v for k, v in changes.items() if v is not None})


if __name__ == "__main__":
    main()
