"""A placement's check-ins and evaluations: scheduled when it starts, following its dates and its cohort's
cadence from then on."""

from __future__ import annotations

import datetime

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from feedback.models import CheckIn, Evaluation, EvaluationKind
from feedback.status import status_update
from students.models import SCHEDULED_STATES, Placement, Side


def checkin_dates(placement: Placement) -> list[datetime.date]:
    """Every cadence days from the start, up to and including the end date."""
    cadence = datetime.timedelta(days=placement.cohort.checkin_cadence_days)
    dates, day = [], placement.starts_on + cadence
    while day <= placement.ends_on:
        dates.append(day)
        day += cadence
    return dates


def evaluation_dates(placement: Placement) -> dict[str, datetime.date]:
    middle = placement.starts_on + (placement.ends_on - placement.starts_on) / 2
    return {EvaluationKind.MIDTERM: middle, EvaluationKind.FINAL: placement.ends_on}


@transaction.atomic
def schedule_sync(*, placement: Placement) -> None:
    """Make the placement's check-ins and evaluations follow its dates and its cohort's cadence, and its
    status follow its check-ins.

    Check-ins that nobody has answered move with the schedule; answered ones
    are kept whatever happens to the dates. Only started placements have a
    schedule.
    """
    if placement.state not in SCHEDULED_STATES:
        return
    wanted = set(checkin_dates(placement))
    existing = {checkin.due_on: checkin for checkin in CheckIn.objects.filter(placement=placement)}
    unanswered = [
        checkin
        for due_on, checkin in existing.items()
        if due_on not in wanted and checkin.student_answered_at is None and checkin.supervisor_answered_at is None
    ]
    CheckIn.objects.filter(pk__in=[checkin.pk for checkin in unanswered]).exclude(messages__isnull=False).delete()
    bulk_create_with_history(
        [CheckIn(placement=placement, due_on=day) for day in sorted(wanted - existing.keys())], CheckIn
    )
    for kind, due_on in evaluation_dates(placement).items():
        for side in Side:
            evaluation, created = Evaluation.objects.get_or_create(
                placement=placement, kind=kind, side=side, defaults={"due_on": due_on}
            )
            if not created and evaluation.answered_at is None and evaluation.due_on != due_on:
                evaluation.due_on = due_on
                evaluation.save(update_fields=["due_on"])
    status_update([placement.pk])


def final_evaluations_in(placement: Placement) -> bool:
    """Whether both sides have given their final evaluation."""
    answered = Evaluation.objects.filter(
        placement=placement, kind=EvaluationKind.FINAL, answered_at__isnull=False
    ).values_list("side", flat=True)
    return set(answered) == set(Side.values)
