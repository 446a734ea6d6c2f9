"""Search, filters and pagination shared by the register's list pages."""

from __future__ import annotations

import operator
from functools import reduce

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

PAGE_SIZE = 25


class ListFilterForm(forms.Form):
    """A GET form: free-text search over ``search_fields`` and one lookup per filter field.

    A filter value that does not validate is left out rather than failing the page.
    """

    q = forms.CharField(label=_("Search"), required=False)

    search_fields: tuple[str, ...] = ()
    filter_lookups: dict[str, str] = {}

    def filter(self, queryset: QuerySet) -> QuerySet:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        query = (data.get("q") or "").strip()
        if query and self.search_fields:
            queryset = queryset.filter(
                reduce(operator.or_, (Q(**{f"{field}__icontains": query}) for field in self.search_fields))
            )
        for name, lookup in self.filter_lookups.items():
            value = data.get(name)
            if value not in (None, "", [], ()):
                queryset = queryset.filter(**{lookup: value})
        return queryset

    @property
    def is_filtered(self) -> bool:
        return any(self.data.get(name) for name in self.fields)


class CountedPaginator(Paginator):
    """A paginator told how many rows there are, for lists whose rows are costlier to count than their
    filters (the dashboard counts its filtered placements without the columns it shows)."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._count = count

    @property
    def count(self) -> int:
        return self._count


def paginate(request, queryset: QuerySet, *, count: int | None = None) -> Page:
    """The page of ``queryset`` the request asks for; ``count``, when given, is how many rows it holds."""
    paginator = Paginator(queryset, PAGE_SIZE) if count is None else CountedPaginator(queryset, PAGE_SIZE, count=count)
    return paginator.get_page(request.GET.get("page"))
