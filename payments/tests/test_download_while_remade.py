"""A paid order whose HD file was lost: its link says the painting is being re-made, and the HD
email goes again, once, when it is back. The order stays paid throughout."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from orders.jobs import RenderOutput, render_job_claim, render_job_finish
from orders.models import Order, OrderEvent, RenderJob
from orders.reconcile import reconcile
from payments.links import hd_link_signature
from payments.tasks import order_hd_email_send
from payments.tests.conftest import make_ready_order

if TYPE_CHECKING:
    from django.test import Client
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks
    from pytest_mock import MockerFixture

    from payments.models import Price
    from styles.models import Style


pytestmark = pytest.mark.django_db
REMADE = {
    "en": "Your painting is being re-made",
    "es": "Estamos volviendo a pintar tu cuadro",
}


@pytest.fixture
def lost_hd(style: Style, prices: dict[str, Price]) -> Order:
    """A paid order whose HD email went out, then whose HD file vanished from storage."""
    order = make_ready_order(style)
    photo = default_storage.save("uploads/photo.jpg", ContentFile(b"photo"))
    now = timezone.now()
    Order.objects.filter(pk=order.pk).update(
        status=Order.Status.PAID, paid_at=now, hd_email_sent_at=now, preview_email_sent_at=now, content_image=photo
    )
    default_storage.delete(order.current_job.hd.name)
    order.refresh_from_db()
    return order


def link(order: Order, language: str = "en") -> str:
    return f"/{language}/orders/{order.token}/hd/{hd_link_signature(order.token)}/"


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_link_of_a_lost_hd_file_says_it_is_being_re_made_and_starts_the_repair(
    client: Client,
    lost_hd: Order,
    language: str,
    mocker: MockerFixture,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    send = mocker.patch("rendering.tasks.render_job_run.delay")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(link(lost_hd, language))
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert REMADE[language] in page
    assert f"/{language}/orders/{lost_hd.token}/" in page
    assert '<link rel="stylesheet"' in page  # the site's own design, not a bare error
    send.assert_called_once_with(lost_hd.current_job.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(link(lost_hd, language)).status_code == 503  # again: no second render
    send.assert_called_once()
    lost_hd.refresh_from_db()
    assert lost_hd.status == Order.Status.PAID
    assert list(lost_hd.events.values_list("kind", "actor")) == [(OrderEvent.Kind.REPAIR_RERENDER, "download")]


def test_when_the_re_render_finishes_the_hd_email_goes_again_once_and_the_link_works(
    client: Client,
    lost_hd: Order,
    mocker: MockerFixture,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    mocker.patch("rendering.tasks.render_job_run.delay")
    hd_email = mocker.patch("payments.tasks.order_hd_email_send.delay")
    mocker.patch("orders.tasks.order_preview_email_send.delay")
    with django_capture_on_commit_callbacks(execute=True):
        reconcile(fix=True)  # the nightly repair finds it first this time
    job = lost_hd.current_job
    assert job.status == RenderJob.Status.QUEUED
    assert client.get(link(lost_hd)).status_code == 503
    assert render_job_claim(job_id=job.pk, worker="w") is not None
    output = RenderOutput(preview_jpeg=b"new preview", hd_png=b"\x89PNG new hd", stats={})
    with django_capture_on_commit_callbacks(execute=True):
        assert render_job_finish(job_id=job.pk, worker="w", output=output)
    hd_email.assert_called_once_with(lost_hd.pk, True)
    order_hd_email_send(lost_hd.pk, True)
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    assert f"/en/orders/{lost_hd.token}/hd/" in mail.outbox[0].body
    lost_hd.refresh_from_db()
    assert lost_hd.status == Order.Status.PAID
    response = client.get(link(lost_hd))
    assert response.status_code == 200
    assert response.getvalue() == b"\x89PNG new hd"
    kinds = list(lost_hd.events.values_list("kind", flat=True))
    assert kinds == [
        OrderEvent.Kind.REPAIR_RERENDER,
        OrderEvent.Kind.RENDER_CLAIMED,
        OrderEvent.Kind.RENDER_DONE,
        OrderEvent.Kind.HD_EMAIL_SENT,
    ]


def test_a_new_link_asked_for_while_it_is_re_made_says_so(
    client: Client, lost_hd: Order, mocker: MockerFixture
) -> None:
    mocker.patch("rendering.tasks.render_job_run.delay")
    client.get(link(lost_hd))  # the repair starts
    response = client.post(f"/es/orders/{lost_hd.token}/new-link/", follow=True)
    assert "link=remaking" in response.redirect_chain[-1][0]
    assert "lo estamos volviendo a pintar" in response.content.decode()
