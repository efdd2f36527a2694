"""Admin search boxes read at most SEARCH_MAX_CHARS characters.

Django splits a search into words and ORs a LIKE per word and field: a pasted page of text
becomes one query with thousands of clauses. Nothing a member of staff looks up (an email, a
token, a Stripe id) is longer than this.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

SEARCH_MAX_CHARS = 200


class BoundedSearchMixin:
    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], search_term: str) -> Any:
        if len(search_term) > SEARCH_MAX_CHARS:
            messages.warning(
                request, _("Only the first %(max)s characters of the search were used.") % {"max": SEARCH_MAX_CHARS}
            )
            search_term = search_term[:SEARCH_MAX_CHARS]
        return super().get_search_results(request, queryset, search_term)  # type: ignore[misc]
