from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from orders.retention import retention_purge


class Command(BaseCommand):
    help = (
        "Delete the files of orders past their retention period (unpaid: PICMATIX_RETENTION_UNPAID_DAYS "
        "after the order; paid: PICMATIX_RETENTION_PAID_DAYS after payment) and stale direct uploads. "
        "Celery beat runs the same every few hours."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List what would be deleted; delete nothing.")

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        report = retention_purge(dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(
            f"retention (unpaid {settings.RETENTION_UNPAID_DAYS} days, paid {settings.RETENTION_PAID_DAYS} days): "
            f"{verb} {len(report.files)} files of {len(report.orders)} orders, "
            f"{len(report.incoming)} stale direct uploads"
        )
        for name in report.files + report.incoming:
            self.stdout.write(f"  {name}")
        for error in report.errors:
            self.stderr.write(f"  failed: {error}")
        if report.errors:
            raise SystemExit(1)
