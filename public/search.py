"""Text search over progress entries, in the three portal languages.

On PostgreSQL each language's columns are searched with that language's text-search
configuration, so Dutch stemming finds "vrouwen" for "vrouw" and English finds "women" for
"woman". The narrative is HTML: PostgreSQL's parser skips the tags. On SQLite (development,
tests) a case-insensitive substring match over the same columns stands in.

The vectors are computed at query time: the public set is a few thousand entries per plan, which
PostgreSQL scans in milliseconds, and a stored vector would go stale whenever a goal or indicator
text changes.
"""

from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorExact
from django.db import connection
from django.db.models import Q, QuerySet

# The columns searched for each language: the entry's own text and the framework it reports on.
SEARCHED_FIELDS = ("narrative", "goal__title", "subgoal__title", "indicator__text")
CONFIGURATIONS = {"nl": "dutch", "en": "english", "fr": "french"}


def search_entries(queryset: QuerySet, text: str) -> QuerySet:
    text = (text or "").strip()
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        return queryset.filter(_full_text(text))
    return queryset.filter(_substring(text))


def _full_text(text: str) -> Q:
    condition = Q()
    for code, config in CONFIGURATIONS.items():
        vector = SearchVector(*(f"{field}_{code}" for field in SEARCHED_FIELDS), config=config)
        query = SearchQuery(text, config=config, search_type="websearch")
        condition |= Q(SearchVectorExact(vector, query))
    return condition


def _substring(text: str) -> Q:
    condition = Q()
    for code in CONFIGURATIONS:
        for field in SEARCHED_FIELDS:
            condition |= Q(**{f"{field}_{code}__icontains": text})
    return condition
