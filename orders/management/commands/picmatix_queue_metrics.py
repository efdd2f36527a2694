from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from orders.selectors import queue_metrics


class Command(BaseCommand):
    help = "Print render-queue metrics as JSON (for autoscalers and monitoring)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(json.dumps(queue_metrics()))
