"""Dates as the reader writes them, for text written on every row of a list."""

from __future__ import annotations

import datetime
from functools import lru_cache

from django.utils.formats import date_format
from django.utils.translation import get_language


def short_date(day: datetime.date) -> str:
    """``date_format(day, "SHORT_DATE_FORMAT")`` in the active language, remembered: a list shows the
    same few dates (starts, ends, due dates) on many rows."""
    return _short_date(day, get_language())


@lru_cache(maxsize=4096)
def _short_date(day: datetime.date, language: str | None) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")  # in ``language``, the active one when called
