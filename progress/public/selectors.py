"""Reads of the public pages: what is published, nothing else."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from progress.models import Publication
from projects.models import Jurisdiction


def published_jurisdictions() -> QuerySet[Jurisdiction]:
    """Jurisdictions with at least one published table, with how many."""
    return (
        Jurisdiction.objects.annotate(published=Count("plans__publications"))
        .filter(published__gt=0)
        .order_by("name")
    )


def jurisdiction_publications(jurisdiction: Jurisdiction) -> QuerySet[Publication]:
    return (
        Publication.objects.filter(plan__jurisdiction=jurisdiction)
        .select_related("plan")
        .order_by("-plan__year", "plan__title", "-period")
    )
