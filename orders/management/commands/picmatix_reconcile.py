from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from orders.reconcile import reconcile


class Command(BaseCommand):
    help = (
        "Compare stored photos and renders with orders and jobs: report orphan files, orders whose "
        "photo is missing, done jobs missing their outputs, and stuck jobs. --fix repairs what is safe."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--fix", action="store_true", help="Repair: delete orphans, re-queue, fail hopeless.")

    def handle(self, *args: Any, fix: bool, **options: Any) -> None:
        report = reconcile(fix=fix)
        self.stdout.write(json.dumps(report.as_dict(), indent=2))
        if report.problems and not fix:
            self.stderr.write(f"{report.problems} problem(s) found; run again with --fix to repair.")
