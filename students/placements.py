"""A placement's lifecycle: planned → agreement → active → completed; cancelled from any live state.

``placement_move`` is the one place a state changes: it checks the move is allowed and says why when it is
not. Starting and completing a placement also depend on its check-ins and evaluations, so those moves are
made in ``feedback.lifecycle``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from students import agreements
from students.models import CachedFigures, ExpectationAgreement, Placement, PlacementState, Side

ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    PlacementState.PLANNED: {PlacementState.AGREEMENT, PlacementState.CANCELLED},
    PlacementState.AGREEMENT: {PlacementState.ACTIVE, PlacementState.CANCELLED},
    PlacementState.ACTIVE: {PlacementState.COMPLETED, PlacementState.CANCELLED},
    PlacementState.COMPLETED: set(),
    PlacementState.CANCELLED: set(),
}


@transaction.atomic
def placement_move(*, placement: Placement, to: PlacementState) -> Placement:
    """Move the placement to ``to``, if its current state (read under a lock) allows it."""
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
    CachedFigures.objects.clear(cohorts=[locked.cohort_id])
    placement.state, placement.state_changed_at = locked.state, locked.state_changed_at
    return placement


@transaction.atomic
def placement_create(*, form) -> Placement:
    """Place a student with an organisation in a cohort, from a validated PlacementForm."""
    placement = form.save()
    CachedFigures.objects.clear(cohorts=[placement.cohort_id])
    return placement


@transaction.atomic
def placement_start_agreement(*, placement: Placement) -> Placement:
    """The expectation agreement is opened: both parties are asked to fill in their part."""
    placement_move(placement=placement, to=PlacementState.AGREEMENT)
    agreement, _created = ExpectationAgreement.objects.get_or_create(placement=placement)
    for side in Side:
        agreements.notify(
            agreement, event="opened", recipients=agreements.people_acting_for(agreement.placement, side), side=side
        )
    return placement


def placement_cancel(*, placement: Placement) -> Placement:
    return placement_move(placement=placement, to=PlacementState.CANCELLED)
