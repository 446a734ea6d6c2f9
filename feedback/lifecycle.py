"""The moves of a placement's lifecycle that depend on its check-ins and evaluations (``students.placements``
has the others): starting it, which schedules its check-ins; completing it, which needs both final
evaluations; approving its agreement, which starts it when the day has come; and saving new dates or a new
cadence, which the schedule follows.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback.schedule import final_evaluations_in, schedule_sync
from innopraksis.models import User
from students.agreements import agreement_approve
from students.models import (
    SCHEDULED_STATES,
    AgreementState,
    CachedFigures,
    Cohort,
    ExpectationAgreement,
    Placement,
    PlacementState,
)
from students.placements import ALLOWED_TRANSITIONS, placement_cancel, placement_move, placement_start_agreement


@transaction.atomic
def placement_activate(*, placement: Placement, today: datetime.date | None = None) -> Placement:
    """The agreement is approved and the start date has come: the placement starts and gets its check-ins."""
    today = today or timezone.localdate()
    agreement = ExpectationAgreement.objects.filter(placement=placement).first()
    if placement.state == PlacementState.AGREEMENT and (agreement is None or not agreement.is_approved):
        raise ValidationError(
            _("A placement can start once its expectation agreement is approved."), code="not_approved"
        )
    if placement.starts_on > today:
        raise ValidationError(
            _("The placement starts on %(date)s; it can become active from that day."),
            code="not_started",
            params={"date": placement.starts_on},
        )
    placement_move(placement=placement, to=PlacementState.ACTIVE)
    schedule_sync(placement=placement)
    return placement


def placement_complete(*, placement: Placement, today: datetime.date | None = None) -> Placement:
    """The end date has passed, and both final evaluations are in."""
    today = today or timezone.localdate()
    if placement.ends_on >= today:
        raise ValidationError(
            _("The placement ends on %(date)s; it can be completed after that day."),
            code="not_ended",
            params={"date": placement.ends_on},
        )
    current = Placement.objects.values_list("state", flat=True).get(pk=placement.pk)
    if current == PlacementState.ACTIVE and not final_evaluations_in(placement):
        raise ValidationError(
            _("A placement is completed when both the student and the organisation have given their final evaluation."),
            code="no_final_evaluations",
        )
    return placement_move(placement=placement, to=PlacementState.COMPLETED)


@transaction.atomic
def agreement_approve_and_start(
    *, agreement: ExpectationAgreement, user: User, today: datetime.date | None = None
) -> ExpectationAgreement:
    """Approve a signed agreement; the placement starts at once if its start date has come."""
    agreement_approve(agreement=agreement, user=user)
    placement = agreement.placement
    if placement.state == PlacementState.AGREEMENT and placement.starts_on <= (today or timezone.localdate()):
        placement_activate(placement=placement, today=today)
    return agreement


@transaction.atomic
def placement_save(*, form) -> Placement:
    """Save a placement's register data; its check-in schedule follows new dates or a new cohort, and the
    figures of the cohort it leaves and the one it is in are computed anew."""
    left = Placement.objects.values_list("cohort_id", flat=True).get(pk=form.instance.pk)
    placement = form.save()
    schedule_sync(placement=placement)
    CachedFigures.objects.clear(cohorts=[left, placement.cohort_id])
    return placement


@transaction.atomic
def cohort_save(*, form) -> Cohort:
    """Save a cohort; its placements' check-in schedules follow a new cadence, and its figures a new
    agreement deadline."""
    cohort = form.save()
    for placement in cohort.placements.filter(state__in=SCHEDULED_STATES).select_related("cohort"):
        schedule_sync(placement=placement)
    CachedFigures.objects.clear(cohorts=[cohort.pk])
    return cohort


def placements_activate_due(*, today: datetime.date | None = None) -> int:
    """Start every placement whose agreement is approved and whose start date has come (run daily)."""
    today = today or timezone.localdate()
    due = Placement.objects.filter(
        state=PlacementState.AGREEMENT, agreement__state=AgreementState.APPROVED, starts_on__lte=today
    )
    started = 0
    for placement in due:
        placement_activate(placement=placement, today=today)
        started += 1
    return started


def placements_complete_due(*, today: datetime.date | None = None) -> int:
    """Complete every active placement whose end date has passed and whose final evaluations are in (run daily)."""
    today = today or timezone.localdate()
    completed = 0
    for placement in Placement.objects.filter(state=PlacementState.ACTIVE, ends_on__lt=today):
        if final_evaluations_in(placement):
            placement_complete(placement=placement, today=today)
            completed += 1
    return completed


@dataclass(frozen=True)
class Action:
    """A lifecycle step a coordinator can take from the placement's page."""

    key: str
    label: str
    target: PlacementState
    run: Callable[..., Placement]


ACTIONS: dict[str, Action] = {
    action.key: action
    for action in [
        Action(
            "agreement",
            gettext_lazy("Open the expectation agreement"),
            PlacementState.AGREEMENT,
            placement_start_agreement,
        ),
        Action("active", gettext_lazy("Mark as started"), PlacementState.ACTIVE, placement_activate),
        Action("completed", gettext_lazy("Mark as completed"), PlacementState.COMPLETED, placement_complete),
        Action("cancelled", gettext_lazy("Cancel the placement"), PlacementState.CANCELLED, placement_cancel),
    ]
}


def _ready(action: Action, placement: Placement, today: datetime.date) -> bool:
    """Whether the action can succeed today: a placement starts once its agreement is approved and its start
    date has come, and is completed after its end date."""
    if action.target == PlacementState.ACTIVE:
        agreement = getattr(placement, "agreement", None)
        return agreement is not None and agreement.is_approved and placement.starts_on <= today
    if action.target == PlacementState.COMPLETED:
        return placement.ends_on < today
    return True


def available_actions(placement: Placement, today: datetime.date) -> list[Action]:
    """The lifecycle steps a coordinator can take today; the page explains what the others wait for."""
    return [
        action
        for action in ACTIONS.values()
        if action.target in ALLOWED_TRANSITIONS[placement.state] and _ready(action, placement, today)
    ]
