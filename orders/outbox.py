"""The emails an order is owed, sent exactly once whatever lost them.

The normal path queues an email task after commit; the task retries a mail server that fails for a
few hours. Anything beyond that loses the email: a longer outage, a broker that refused the message
at enqueue, a Redis flushed with retries waiting. The order row knows what it is owed (a painted
preview without `preview_email_sent_at`, a paid order without `hd_email_sent_at`), so a periodic task
reads it there and sends what is overdue (payments.services.hd_emails_outbox_send does the same for
the HD email).

Every send first claims its email on the order row with one guarded UPDATE, for a few minutes: a
task and the outbox, or two beats, never send the same email twice, and a sender that died lets the
next one through once its claim has run out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal

from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from core.mail import MAIL_ERRORS
from orders.events import order_staff_alert
from orders.models import Order, OrderEvent, RenderJob

logger = logging.getLogger(__name__)

Email = Literal["preview", "hd"]
# Longer than one send takes, even a slow SMTP server's; short enough that a dead sender's email
# goes out with the next outbox run.
CLAIM = timedelta(minutes=10)
# The normal path's task gets this long to send before the outbox steps in.
OVERDUE_AFTER = timedelta(minutes=5)
# Staff hear of an email this late (once per order and email).
ALERT_AFTER = timedelta(hours=1)
# Emails one outbox run sends at most: a long outage's backlog drains over a few runs.
BATCH = 100
# Older than this, an unsent email is not sent by itself any more (a shop upgraded with old unsent
# orders must not write to customers about last year's photo): staff see it counted and decide.
OWED_FOR = timedelta(days=7)


def order_email_claim(*, order_id: int, email: Email) -> datetime | None:
    """Hold the order's `email` for one send: the claim's end, to release it with; None when it was
    sent or another sender holds it."""
    now = timezone.now()
    field = f"{email}_email_claimed_until"
    free = Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": now})
    unsent = Q(**{f"{email}_email_sent_at__isnull": True})
    until = now + CLAIM
    return until if Order.objects.filter(free, unsent, pk=order_id).update(**{field: until}) == 1 else None


def order_email_release(*, order_id: int, email: Email, claim: datetime) -> None:
    """The send is over: the next try may claim it at once. Only our own claim: one that ran out and
    was taken by another sender stays theirs."""
    field = f"{email}_email_claimed_until"
    Order.objects.filter(pk=order_id, **{field: claim}).update(**{field: None})


def emails_owed(owed: QuerySet[Order], *, email: Email, since_field: str) -> QuerySet[Order]:
    """Of `owed` (orders owed `email`), those the outbox should send now: overdue, unclaimed, and
    not refused for good by the mail server (staff must act on those)."""
    now = timezone.now()
    refused = OrderEvent.objects.filter(order=OuterRef("pk"), kind=OrderEvent.Kind.EMAIL_REFUSED, data__email=email)
    claim = f"{email}_email_claimed_until"
    return (
        owed.exclude(email="")
        .filter(data_deleted_at__isnull=True, **{f"{email}_email_sent_at__isnull": True})
        .filter(Q(**{f"{claim}__isnull": True}) | Q(**{f"{claim}__lt": now}))
        .exclude(Exists(refused))
        .filter(**{f"{since_field}__lt": now - OVERDUE_AFTER, f"{since_field}__gte": now - OWED_FOR})
    )


def outbox_send(
    owed: QuerySet[Order], *, email: Email, since_field: str, deliver: Callable[[int], bool]
) -> dict[str, int]:
    """Send each overdue `email` with `deliver(order_id)` (which claims it), then alert staff once
    about those an hour late. A mail server still failing is logged and left to the next run."""
    # Staff first: a mail server that hangs must not keep them from hearing.
    alerted = _alert_staff(owed, email=email, since_field=since_field)
    sent = failed = 0
    for order_id in emails_owed(owed, email=email, since_field=since_field).values_list("pk", flat=True)[:BATCH]:
        try:
            sent += deliver(order_id)
        except MAIL_ERRORS as error:
            failed += 1
            logger.warning(
                "order %s: the %s email is overdue and the mail server still fails (%s); next outbox run",
                order_id,
                email,
                type(error).__name__,
                extra={"order_id": order_id},
            )
            break  # the server is down: the rest waits for the next run instead of each timing out
    if sent or failed or alerted:
        logger.info("outbox %s: %s sent, %s still failing, %s alerted to staff", email, sent, failed, alerted)
    return {"sent": sent, "failed": failed, "alerted": alerted}


def _alert_staff(owed: QuerySet[Order], *, email: Email, since_field: str) -> int:
    reason = f"the {email} email is more than an hour late"
    told = OrderEvent.objects.filter(order=OuterRef("pk"), kind=OrderEvent.Kind.STAFF_ALERTED, data__reason=reason)
    late = (
        owed.exclude(email="")
        .filter(data_deleted_at__isnull=True, **{f"{email}_email_sent_at__isnull": True})
        .filter(
            **{f"{since_field}__lt": timezone.now() - ALERT_AFTER, f"{since_field}__gte": timezone.now() - OWED_FOR}
        )
        .exclude(Exists(told))
        .values_list("pk", flat=True)[:BATCH]
    )
    count = 0
    for order_id in late:
        order_staff_alert(order_id=order_id, reason=reason, actor="system")
        count += 1
    return count


def previews_owed() -> QuerySet[Order]:
    """Orders with a painted preview, annotated with when it was painted (`preview_done_at`)."""
    done = RenderJob.objects.filter(order=OuterRef("pk"), status=RenderJob.Status.DONE)
    return Order.objects.filter(Exists(done)).annotate(
        preview_done_at=Max("jobs__finished_at", filter=Q(jobs__status=RenderJob.Status.DONE))
    )
