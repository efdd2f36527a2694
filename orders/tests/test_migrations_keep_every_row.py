"""Issue 14 moved code between apps, not data: a database at the schema the shop had before (the
latest migrations of the previous release) migrates to today's layout with every row still there."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps
from django.utils import timezone
from pytest_django.fixtures import Settings
from pytest_django.plugin import DjangoDbBlocker

# The newest migration of each of our apps before issue 14 (the layers): the schema to start from.
BEFORE_LAYERS = [
    ("styles", "0005_style_own_colours"),
    ("orders", "0007_order_keep_colours"),
    ("payments", "0003_payment_provider"),
    ("gallery", "0002_painting_only"),
]
TABLES = [
    "styles_style",
    "orders_order",
    "orders_renderjob",
    "orders_orderevent",
    "payments_payment",
    "gallery_galleryentry",
]


@pytest.fixture
def old_database(
    tmp_path: Path, django_db_blocker: DjangoDbBlocker, settings: Settings
) -> Iterator[BaseDatabaseWrapper]:
    """A fresh SQLite file of its own (not the test database), under the alias "before_layers"."""
    settings.MIGRATION_MODULES = {}  # the suite runs --no-migrations; this test needs the real ones
    alias = "before_layers"
    connections.settings[alias] = {
        **connections["default"].settings_dict,
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "before.sqlite3"),
        "TEST": {},
    }
    with django_db_blocker.unblock():
        yield connections[alias]
        connections[alias].close()
    del connections[alias]
    del connections.settings[alias]


def rows(connection: BaseDatabaseWrapper) -> dict[str, dict[str, list[Any]]]:
    """Each table's columns, each with its values in id order (columns added later are extra keys)."""
    with connection.cursor() as cursor:
        found = {}
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {table} ORDER BY id")
            values = cursor.fetchall()
            names = [column[0] for column in cursor.description]
            found[table] = {name: [row[i] for row in values] for i, name in enumerate(names)}
    return found


def fill_at_old_schema(apps: StateApps, alias: str) -> None:
    """One order in every status, each with a render job, events and a payment; one in the gallery."""
    Style = apps.get_model("styles", "Style")
    Order = apps.get_model("orders", "Order")
    RenderJob = apps.get_model("orders", "RenderJob")
    OrderEvent = apps.get_model("orders", "OrderEvent")
    Payment = apps.get_model("payments", "Payment")
    GalleryEntry = apps.get_model("gallery", "GalleryEntry")
    style = Style.objects.using(alias).create(slug="old", name_en="Old", name_es="Viejo", image="styles/old.jpg")
    for n, status in enumerate(["rendering", "preview_ready", "failed", "paid", "refunded"]):
        order = Order.objects.using(alias).create(
            token=f"token-{status}",
            email=f"{status}@example.com",
            style=style,
            content_image=f"uploads/{n}.jpg",
            status=status,
        )
        job = RenderJob.objects.using(alias).create(
            order=order, status="done", recipe={"n": n}, hd=f"renders/{n}-hd.png"
        )
        for kind in ["order_created", "render_claimed", "render_done"]:
            OrderEvent.objects.using(alias).create(order=order, job=job, kind=kind, actor="customer", data={"n": n})
        Payment.objects.using(alias).create(
            order=order, stripe_id=f"pi_{status}", amount=Decimal("9.50"), currency="EUR", status="succeeded"
        )
    GalleryEntry.objects.using(alias).create(order=order, after="gallery/x.jpg", approved_at=timezone.now())


def test_a_database_from_before_the_layers_migrates_with_every_row_kept(old_database: BaseDatabaseWrapper) -> None:
    executor = MigrationExecutor(old_database)
    executor.migrate(BEFORE_LAYERS)
    fill_at_old_schema(executor.loader.project_state(BEFORE_LAYERS).apps, old_database.alias)
    before = rows(old_database)
    assert [len(before[table]["id"]) for table in TABLES] == [1, 5, 5, 15, 5, 1]

    executor = MigrationExecutor(old_database)
    # Our apps' newest migrations (and what they need): the third-party apps' ones are not ours to test.
    leaves = [node for node in executor.loader.graph.leaf_nodes() if node[0] in dict(BEFORE_LAYERS)]
    executor.migrate(leaves)

    assert not MigrationExecutor(old_database).migration_plan(leaves)  # at today's layout
    after = rows(old_database)
    assert {table: {name: after[table][name] for name in columns} for table, columns in before.items()} == before
    # Added since, and filled from the rows that were there.
    assert after["orders_order"]["mailbox"] == before["orders_order"]["email"]
