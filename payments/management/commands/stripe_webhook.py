from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from payments.providers.stripe import WEBHOOK_EVENTS, stripe_webhook_endpoint_sync


class Command(BaseCommand):
    help = "Record the Stripe webhook endpoint from the settings and print the URL to register at Stripe."

    def handle(self, *args: Any, **options: Any) -> None:
        url = stripe_webhook_endpoint_sync()
        if not url:
            raise CommandError("Payments are off: set STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY first.")
        self.stdout.write(f"Register this endpoint at Stripe (Developers > Webhooks): {url}")
        self.stdout.write(f"Events: {', '.join(WEBHOOK_EVENTS)}")
        self.stdout.write("Then put its signing secret in STRIPE_WEBHOOK_SECRET and run this command again.")
