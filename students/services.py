"""Placement lifecycle: planned → agreement → active → completed; cancelled from any live state.

Each transition is one function that checks the move is allowed and says why
when it is not.
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

from innopraksis.models import InvitationRole
from innopraksis.services import invitation_for_person
from orgs.services import user_get_or_create
from students import imports
from students.models import ImportBatch, Placement, PlacementState, Student

ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    PlacementState.PLANNED: {PlacementState.AGREEMENT, PlacementState.CANCELLED},
    PlacementState.AGREEMENT: {PlacementState.ACTIVE, PlacementState.CANCELLED},
    PlacementState.ACTIVE: {PlacementState.COMPLETED, PlacementState.CANCELLED},
    PlacementState.COMPLETED: set(),
    PlacementState.CANCELLED: set(),
}


@transaction.atomic
def _move(*, placement: Placement, to: PlacementState) -> Placement:
    locked = Placement.objects.select_for_update().get(pk=placement.pk)
    if to not in ALLOWED_TRANSITIONS[locked.state]:
        raise ValidationError(
            _("A placement that is %(current)s cannot become %(target)s."),
            code="transition",
            params={"current": locked.get_state_display().lower(), "target": to.label.lower()},
        )
    locked.state = to
    locked.state_changed_at = timezone.now()
    locked.full_clean()
    locked.save(update_fields=["state", "state_changed_at"])
    placement.state, placement.state_changed_at = locked.state, locked.state_changed_at
    return placement


def placement_start_agreement(*, placement: Placement) -> Placement:
    """The expectation agreement is opened for both parties."""
    return _move(placement=placement, to=PlacementState.AGREEMENT)


def placement_activate(*, placement: Placement, today: datetime.date | None = None) -> Placement:
    """The agreement is approved and the start date has come."""
    today = today or timezone.localdate()
    if placement.starts_on > today:
        raise ValidationError(
            _("The placement starts on %(date)s; it can become active from that day."),
            code="not_started",
            params={"date": placement.starts_on},
        )
    return _move(placement=placement, to=PlacementState.ACTIVE)


def placement_complete(*, placement: Placement, today: datetime.date | None = None) -> Placement:
    """The end date has passed."""
    today = today or timezone.localdate()
    if placement.ends_on >= today:
        raise ValidationError(
            _("The placement ends on %(date)s; it can be completed after that day."),
            code="not_ended",
            params={"date": placement.ends_on},
        )
    return _move(placement=placement, to=PlacementState.COMPLETED)


def placement_cancel(*, placement: Placement) -> Placement:
    return _move(placement=placement, to=PlacementState.CANCELLED)


@transaction.atomic
def student_save(
    *,
    form,
    invited_by=None,
    invite: bool = False,
    base_url: str = "",
) -> Student:
    """Create or update a student and the person behind them from a validated StudentForm.

    A new student may be invited in the same step; an existing account is reused
    (a supervisor can also be a student) and never invited again.
    """
    data = form.cleaned_data
    student: Student = form.instance
    if student.pk:
        user = student.user
        user.email, user.full_name = data["email"], data["full_name"]
        user.full_clean()
        user.save(update_fields=["email", "full_name"])
    else:
        user, _created = user_get_or_create(email=data["email"], full_name=data["full_name"])
        student.user = user
    student = form.save()
    if invite:
        invitation_for_person(
            user=user, role=InvitationRole.STUDENT, invited_by=invited_by, base_url=base_url, only_if_new=True
        )
    return student


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


def available_actions(placement: Placement) -> list[Action]:
    return [action for action in ACTIONS.values() if action.target in ALLOWED_TRANSITIONS[placement.state]]


@transaction.atomic
def import_confirm(*, batch: ImportBatch, invited_by, base_url: str) -> dict[str, int]:
    """Import a previewed file once; a second confirmation (another tab, a double click) is refused."""
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.applied_at is not None:
        raise ValidationError(_("This file has already been imported."), code="already_imported")
    counts = imports.apply(
        kind=locked.kind, text=locked.content, invite=locked.invite, invited_by=invited_by, base_url=base_url
    )
    locked.applied_at = timezone.now()
    locked.save(update_fields=["applied_at"])
    batch.applied_at = locked.applied_at
    return counts
