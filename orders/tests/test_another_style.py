"""From an order's page the customer paints the photo they already sent in another style (and
strength, where the style offers it): a new order of its own, linked to the photo's first order,
counted in the address's daily limit, written to both logs; each order keeps its own copy of the
photo, and deleting the customer's data on any of them deletes every copy."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from conftest import stored_files
from orders.models import Order, OrderEvent, RenderJob
from orders.reconcile import reconcile
from orders.retention import retention_purge
from styles.models import Style
from styles.recipes import recipe_preset_dict

if TYPE_CHECKING:
    from unittest.mock import MagicMock

    from django.test import Client
    from django.test.client import _MonkeyPatchedWSGIResponse
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings
    from pytest_mock import MockerFixture


pytestmark = pytest.mark.django_db
STRENGTH_EXAMPLES = {"lighter": "styles/l.jpg", "as_shown": "styles/a.jpg", "stronger": "styles/s.jpg"}


@pytest.fixture(autouse=True)
def queued(mocker: MockerFixture) -> MagicMock:
    return mocker.patch("orders.enqueue.render_job_enqueue")


@pytest.fixture
def turner(style: Style) -> Style:
    """A second active style, without strengths."""
    return Style.objects.create(slug="turner", name_en="Turner", name_es="Turner", active=True, recipe={})


@pytest.fixture
def strong(style: Style) -> Style:
    """A style whose calibration painted each strength, so it offers them."""
    return Style.objects.create(
        slug="fauve",
        name_en="Fauve",
        name_es="Fauvista",
        active=True,
        recipe=recipe_preset_dict("tiny"),
        strength_examples=STRENGTH_EXAMPLES,
    )


def ask(
    client: Client, order: Order, style: Style, strength: str = "", language: str = "en"
) -> _MonkeyPatchedWSGIResponse:
    data = {"style": style.pk, **({"strength": strength} if strength else {})}
    return client.post(f"/{language}/orders/{order.token}/another-style/", data)


def made_from(order: Order) -> Order:
    return Order.objects.exclude(pk=order.pk).get()


def uploads(media: Path) -> list[Path]:
    return stored_files(media / "uploads") if (media / "uploads").exists() else []


def page(client: Client, order: Order) -> str:
    return client.get(f"/en/orders/{order.token}/").content.decode()


def test_the_order_page_offers_only_active_styles(client: Client, painted_order: Order, turner: Style) -> None:
    Style.objects.create(slug="retired", name_en="Retired", name_es="Retirado", active=False, recipe={})
    text = page(client, painted_order)
    assert f'action="/en/orders/{painted_order.token}/another-style/"' in text
    assert f'id="another-style-{turner.pk}"' in text
    assert "Retired" not in text


def test_an_inactive_style_is_refused(client: Client, painted_order: Order) -> None:
    retired = Style.objects.create(slug="retired", name_en="Retired", name_es="Retirado", active=False, recipe={})
    response = ask(client, painted_order, retired)
    assert response.status_code == 400
    assert Order.objects.count() == 1


def test_it_makes_a_new_order_with_its_own_copy_of_the_photo(
    client: Client, painted_order: Order, turner: Style, media: Path, queued: MagicMock
) -> None:
    response = ask(client, painted_order, turner)
    new = made_from(painted_order)
    assert response.status_code == 303
    assert response["Location"] == f"/en/orders/{new.token}/"
    assert new.token != painted_order.token
    assert new.source_id == painted_order.pk
    assert new.style == turner
    assert (new.email, new.currency) == (painted_order.email, painted_order.currency)
    assert not new.gallery_consent
    assert new.content_image.name != painted_order.content_image.name
    assert default_storage.open(new.content_image.name).read() == default_storage.open("uploads/photo.jpg").read()
    assert RenderJob.objects.get(order=new).status == RenderJob.Status.QUEUED


def test_the_render_is_queued_once_the_order_is_committed(
    client: Client,
    painted_order: Order,
    turner: Style,
    queued: MagicMock,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, painted_order, turner)
    queued.assert_called_once_with(RenderJob.objects.get(order=made_from(painted_order)).pk)


def test_the_new_order_is_in_the_language_of_the_page(client: Client, painted_order: Order, turner: Style) -> None:
    ask(client, painted_order, turner, language="es")
    assert made_from(painted_order).language == "es"


def test_each_page_links_the_other(client: Client, painted_order: Order, turner: Style) -> None:
    ask(client, painted_order, turner)
    new = made_from(painted_order)
    assert f'href="/en/orders/{painted_order.token}/"' in page(client, new)
    assert f'href="/en/orders/{new.token}/"' in page(client, painted_order)


def test_an_order_made_from_a_made_order_links_to_the_photos_first_order(
    client: Client, painted_order: Order, turner: Style, style: Style
) -> None:
    ask(client, painted_order, turner)
    second = made_from(painted_order)
    ask(client, second, style)
    third = Order.objects.exclude(pk__in=[painted_order.pk, second.pk]).get()
    assert third.source_id == painted_order.pk


def test_both_logs_record_it(client: Client, painted_order: Order, turner: Style) -> None:
    ask(client, painted_order, turner)
    new = made_from(painted_order)
    created = OrderEvent.objects.get(order=new, kind=OrderEvent.Kind.ORDER_CREATED)
    assert created.data == {"style": "turner", "strength": "as_shown", "source": painted_order.pk}
    asked = OrderEvent.objects.get(order=painted_order, kind=OrderEvent.Kind.OTHER_STYLE_ORDERED)
    assert asked.actor == "customer"
    assert asked.data == {"new_order": new.pk, "style": "turner", "strength": "as_shown"}


def test_the_daily_limit_counts_the_new_order(
    client: Client, painted_order: Order, turner: Style, settings: Settings, media: Path
) -> None:
    settings.ORDERS_PER_EMAIL_PER_DAY = 2
    Order.objects.create(email="Ana+other@example.com", style=turner, content_image="uploads/earlier.jpg")
    response = ask(client, painted_order, turner)
    assert response.status_code == 400
    assert "This email address has reached its limit of 2 new orders a day" in response.content.decode()
    assert Order.objects.count() == 2
    assert uploads(media) == [media / "uploads" / "photo.jpg"]


def test_the_new_order_counts_against_the_next_upload(
    client: Client, painted_order: Order, turner: Style, settings: Settings
) -> None:
    settings.ORDERS_PER_EMAIL_PER_DAY = 2
    assert ask(client, painted_order, turner).status_code == 303
    assert ask(client, painted_order, turner).status_code == 400
    assert Order.objects.count() == 2


def test_an_unknown_token_is_a_404_and_makes_nothing(client: Client, painted_order: Order, turner: Style) -> None:
    response = client.post("/en/orders/" + "A" * 43 + "/another-style/", {"style": turner.pk})
    assert response.status_code == 404
    assert Order.objects.count() == 1


def test_a_customer_paints_only_the_photo_of_their_own_token(
    client: Client, painted_order: Order, turner: Style, style: Style
) -> None:
    bob = Order.objects.create(
        email="bob@example.com",
        style=style,
        content_image=default_storage.save("uploads/bob.jpg", ContentFile(b"bob's photo")),
    )
    # Naming Ana's order in the form changes nothing: the token in the address is the only key.
    client.post(f"/en/orders/{bob.token}/another-style/", {"style": turner.pk, "source": painted_order.pk})
    new = Order.objects.get(style=turner)
    assert new.source_id == bob.pk
    assert new.email == "bob@example.com"
    assert default_storage.open(new.content_image.name).read() == b"bob's photo"


def test_a_get_makes_nothing(client: Client, painted_order: Order, turner: Style) -> None:
    response = client.get(f"/en/orders/{painted_order.token}/another-style/", {"style": turner.pk})
    assert response.status_code == 405
    assert Order.objects.count() == 1


def test_the_new_orders_page_shows_the_photo_only_through_its_own_token(
    client: Client, painted_order: Order, turner: Style
) -> None:
    ask(client, painted_order, turner)
    new = made_from(painted_order)
    text = page(client, new)
    assert "uploads/" not in text
    assert f"/orders/{painted_order.token}/photo.jpg" not in text
    assert f"/orders/{painted_order.token}/preview.jpg" not in text
    photo = client.get(f"/en/orders/{new.token}/photo.jpg")
    assert photo.status_code == 200
    assert client.get("/en/orders/" + "B" * 43 + "/photo.jpg").status_code == 404


def test_a_style_without_strength_refuses_another_strength(
    client: Client, painted_order: Order, turner: Style, media: Path
) -> None:
    response = ask(client, painted_order, turner, strength="stronger")
    assert response.status_code == 400
    assert "This style does not offer another strength." in response.content.decode()
    assert Order.objects.count() == 1
    assert uploads(media) == [media / "uploads" / "photo.jpg"]


def test_a_style_that_offers_strength_takes_it(client: Client, painted_order: Order, strong: Style) -> None:
    text = page(client, painted_order)
    assert 'id="strength-field"' in text
    assert "picmatix/strength.js" in text
    assert 'data-strength-examples="/styles/fauve/strength-lighter.jpg' in text
    assert ask(client, painted_order, strong, strength="lighter").status_code == 303
    assert made_from(painted_order).strength == Order.Strength.LIGHTER


def test_the_strength_choice_is_left_out_when_no_style_offers_it(
    client: Client, painted_order: Order, turner: Style
) -> None:
    text = page(client, painted_order)
    assert 'id="strength-field"' not in text
    assert "picmatix/strength.js" not in text


def test_new_orders_from_one_client_are_rate_limited_with_uploads(
    client: Client, painted_order: Order, turner: Style, settings: Settings
) -> None:
    settings.UPLOAD_RATE = "2/h"
    assert ask(client, painted_order, turner).status_code == 303
    assert ask(client, painted_order, turner).status_code == 303
    refused = ask(client, painted_order, turner)
    assert refused.status_code == 429
    assert "Too many photos from your network" in refused.content.decode()
    assert Order.objects.count() == 3


def test_it_is_offered_on_a_paid_order(client: Client, painted_order: Order, turner: Style) -> None:
    Order.objects.filter(pk=painted_order.pk).update(status=Order.Status.PAID, paid_at=timezone.now())
    assert 'id="another-style"' in page(client, painted_order)
    assert ask(client, painted_order, turner).status_code == 303


def test_it_is_offered_no_more_once_the_data_is_deleted(client: Client, painted_order: Order, turner: Style) -> None:
    client.post(f"/en/orders/{painted_order.token}/delete/", {"confirm": "yes"})
    assert 'id="another-style"' not in page(client, painted_order)
    stale = ask(client, painted_order, turner)
    assert stale.status_code == 400
    assert "Your photo is no longer stored" in stale.content.decode()
    assert Order.objects.count() == 1


def test_it_is_offered_no_more_once_retention_removed_the_photo(
    client: Client, painted_order: Order, turner: Style, settings: Settings
) -> None:
    Order.objects.filter(pk=painted_order.pk).update(created_at=timezone.now() - timedelta(days=31))
    settings.RETENTION_UNPAID_DAYS = 30
    retention_purge()
    assert 'id="another-style"' not in page(client, painted_order)
    assert ask(client, painted_order, turner).status_code == 400
    assert Order.objects.count() == 1


@pytest.mark.parametrize("deleted_on", ["first", "new"])
def test_deleting_my_data_on_either_order_deletes_every_copy_of_the_photo(
    client: Client,
    painted_order: Order,
    turner: Style,
    media: Path,
    deleted_on: str,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    ask(client, painted_order, turner)
    new = made_from(painted_order)
    assert len(uploads(media)) == 2
    target = painted_order if deleted_on == "first" else new
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/en/orders/{target.token}/delete/", {"confirm": "yes"})
    assert uploads(media) == []
    assert [o.email for o in Order.objects.order_by("pk")] == ["", ""]
    assert Order.objects.filter(data_deleted_at__isnull=True).count() == 0
    assert OrderEvent.objects.filter(kind=OrderEvent.Kind.DATA_DELETED).count() == 2


def test_the_delete_page_names_the_other_orders_of_the_photo(
    client: Client, painted_order: Order, turner: Style
) -> None:
    ask(client, painted_order, turner)
    new = made_from(painted_order)
    text = client.get(f"/en/orders/{painted_order.token}/delete/").content.decode()
    assert "this also deletes the photo, the paintings and the email address of these orders" in text
    assert f'href="/en/orders/{new.token}/"' in text


def test_the_delete_page_of_a_lone_order_names_no_other(client: Client, painted_order: Order) -> None:
    text = client.get(f"/en/orders/{painted_order.token}/delete/").content.decode()
    assert "this also deletes" not in text


def test_retention_keeps_each_copy_for_its_own_order_until_both_are_gone(
    client: Client, painted_order: Order, turner: Style, media: Path, settings: Settings
) -> None:
    settings.RETENTION_UNPAID_DAYS = 30
    ask(client, painted_order, turner)
    new = made_from(painted_order)
    RenderJob.objects.filter(order=new).update(status=RenderJob.Status.DONE)
    Order.objects.filter(pk=painted_order.pk).update(created_at=timezone.now() - timedelta(days=31))
    retention_purge()
    new.refresh_from_db()
    assert uploads(media) == [media / new.content_image.name]
    assert client.get(f"/en/orders/{new.token}/photo.jpg").status_code == 200
    retention_purge(now=timezone.now() + timedelta(days=31))
    assert uploads(media) == []


def test_reconcile_finds_no_orphan_and_no_missing_photo(
    client: Client, painted_order: Order, turner: Style, media: Path
) -> None:
    ask(client, painted_order, turner)
    report = reconcile(fix=False, now=timezone.now() + timedelta(days=1))
    assert report.orphan_files == []
    assert report.orders_missing_photo == []


def test_reconcile_finds_nothing_left_behind_after_deletion(
    client: Client,
    painted_order: Order,
    turner: Style,
    media: Path,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    ask(client, painted_order, turner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/en/orders/{made_from(painted_order).token}/delete/", {"confirm": "yes"})
    report = reconcile(fix=False, now=timezone.now() + timedelta(days=1))
    assert report.orphan_files == []
    assert report.orders_missing_photo == []


def test_it_is_said_in_spanish(client: Client, painted_order: Order, turner: Style) -> None:
    text = client.get(f"/es/orders/{painted_order.token}/").content.decode()
    assert "Pintar esta foto en otro estilo" in text
