"""What a party of a placement has to do next, and by when: home pages and reminders read the same list.

``todos_for`` reads a placement with ``cohort`` and ``agreement`` loaded and what ``load`` prefetches: its
open onboarding items, and for an active placement its check-ins open for answers and its open
evaluations. It runs no query of its own.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from feedback.models import (
    BOTH_DONE,
    EVALUATION_OPENS_BEFORE_DUE,
    CheckIn,
    Evaluation,
    EvaluationKind,
    checkin_opened,
)
from students.models import (
    OWNER_SIDES,
    AgreementState,
    OnboardingItem,
    Placement,
    PlacementState,
    Practice,
    Side,
)


def load(placements: list[Placement], today: datetime.date) -> None:
    """Prefetch what ``todos_for`` reads of these placements: three queries, whatever their number."""
    prefetch_related_objects(
        placements,
        Prefetch("onboarding_items", OnboardingItem.objects.filter(done_at__isnull=True), to_attr="open_items"),
    )
    active = [placement for placement in placements if placement.state == PlacementState.ACTIVE]
    prefetch_related_objects(
        active,
        Prefetch("checkins", CheckIn.objects.filter(checkin_opened(today)).exclude(BOTH_DONE), to_attr="open_checkins"),
        Prefetch(
            "evaluations",
            Evaluation.objects.filter(answered_at__isnull=True, due_on__lte=today + EVALUATION_OPENS_BEFORE_DUE),
            to_attr="open_evaluations",
        ),
    )
    for placement in placements:
        if placement.state != PlacementState.ACTIVE:
            placement.open_checkins, placement.open_evaluations = [], []


@dataclass(frozen=True)
class Todo:
    key: str  # what the thing is, for sending each reminder once
    what: Promise | str  # lazy: read in the reader's own language
    due_on: datetime.date
    path: str
    placement: Placement

    def is_overdue(self, today: datetime.date) -> bool:
        return self.due_on < today


def todos_for(placement: Placement, side: str, today: datetime.date) -> list[Todo]:
    """Everything open for ``side`` on this placement that is due or about to be on ``today`` (the day it was
    ``load``ed for), earliest first."""
    todos = _agreement_todos(placement, side)
    if placement.state in (PlacementState.AGREEMENT, PlacementState.ACTIVE):
        todos += _onboarding_todos(placement, side)
    if placement.state == PlacementState.ACTIVE:
        todos += _checkin_todos(placement, side, today) + _evaluation_todos(placement, side)
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
                reverse("agreement_part", kwargs={"pk": placement.pk, "side": side}),
                placement,
            )
        ]
    if agreement.state == AgreementState.SIGNING and signed is None:
        return [
            Todo(
                f"agreement-sign:{agreement.pk}:{side}",
                _("Sign the expectation agreement"),
                placement.agreement_due_on,
                reverse("agreement_sign", kwargs={"pk": placement.pk}),
                placement,
            )
        ]
    return []


def _onboarding_todos(placement: Placement, side: str) -> list[Todo]:
    path = reverse("onboarding_checklist", kwargs={"pk": placement.pk})
    return [
        Todo(
            f"onboarding:{item.pk}",
            format_lazy("{}: {}", _("Onboarding"), item.title or Practice(item.practice).label),
            item.due_on,
            path,
            placement,
        )
        for item in placement.open_items
        if side in OWNER_SIDES[item.owner]
    ]


def _checkin_todos(placement: Placement, side: str, today: datetime.date) -> list[Todo]:
    """One to-do for the check-ins the side has left open: the latest that is due (answering it closes the
    older, overdue ones as missed), or the next to come when none is due yet. It is due when the oldest of
    them was, so that being late shows."""
    waiting = sorted((checkin for checkin in placement.open_checkins if not checkin.done_by_side(side)), key=_due)
    if not waiting:
        return []
    latest = [checkin for checkin in waiting if checkin.due_on <= today][-1:] or waiting[:1]
    latest = latest[0]
    return [
        Todo(
            f"checkin:{latest.pk}:{side}",
            _("Answer the check-in"),
            waiting[0].due_on,
            reverse("checkin_detail", kwargs={"pk": placement.pk, "checkin_pk": latest.pk}),
            placement,
        )
    ]


def _due(checkin: CheckIn) -> datetime.date:
    return checkin.due_on


def _evaluation_todos(placement: Placement, side: str) -> list[Todo]:
    return [
        Todo(
            f"evaluation:{evaluation.pk}",
            EvaluationKind(evaluation.kind).label,
            evaluation.due_on,
            reverse("evaluation_detail", kwargs={"pk": placement.pk, "kind": evaluation.kind}),
            placement,
        )
        for evaluation in placement.open_evaluations
        if evaluation.side == side
    ]
