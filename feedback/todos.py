"""What a party of a placement has to do next, and by when: home pages and reminders read the same list.

``todos_for`` needs the placement with ``cohort`` and ``agreement`` loaded and
its open items, check-ins and open evaluations read by ``load``; it runs no
query of its own.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Prefetch, prefetch_related_objects
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from feedback.models import CheckIn, Evaluation, EvaluationKind
from innopraksis.converters import fast_reverse
from students.models import (
    OWNER_SIDES,
    AgreementState,
    OnboardingItem,
    Placement,
    PlacementState,
    Practice,
    Side,
)

# Check-ins and evaluations show up this long before they are due.
CHECKIN_OPENS = datetime.timedelta(days=7)
EVALUATION_OPENS = datetime.timedelta(days=14)


def _prefetches(today: datetime.date) -> list[Prefetch]:
    """The check-ins up to the coming week and the evaluations open for answers, with only the columns
    ``todos_for`` and ``flags.prepare`` read of them."""
    return [
        Prefetch(
            "checkins",
            CheckIn.objects.filter(due_on__lte=today + CHECKIN_OPENS).only(
                "placement_id",
                "due_on",
                "student_answered_at",
                "supervisor_answered_at",
                "workload",
                "resource",
                "delivery",
            ),
        ),
        Prefetch(
            "evaluations",
            Evaluation.objects.filter(answered_at__isnull=True, due_on__lte=today + EVALUATION_OPENS).only(
                "placement_id", "kind", "side", "due_on", "answered_at"
            ),
            to_attr="open_evaluations",
        ),
    ]


class OpenItem(NamedTuple):
    """An onboarding item not done yet, as ``load`` reads it: what the to-dos and the overdue count need."""

    pk: int
    placement_id: int
    practice: str
    title: str
    owner: str
    due_on: datetime.date

    def is_overdue(self, today: datetime.date) -> bool:
        return self.due_on < today


def load(placements: list[Placement], today: datetime.date) -> None:
    """What ``todos_for`` and ``flags.prepare`` read of these placements: their open onboarding items as
    plain values (one query, no model objects), and check-ins and open evaluations only for the active
    ones (the others have none to answer and raise no flag from them)."""
    open_items: dict[int, list[OpenItem]] = {placement.pk: [] for placement in placements}
    rows = (
        OnboardingItem.objects.filter(placement__in=list(open_items), done_at__isnull=True)
        .order_by("placement_id", "due_on", "position", "pk")
        .values_list("pk", "placement_id", "practice", "title", "owner", "due_on")
    )
    for row in rows:
        open_items[row[1]].append(OpenItem(*row))
    active = [placement for placement in placements if placement.state == PlacementState.ACTIVE]
    prefetch_related_objects(active, *_prefetches(today))
    for placement in placements:
        placement.open_onboarding_items = open_items[placement.pk]
        if placement.state != PlacementState.ACTIVE:
            placement.open_evaluations = []


@dataclass(frozen=True)
class Todo:
    key: str  # what the thing is, for sending each reminder once
    what: Promise | str  # lazy: read in the reader's own language
    due_on: datetime.date
    path: str
    placement: Placement

    def is_overdue(self, today: datetime.date) -> bool:
        return self.due_on < today


def todos_for(placement: Placement, side: str, *, today: datetime.date) -> list[Todo]:
    """Everything open for ``side`` on this placement that is due or about to be, earliest first."""
    todos = _agreement_todos(placement, side)
    if placement.state in (PlacementState.AGREEMENT, PlacementState.ACTIVE):
        todos += _onboarding_todos(placement, side)
    if placement.state == PlacementState.ACTIVE:
        todos += _checkin_todos(placement, side, today) + _evaluation_todos(placement, side, today)
    return sorted(todos, key=lambda todo: (todo.due_on, todo.key))


def _agreement_todos(placement: Placement, side: str) -> list[Todo]:
    agreement = getattr(placement, "agreement", None)
    if placement.state != PlacementState.AGREEMENT or agreement is None or agreement.state == AgreementState.APPROVED:
        return []
    signed = agreement.student_signed_at if side == Side.STUDENT else agreement.org_signed_at
    if agreement.completed_at(side) is None:
        return [
            Todo(
                f"agreement-part:{agreement.pk}:{side}",
                _("Fill in your part of the expectation agreement"),
                placement.agreement_due_on,
                fast_reverse("agreement_part", pk=placement.pk, side=side),
                placement,
            )
        ]
    if agreement.state == AgreementState.SIGNING and signed is None:
        return [
            Todo(
                f"agreement-sign:{agreement.pk}:{side}",
                _("Sign the expectation agreement"),
                placement.agreement_due_on,
                fast_reverse("agreement_sign", pk=placement.pk),
                placement,
            )
        ]
    return []


def _onboarding_todos(placement: Placement, side: str) -> list[Todo]:
    path = fast_reverse("onboarding_checklist", pk=placement.pk)
    return [
        Todo(
            f"onboarding:{item.pk}",
            format_lazy("{}: {}", _("Onboarding"), item.title or Practice(item.practice).label),
            item.due_on,
            path,
            placement,
        )
        for item in placement.open_onboarding_items
        if side in OWNER_SIDES[item.owner]
    ]


def _checkin_todos(placement: Placement, side: str, today: datetime.date) -> list[Todo]:
    return [
        Todo(
            f"checkin:{checkin.pk}:{side}",
            _("Answer the check-in"),
            checkin.due_on,
            fast_reverse("checkin_detail", pk=placement.pk, checkin_pk=checkin.pk),
            placement,
        )
        for checkin in placement.checkins.all()
        if checkin.due_on - CHECKIN_OPENS <= today and not checkin.answered_by_side(side)
    ]


def _evaluation_todos(placement: Placement, side: str, today: datetime.date) -> list[Todo]:
    return [
        Todo(
            f"evaluation:{evaluation.pk}",
            EvaluationKind(evaluation.kind).label,
            evaluation.due_on,
            fast_reverse("evaluation_detail", pk=placement.pk, kind=evaluation.kind),
            placement,
        )
        for evaluation in placement.open_evaluations
        if evaluation.side == side and evaluation.answered_at is None and evaluation.due_on - EVALUATION_OPENS <= today
    ]
