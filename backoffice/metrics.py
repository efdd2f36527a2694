"""`/metrics`: the shop's state in Prometheus' text format, for graphs, alerts and autoscalers.

Every value is read from the database when Prometheus scrapes (a custom collector on a registry of
its own), never counted in a process: any web process answers the same, however many gunicorn runs.

Answered by a middleware placed beside the health checks, before ALLOWED_HOSTS and the redirect to
HTTPS, because Prometheus scrapes each pod by its IP over the cluster's network. It needs
`Authorization: Bearer <PICMATIX_METRICS_TOKEN>`; without that setting the endpoint does not exist.

Render times are gauges over the last RENDER_SAMPLE finished jobs, not a Prometheus summary or
histogram: those promise counts that only grow, and a sample's count falls as old jobs leave it.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from orders.selectors import emails_due, queue_metrics, render_seconds_recent, render_worker_heartbeats
from payments.models import Payment

PATH = "/metrics"
RENDER_SAMPLE = 200
QUANTILES = (0.5, 0.95)


def _gauge(name: str, documentation: str, labels: list[str], values: Iterable[tuple[list[str], float]]) -> Metric:
    family = GaugeMetricFamily(name, documentation, labels=labels)
    for label_values, value in values:
        family.add_metric(label_values, value)
    return family


def _queue() -> Iterator[Metric]:
    queue = queue_metrics(sample=RENDER_SAMPLE)
    kinds = {"order": queue["render_jobs"], "test_render": queue["test_renders"]}
    yield _gauge(
        "picmatix_render_jobs",
        "Customers' render jobs (kind=order) and staff's test renders (kind=test_render) by status.",
        ["kind", "status"],
        (([kind, status], counts[status]) for kind, counts in kinds.items() for status in ("queued", "running")),
    )
    yield _gauge(
        "picmatix_render_demand",
        "Render jobs and test renders queued or running: what the render workers' autoscaler reads.",
        [],
        [([], queue["demand"])],
    )
    yield _gauge(
        "picmatix_render_oldest_queued_age_seconds",
        "How long the longest-waiting queued render job or test render has waited since it was placed.",
        [],
        [([], queue["oldest_queued_age_seconds"])],
    )
    yield _gauge(
        "picmatix_render_failed_last_24h",
        "Render jobs and test renders that failed for good in the last 24 hours.",
        ["kind"],
        (([kind], counts["failed_last_24h"]) for kind, counts in kinds.items()),
    )


def _render_seconds() -> Iterator[Metric]:
    groups = render_seconds_recent(sample=RENDER_SAMPLE)
    quantiles = GaugeMetricFamily(
        "picmatix_render_seconds",
        f"Seconds from claim to stored painting, at each quantile of the last {RENDER_SAMPLE} finished "
        "render jobs, by recipe (a preset's name or custom) and device.",
        labels=["recipe", "device", "quantile"],
    )
    counts = GaugeMetricFamily(
        "picmatix_render_seconds_sample_jobs",
        f"How many of the last {RENDER_SAMPLE} finished render jobs each recipe and device had.",
        labels=["recipe", "device"],
    )
    for (recipe, device), seconds in sorted(groups.items()):
        for q in QUANTILES:
            rank = min(len(seconds) - 1, int(q * len(seconds)))
            quantiles.add_metric([recipe, device, str(q)], seconds[rank])
        counts.add_metric([recipe, device], len(seconds))
    yield quantiles
    yield counts


def _emails() -> Iterator[Metric]:
    owed = emails_due()
    yield _gauge(
        "picmatix_emails_due",
        "Preview and HD emails owed to customers and not yet sent (retries included).",
        ["email"],
        (([email], counts["due"]) for email, counts in owed.items()),
    )
    yield _gauge(
        "picmatix_emails_refused",
        "Preview and HD emails the mail server refused for good and that no retry will send: staff must act.",
        ["email"],
        (([email], counts["refused"]) for email, counts in owed.items()),
    )


def _payments() -> Iterator[Metric]:
    rows = Payment.objects.order_by().values_list("provider", "status").annotate(n=Count("id"))
    found = {(provider, status): n for provider, status, n in rows}
    # Every status of every provider in use, zeros included: a series that vanishes graphs as a gap.
    providers = sorted({provider for provider, _ in found})
    yield _gauge(
        "picmatix_payments",
        "Payments (one per PaymentIntent or demonstration payment) by provider and state.",
        ["provider", "status"],
        (
            ([provider, status], found.get((provider, status), 0))
            for provider in providers
            for status in Payment.Status.values
        ),
    )


def _heartbeats() -> Iterator[Metric]:
    yield _gauge(
        "picmatix_render_worker_heartbeat_timestamp_seconds",
        "Unix time of the last heartbeat of each render worker now painting a render job or a test render.",
        ["worker"],
        (([worker], moment.timestamp()) for worker, moment in sorted(render_worker_heartbeats().items())),
    )


class ShopCollector(Collector):
    """Reads the database at each scrape."""

    def collect(self) -> Iterator[Metric]:
        for part in (_queue, _render_seconds, _emails, _payments, _heartbeats):
            yield from part()
        yield _gauge(
            "picmatix_metrics_generated_timestamp_seconds",
            "Unix time at which these values were read from the database.",
            [],
            [([], timezone.now().timestamp())],
        )


def registry() -> CollectorRegistry:
    """A registry of its own: the process's default one would add per-process counters that differ
    from one gunicorn process to the next."""
    shop = CollectorRegistry(auto_describe=False)
    shop.register(ShopCollector())
    return shop


def _authorised(request: HttpRequest, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    # compare_digest: the time taken does not tell a guesser how much of the token was right.
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def metrics_response(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        return HttpResponse("Not Found\n", status=404, content_type="text/plain")
    if not _authorised(request, token):
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    # The format the scraper asks for (Prometheus' text or OpenMetrics), text version 0.0.4 by default.
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    response = HttpResponse(encode(registry()), content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.rstrip("/") != PATH or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        return metrics_response(request)
