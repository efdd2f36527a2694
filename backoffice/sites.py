"""The admin site is the shop's: its home leads with the shop's own apps, and dj-stripe's pages are gone.

dj-stripe registers some forty models (accounts, subscriptions, tax rates, transfers...) that this
shop never uses: it keeps what it needs of Stripe in payments.Payment, and uses dj-stripe only to
verify and store webhooks. Nothing of ours links to those pages, so they are unregistered, for
superusers too; the tables stay, as the webhooks need them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest

# The order of the admin's home; apps not named here follow, in Django's order.
SHOP_APPS = ("orders", "styles", "payments", "gallery")
HIDDEN_APPS = ("djstripe",)


class ShopAdminSite(admin.AdminSite):
    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        rank = {label: position for position, label in enumerate(SHOP_APPS)}
        apps = super().get_app_list(request, app_label)
        return sorted(apps, key=lambda app: rank.get(app["app_label"], len(rank)))

    def hidden_apps_unregister(self) -> None:
        for model in [model for model in self._registry if model._meta.app_label in HIDDEN_APPS]:
            self.unregister(model)


class ShopAdminConfig(AdminConfig):
    """django.contrib.admin with the shop's site as `admin.site` (INSTALLED_APPS names this)."""

    default_site = "backoffice.sites.ShopAdminSite"

    def ready(self) -> None:
        super().ready()  # imports every app's admin module, dj-stripe's included
        site = admin.site
        assert isinstance(site, ShopAdminSite)
        site.hidden_apps_unregister()
