"""The audit trail: django-simple-history records every change to the audited models.

``AuditedQuerySet.update`` saves row by row, so that a bulk update cannot
change an audited model without leaving its trace.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models.expressions import Combinable
from django.utils.translation import gettext_lazy as _
from simple_history.manager import HistoryManager
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


class _HistoryManager(HistoryManager):
    """simple_history's manager, its class made once rather than each time ``instance.history`` is read:
    every saved change reads it, and making the class inspects every method of the query set."""

    @classmethod
    @functools.cache
    def from_queryset(cls, queryset_class, class_name=None):
        return super().from_queryset(queryset_class, class_name)


def audit_trail() -> HistoricalRecords:
    """The history of an audited model: ``history = audit_trail()``."""
    return HistoricalRecords(history_manager=_HistoryManager)


@dataclass
class Change:
    when: datetime.datetime
    who: str
    what: str
    kind: str
    fields: list[str]


KINDS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


def placement_history(placement, *, limit: int = 30) -> list[Change]:
    """The latest changes to a placement and its agreement, check-ins, follow-ups and evaluations.

    For coordinators only: the check-ins' history holds the students' answers.
    One query per audited model, whatever the history's length.
    """
    from feedback.models import CheckIn, Evaluation, FollowUp
    from students.models import ExpectationAgreement, Placement

    sources = [
        (Placement.history.filter(id=placement.pk), Placement),
        (ExpectationAgreement.history.filter(placement_id=placement.pk), ExpectationAgreement),
        (CheckIn.history.filter(placement_id=placement.pk), CheckIn),
        (FollowUp.history.filter(placement_id=placement.pk), FollowUp),
        (Evaluation.history.filter(placement_id=placement.pk), Evaluation),
    ]
    changes: list[Change] = []
    for records, model in sources:
        fields = [field for field in model._meta.concrete_fields if field.name != "id"]
        previous = {}
        for record in records.select_related("history_user").order_by("id", "history_date", "history_id"):
            before = previous.get(record.id)
            changed = [
                str(field.verbose_name)
                for field in fields
                if before is not None and getattr(record, field.attname) != getattr(before, field.attname)
            ]
            previous[record.id] = record
            if record.history_type == "~" and not changed:
                continue
            changes.append(
                Change(
                    when=record.history_date,
                    who=record.history_user.get_full_name() if record.history_user else str(_("the portal")),
                    what=str(model._meta.verbose_name),
                    kind=str(KINDS[record.history_type]),
                    fields=changed,
                )
            )
    return sorted(changes, key=lambda change: change.when, reverse=True)[:limit]
