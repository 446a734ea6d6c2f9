"""The audit trail: django-simple-history records every change to the audited models.

``AuditedQuerySet.update`` saves row by row, so that a bulk update cannot
change an audited model without leaving its trace.
"""

from __future__ import annotations

from django.db import models, transaction
from django.db.models.expressions import Combinable
from simple_history.models import HistoricalRecords


class AuditedQuerySet(models.QuerySet):
    def update(self, **values) -> int:
        if any(isinstance(value, Combinable) for value in values.values()):
            raise TypeError("Audited models are updated with plain values, so that each change is recorded.")
        count = 0
        with transaction.atomic(using=self.db):
            for row in self.select_for_update():
                for name, value in values.items():
                    setattr(row, name, value)
                row.save(update_fields=list(values))
                count += 1
        return count


def audit_trail() -> HistoricalRecords:
    """The history of an audited model: ``history = audit_trail()``."""
    return HistoricalRecords()
