"""The admin is the shop's: for the owner (a superuser) its home leads with the shop's own apps, and
dj-stripe's model pages are not there at all."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.contrib import admin

if TYPE_CHECKING:
    from django.test import Client


pytestmark = pytest.mark.django_db


def test_the_admin_home_leads_with_orders_styles_payments_and_the_gallery(admin_client: Client) -> None:
    response = admin_client.get("/admin/")
    labels = [app["app_label"] for app in response.context["app_list"]]
    assert labels[:4] == ["orders", "styles", "payments", "gallery"]


def test_the_admin_home_keeps_the_other_apps_after_the_shop_s(admin_client: Client) -> None:
    labels = [app["app_label"] for app in admin_client.get("/admin/").context["app_list"]]
    assert set(labels[4:]) == {"auth", "axes"}


def test_the_dashboard_comes_before_the_apps(admin_client: Client) -> None:
    body = admin_client.get("/admin/").content.decode()
    assert body.index("/admin/dashboard/") < body.index("/admin/orders/")


def test_dj_stripe_s_pages_are_not_on_the_admin_home(admin_client: Client) -> None:
    assert "/admin/djstripe/" not in admin_client.get("/admin/").content.decode()


def test_dj_stripe_s_pages_are_gone_for_a_superuser_too(admin_client: Client) -> None:
    assert admin_client.get("/admin/djstripe/paymentintent/").status_code == 404


def test_no_dj_stripe_model_is_registered() -> None:
    assert [model for model in admin.site._registry if model._meta.app_label == "djstripe"] == []
