"""Find my orders: the links to an address's orders, emailed to that address.

The order link is the only key to an order, so a customer who lost the email has lost the painting.
Whoever types an address gets the same answer whether or not it has orders; the email goes only to
the address each order was placed with (another spelling of the same mailbox finds them, but never
receives them: ``ana+x@`` is a mailbox of its own at a provider without plus addressing), and each
order's line is written in that order's language.

A request is a row (``OrderLinksRequest``), queued after commit like every email and sent by a task
that retries a failing mail server; the outbox sends those it lost, as for the order's own emails
(orders/outbox.py), and the row is deleted once sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone, translation

from core.mail import MAIL_ERRORS, RenderedEmail, email_deliver, email_render
from orders import enqueue
from orders.emails import order_absolute_url
from orders.mailbox import mailbox_of
from orders.models import Order, OrderLinksRequest
from orders.outbox import CLAIM, OVERDUE_AFTER

logger = logging.getLogger(__name__)

# An answer a day late is still welcome; older than that, the customer has asked again or given up,
# and an address someone typed is not kept longer than it takes to answer.
OWED_FOR = timedelta(days=1)
# Orders one email lists at most, newest first: enough for any customer, bounded for a mail server.
MAX_ORDERS = 50
BATCH = 100


@dataclass(frozen=True)
class OrderLine:
    """One order as the email shows it, written in the order's own language."""

    url: str
    style: str
    status: str
    placed: str


def order_links_request(*, email: str, language: str) -> None:
    """Someone asked for the links to `email`'s orders: owe them an email. The caller has the same
    answer whether or not the address has orders; only the worker looks."""
    with transaction.atomic():
        request = OrderLinksRequest.objects.create(mailbox=mailbox_of(email), language=language)
        transaction.on_commit(partial(enqueue.order_links_email_enqueue, request.pk))


def _line(order: Order) -> OrderLine:
    with translation.override(order.language):
        placed = formats.date_format(timezone.localtime(order.created_at), "DATE_FORMAT")
        return OrderLine(
            url=order_absolute_url(order),
            style=str(order.style.name),
            status=str(order.get_status_display()),
            placed=placed,
        )


def _orders_by_address(mailbox: str) -> dict[str, list[Order]]:
    """The mailbox's orders (not those whose data was deleted), grouped by the address they were
    placed with, as first spelt; newest first."""
    orders = (
        Order.objects.filter(mailbox=mailbox, data_deleted_at__isnull=True)
        .exclude(email="")
        .select_related("style")
        .order_by("-created_at")[:MAX_ORDERS]
    )
    spelt: dict[str, str] = {}
    grouped: dict[str, list[Order]] = {}
    for order in orders:
        address = spelt.setdefault(order.email.casefold(), order.email)
        grouped.setdefault(address, []).append(order)
    return grouped


def order_links_email(orders: list[Order], *, language: str) -> RenderedEmail:
    return email_render("order-links", language=language, context={"orders": [_line(order) for order in orders]})


def _claim(request_id: int) -> datetime | None:
    """Hold the request for one send (as orders/outbox.py holds an order's email)."""
    now = timezone.now()
    until = now + CLAIM
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    return until if OrderLinksRequest.objects.filter(free, pk=request_id).update(claimed_until=until) == 1 else None


def order_links_email_send(*, request_id: int) -> int:
    """Send a request's emails, one per address its orders were placed with; the number the mail
    server took. A failure a later try may cure releases the request and is raised, for the task to
    retry; the request is deleted once every address has had its email (or refused it for good)."""
    claim = _claim(request_id)
    if claim is None:
        return 0  # sent already, or another sender holds it
    request = OrderLinksRequest.objects.get(pk=request_id)
    sent = 0
    try:
        for address, orders in _orders_by_address(request.mailbox).items():
            if address in request.sent_to:
                continue
            code = email_deliver(order_links_email(orders, language=request.language), to=address)
            if code is not None:
                logger.warning(
                    "order links request %s: the mail server refused an email for good (SMTP %s)", request_id, code
                )
            sent += code is None
            request.sent_to.append(address)
            OrderLinksRequest.objects.filter(pk=request_id).update(sent_to=request.sent_to)
    except MAIL_ERRORS:
        OrderLinksRequest.objects.filter(pk=request_id, claimed_until=claim).update(claimed_until=None)
        raise
    request.delete()
    logger.info("order links request %s: %d emails sent", request_id, sent)
    return sent


def order_links_outbox_send() -> dict[str, int]:
    """Send the requests the normal path lost (overdue, unclaimed); forget those older than OWED_FOR.
    A mail server still failing stops the run: the rest waits for the next one."""
    now = timezone.now()
    dropped, _ = OrderLinksRequest.objects.filter(created_at__lt=now - OWED_FOR).delete()
    overdue = (
        OrderLinksRequest.objects.filter(created_at__lt=now - OVERDUE_AFTER)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    sent = failed = 0
    for request_id in list(overdue):
        try:
            sent += order_links_email_send(request_id=request_id)
        except MAIL_ERRORS as error:
            failed += 1
            logger.warning("order links request %s: the mail server still fails (%s)", request_id, type(error).__name__)
            break
    if sent or failed or dropped:
        logger.info("outbox order links: %s sent, %s still failing, %s dropped as too old", sent, failed, dropped)
    return {"sent": sent, "failed": failed, "dropped": dropped}
