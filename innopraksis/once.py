"""Forms that add a row carry a one-time key, so that a double click or a resubmitted page adds it once."""

from __future__ import annotations

import secrets

from django import forms
from django.db import IntegrityError, models, transaction


class OnceMixin:
    """Adds a hidden ``once`` field with a fresh key each time the form is shown."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["once"] = forms.CharField(
            widget=forms.HiddenInput, required=False, max_length=32, initial=secrets.token_hex(16)
        )


def save_once(row: models.Model, key: str | None) -> tuple[models.Model, bool]:
    """Save a new row under the form's key; if that key was saved before, return that row instead.

    Returns (row, created).
    """
    row.submission_key = key or None
    row.full_clean(exclude=["submission_key"])
    if not row.submission_key:
        row.save()
        return row, True
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return type(row).objects.get(submission_key=row.submission_key), False
    return row, True
