"""Model and form fields of the portal's own."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.functional import cached_property

# The largest id a database's integer primary key holds.
MAX_ID = 2**63 - 1


class BoundedTextField(models.TextField):
    """Free text with a maximum length that the forms, model validation (so the import) and the database all
    check: a 100 kB answer is refused with a message, never stored. PostgreSQL, the production database, keeps
    it as ``varchar(max_length)``; SQLite, for development, has no length types and relies on the other two."""

    def __init__(self, *args, max_length: int = 4000, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)

    @cached_property
    def validators(self):
        return [*super().validators, MaxLengthValidator(self.max_length)]

    def db_type(self, connection) -> str:
        if connection.vendor == "postgresql":
            return f"varchar({int(self.max_length)})"
        return super().db_type(connection)


class ModelMultipleIdsField(forms.ModelMultipleChoiceField):
    """A choice of several rows by id that refuses an id no table can hold (``100000000000000000000``) as an
    invalid choice before asking the database, which SQLite cannot even be asked. Django checks the range
    of a single id, not of a list of them."""

    def _check_values(self, value):
        for pk in value:
            try:
                number = int(str(pk))
            except ValueError:
                continue  # not a number at all: Django's own check says so
            if not 0 < number <= MAX_ID:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super()._check_values(value)
