"""Placement lifecycle: planned → agreement → active → completed; cancelled from any live state.

Each transition is one function that checks the move is allowed and says why
when it is not.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from students.models import Placement, PlacementState

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
