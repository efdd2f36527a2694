"""Operator notices: integrations that are off, told to staff and operators, never to customers.

Each app registers its own check under the OPERATOR tag; `manage.py check` prints them at start-up
(runshop and migrate run the checks) and the admin's home page lists them for staff.
"""

from __future__ import annotations

from django.core.checks import CheckMessage, run_checks

OPERATOR = "picmatix_operator"


def operator_notices() -> list[CheckMessage]:
    """The operator notices that apply now, in the active language (for the admin's home page)."""
    return [message for message in run_checks(tags=[OPERATOR]) if not message.is_silenced()]
