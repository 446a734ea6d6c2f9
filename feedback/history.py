"""The change history of a placement, for coordinators: who changed what and when, from the audit trail."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from feedback.models import CheckIn, Evaluation, FollowUp
from students.models import ExpectationAgreement, Placement


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
