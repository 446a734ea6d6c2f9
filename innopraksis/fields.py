"""Model fields of the portal's own."""

from __future__ import annotations

from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.functional import cached_property


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
