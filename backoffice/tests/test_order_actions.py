"""Each permission unlocks its own order actions and no other (what each action does: the tests of
orders, payments and gallery, which run it through the admin)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory

from backoffice.actions import ACTION_PERMISSIONS
from orders.models import Order

pytestmark = pytest.mark.django_db

EVERY_ACTION = {
    "rerender",
    "resend_preview_email",
    "resend_hd_email",
    "refund",
    "delete_customer_data",
    "approve_for_gallery",
    "remove_from_gallery",
}


def offered_actions(user: Any) -> set[str]:
    request = RequestFactory().get("/admin/orders/order/")
    request.user = user
    return set(admin.site.get_model_admin(Order).get_actions(request)) - {"delete_selected"}


def staff_with(django_user_model: Any, *perms: str) -> Any:
    user = django_user_model.objects.create_user("curator", password="pw-123456789", is_staff=True)
    for perm in ("orders.view_order", *perms):
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return django_user_model.objects.get(pk=user.pk)  # a fresh object: permissions are cached per instance


@pytest.mark.parametrize("permission", sorted(ACTION_PERMISSIONS.values()))
def test_every_action_permission_exists(permission: str) -> None:
    app_label, codename = permission.split(".")
    assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists()


@pytest.mark.parametrize(
    ("permission", "actions"),
    [
        ("orders.rerender_order", {"rerender"}),
        ("orders.resend_order_email", {"resend_preview_email", "resend_hd_email"}),
        ("orders.refund_order", {"refund"}),
        ("orders.delete_customer_data", {"delete_customer_data"}),
        ("orders.approve_gallery", {"approve_for_gallery", "remove_from_gallery"}),
    ],
)
def test_a_permission_offers_its_own_actions_only(django_user_model: Any, permission: str, actions: set[str]) -> None:
    assert offered_actions(staff_with(django_user_model, permission)) == actions


def test_staff_who_may_only_look_get_no_action(django_user_model: Any) -> None:
    assert offered_actions(staff_with(django_user_model)) == set()


def test_a_superuser_gets_every_action(django_user_model: Any) -> None:
    owner = django_user_model.objects.create_superuser("owner", password="pw-123456789")
    assert offered_actions(owner) == EVERY_ACTION
