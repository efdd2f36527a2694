"""/metrics: Prometheus text read from the database at each scrape, behind a bearer token."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from orders.models import Order, OrderEvent, RenderJob
from payments.models import Payment
from styles.models import StyleTrial
from styles.recipes import recipe_preset_dict, recipe_with_photo_colours

if TYPE_CHECKING:
    from django.test import Client
    from pytest_django.fixtures import Settings

    from styles.models import Style

pytestmark = pytest.mark.django_db

TOKEN = "s3cret-token-for-the-scraper-0123456789"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def token(settings: Settings) -> str:
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client: Client, **headers: str) -> Samples:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}", **headers})
    assert response.status_code == 200, response.content[:300]
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def order(style: Style, **fields: object) -> Order:
    return Order.objects.create(
        **{"email": "a@example.com", "style": style, "content_image": "uploads/x.jpg", **fields}
    )


def test_without_a_token_configured_there_is_no_endpoint(client: Client, settings: Settings) -> None:
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [None, f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN, "Bearer "],
    ids=["missing", "longer", "shorter", "other-scheme", "no-scheme", "empty"],
)
def test_a_wrong_or_missing_token_is_refused(client: Client, token: str, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"picmatix" not in response.content


def test_staff_s_session_is_no_substitute_for_the_token(admin_client: Client, token: str) -> None:
    assert admin_client.get("/metrics").status_code == 401


def test_the_answer_is_prometheus_text(client: Client, token: str) -> None:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert response["Cache-Control"] == "no-store"


def test_a_scraper_asking_for_openmetrics_gets_it(client: Client, token: str) -> None:
    accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}", "Accept": accept})
    assert response["Content-Type"].startswith("application/openmetrics-text; version=1.0.0")
    assert response.content.endswith(b"# EOF\n")


def test_a_scraper_reaching_a_pod_by_its_ip_over_http_is_answered(
    client: Client, token: str, settings: Settings
) -> None:
    """Prometheus scrapes pods by IP over the cluster network: no host check, no redirect to HTTPS."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["shop.example.com"]
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"}, HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200


def test_jobs_and_test_renders_are_counted_by_status(client: Client, token: str, style: Style) -> None:
    placed = order(style)
    RenderJob.objects.create(order=placed)
    RenderJob.objects.create(order=placed)
    RenderJob.objects.create(order=placed, status=RenderJob.Status.RUNNING)
    RenderJob.objects.create(order=placed, status=RenderJob.Status.DONE)
    StyleTrial.objects.create(style=style)
    StyleTrial.objects.create(style=style, status=StyleTrial.Status.RUNNING)
    StyleTrial.objects.create(style=style, status=StyleTrial.Status.RUNNING)
    samples = scrape(client)
    assert value(samples, "picmatix_render_jobs", kind="order", status="queued") == 2
    assert value(samples, "picmatix_render_jobs", kind="order", status="running") == 1
    assert value(samples, "picmatix_render_jobs", kind="test_render", status="queued") == 1
    assert value(samples, "picmatix_render_jobs", kind="test_render", status="running") == 2
    assert value(samples, "picmatix_render_demand") == 6


def test_each_scrape_reads_the_database_afresh(client: Client, token: str, style: Style) -> None:
    """No counter lives in the process, so every web process answers the same."""
    before = value(scrape(client), "picmatix_render_demand")
    RenderJob.objects.create(order=order(style))
    assert value(scrape(client), "picmatix_render_demand") == before + 1


def test_the_oldest_queued_job_s_age_is_reported(client: Client, token: str, style: Style) -> None:
    job = RenderJob.objects.create(order=order(style))
    RenderJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(seconds=300))
    age = value(scrape(client), "picmatix_render_oldest_queued_age_seconds")
    assert 299 <= age < 360


def test_render_seconds_are_reported_by_recipe_and_device(client: Client, token: str, style: Style) -> None:
    now, placed = timezone.now(), order(style)
    cpu, custom = recipe_preset_dict("cpu"), {"passes": [{"size": 64, "iterations": 3}]}
    for seconds, recipe, device in [(100, cpu, "cpu"), (140, cpu, "cpu"), (200, cpu, "cpu"), (9, custom, "cuda")]:
        RenderJob.objects.create(
            order=placed,
            status=RenderJob.Status.DONE,
            recipe=recipe,
            stats={"device": device},
            started_at=now - timedelta(seconds=seconds),
            finished_at=now,
        )
    samples = scrape(client)
    assert value(samples, "picmatix_render_seconds", recipe="cpu", device="cpu", quantile="0.5") == 140
    assert value(samples, "picmatix_render_seconds", recipe="cpu", device="cpu", quantile="0.95") == 200
    assert value(samples, "picmatix_render_seconds_sample_jobs", recipe="cpu", device="cpu") == 3
    assert value(samples, "picmatix_render_seconds", recipe="custom", device="cuda", quantile="0.5") == 9


def test_an_order_keeping_its_photo_s_colours_counts_under_its_style_s_preset(
    client: Client, token: str, style: Style
) -> None:
    recipe = recipe_with_photo_colours(recipe_preset_dict("nimble"))
    now = timezone.now()
    RenderJob.objects.create(
        order=order(style, keep_colours=True),
        status=RenderJob.Status.DONE,
        recipe=recipe,
        stats={"device": "cuda:0"},
        started_at=now - timedelta(seconds=3),
        finished_at=now,
    )
    assert value(scrape(client), "picmatix_render_seconds_sample_jobs", recipe="nimble", device="cuda:0") == 1


def test_failures_of_the_last_day_are_reported(client: Client, token: str, style: Style) -> None:
    now, placed = timezone.now(), order(style)
    RenderJob.objects.create(order=placed, status=RenderJob.Status.FAILED, finished_at=now)
    RenderJob.objects.create(order=placed, status=RenderJob.Status.FAILED, finished_at=now - timedelta(days=2))
    StyleTrial.objects.create(style=style, status=StyleTrial.Status.FAILED, finished_at=now)
    samples = scrape(client)
    assert value(samples, "picmatix_render_failed_last_24h", kind="order") == 1
    assert value(samples, "picmatix_render_failed_last_24h", kind="test_render") == 1


def test_emails_due_and_not_sent_are_counted(client: Client, token: str, style: Style) -> None:
    now = timezone.now()
    painted = order(style, status=Order.Status.PREVIEW_READY)
    RenderJob.objects.create(order=painted, status=RenderJob.Status.DONE)
    told = order(style, status=Order.Status.PREVIEW_READY, preview_email_sent_at=now)
    RenderJob.objects.create(order=told, status=RenderJob.Status.DONE)
    RenderJob.objects.create(order=order(style))  # still painting: no email owed yet
    order(style, status=Order.Status.PAID, paid_at=now, preview_email_sent_at=now)
    order(style, status=Order.Status.PAID, paid_at=now, preview_email_sent_at=now, hd_email_sent_at=now)
    order(style, status=Order.Status.REFUNDED, paid_at=now, preview_email_sent_at=now)
    samples = scrape(client)
    assert value(samples, "picmatix_emails_due", email="preview") == 1
    assert value(samples, "picmatix_emails_due", email="hd") == 1


def test_an_email_refused_for_good_is_counted_apart(client: Client, token: str, style: Style) -> None:
    refused = order(style, status=Order.Status.PAID, paid_at=timezone.now(), preview_email_sent_at=timezone.now())
    OrderEvent.objects.create(order=refused, kind=OrderEvent.Kind.EMAIL_REFUSED, actor="system", data={"email": "hd"})
    samples = scrape(client)
    assert value(samples, "picmatix_emails_due", email="hd") == 0
    assert value(samples, "picmatix_emails_refused", email="hd") == 1


def test_a_customer_whose_data_was_deleted_is_owed_no_email(client: Client, token: str, style: Style) -> None:
    order(style, email="", status=Order.Status.PAID, paid_at=timezone.now(), data_deleted_at=timezone.now())
    assert value(scrape(client), "picmatix_emails_due", email="hd") == 0


def test_payments_are_counted_by_provider_and_state(client: Client, token: str, style: Style) -> None:
    placed = order(style)
    for n, status in enumerate([Payment.Status.SUCCEEDED, Payment.Status.SUCCEEDED, Payment.Status.PENDING]):
        Payment.objects.create(order=placed, stripe_id=f"pi_{n}", amount=Decimal(5), currency="EUR", status=status)
    samples = scrape(client)
    assert value(samples, "picmatix_payments", provider="stripe", status="succeeded") == 2
    assert value(samples, "picmatix_payments", provider="stripe", status="pending") == 1
    assert value(samples, "picmatix_payments", provider="stripe", status="refunded") == 0


def test_each_painting_worker_s_last_heartbeat_is_reported(client: Client, token: str, style: Style) -> None:
    beat = timezone.now() - timedelta(seconds=20)
    RenderJob.objects.create(order=order(style), status=RenderJob.Status.RUNNING, worker="gpu-1", heartbeat_at=beat)
    StyleTrial.objects.create(style=style, status=StyleTrial.Status.RUNNING, worker="gpu-2", heartbeat_at=beat)
    RenderJob.objects.create(order=order(style), status=RenderJob.Status.DONE, worker="gpu-3", heartbeat_at=beat)
    samples = scrape(client)
    assert value(samples, "picmatix_render_worker_heartbeat_timestamp_seconds", worker="gpu-1") == beat.timestamp()
    assert value(samples, "picmatix_render_worker_heartbeat_timestamp_seconds", worker="gpu-2") == beat.timestamp()
    assert ("picmatix_render_worker_heartbeat_timestamp_seconds", frozenset({("worker", "gpu-3")})) not in samples
