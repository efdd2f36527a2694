"""One mailbox, however its address is spelt: what the daily limit of orders per address counts.

Spellings that deliver to the same mailbox count as one: any case, a ``+tag`` after the name (plus
addressing, offered by most providers), dots in a Gmail name (Gmail ignores them, and
googlemail.com is gmail.com), and an internationalised domain in Unicode or in its ASCII
(punycode) form. The address the customer typed is still the one their emails go to.
"""

from __future__ import annotations

GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


def _domain_ascii(domain: str) -> str:
    domain = domain.strip().rstrip(".").lower()
    try:
        return domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return domain


def mailbox_of(email: str) -> str:
    """The address's mailbox key: ``"ana.b+shop@GoogleMail.com"`` -> ``"anab@gmail.com"``."""
    name, at, domain = email.strip().rpartition("@")
    if not at:
        return email.strip().casefold()
    domain = _domain_ascii(domain)
    name = name.casefold().split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        domain = "gmail.com"
        name = name.replace(".", "")
    return f"{name}@{domain}"
