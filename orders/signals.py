"""What orders tell the apps built on them (docs/architecture.md: a lower layer never imports a higher one)."""

from __future__ import annotations

from typing import cast

from django.dispatch import Signal

# Sent inside the transaction that forgets an order's files (the customer's data deleted at their
# request, or the retention purge), with order_id. A receiver drops what it keeps of the order in the
# same transaction and returns the storage names it deletes once that commits (a list of str).
# The gallery listens (gallery/receivers.py).
order_files_forgetting = Signal()


def order_files_forget(*, order_id: int) -> list[str]:
    """Send order_files_forgetting; the names every receiver deletes after commit."""
    answers = order_files_forgetting.send(sender=None, order_id=order_id)
    return [name for _receiver, names in answers for name in cast(list[str], names)]


# Sent by the storage reconcile (orders/reconcile.py) to learn the stored files that a higher app keeps
# in a folder of its own: each receiver returns (folder, the names it references). Unreferenced files
# there are orphans like any other (a thumbnail whose delete failed, say).
stored_files_claiming = Signal()


def stored_files_claimed() -> list[tuple[str, set[str]]]:
    """Every receiver's (folder, referenced names)."""
    answers = stored_files_claiming.send(sender=None)
    return [cast(tuple[str, set[str]], answer) for _receiver, answer in answers]
