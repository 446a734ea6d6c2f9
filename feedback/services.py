"""Check-ins, follow-ups and evaluations: the schedule, and each side's answers.

Each function is one transaction; mail goes out when it commits.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from feedback import status
from feedback.models import CheckIn, CoordinatorNote, Evaluation, EvaluationKind, FollowUp
from innopraksis.models import User
from innopraksis.once import save_once
from students.models import Placement, PlacementState, Side

SCHEDULED_STATES = (PlacementState.ACTIVE, PlacementState.COMPLETED)


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
    """Make the placement's check-ins and evaluations follow its dates and its cohort's cadence.

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
    CheckIn.objects.filter(pk__in=[checkin.pk for checkin in unanswered]).exclude(
        coordinator_note__isnull=False
    ).delete()
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
    status.refresh([placement.pk])  # the bulk-created check-ins sent no signals


def _check_answers(instance, names: tuple[str, ...]) -> None:
    """Validate the answers just set. The rest of the row did not change, and the person answering is the
    one signed in, so no other field, foreign key or uniqueness needs checking (nor a query) again."""
    others = [field.name for field in instance._meta.concrete_fields if field.name not in names]
    instance.full_clean(exclude=others, validate_unique=False, validate_constraints=False)


def _refuse_second_answer(answered_at) -> None:
    if answered_at is not None:
        raise ValidationError(_("This has already been answered."), code="answered")


STUDENT_ANSWERS = ("workload", "resource", "learning", "safe_to_ask", "goes_well", "to_adjust")
SUPERVISOR_ANSWERS = ("delivery", "feedback_given", "workload_adjustment")
EVALUATION_ANSWERS = ("value", "win_win", "worked", "change", "host_again")


def _set_answers(row, answers: dict, names: tuple[str, ...]) -> None:
    for name in names:
        if name in answers:
            setattr(row, name, answers[name])


@transaction.atomic(savepoint=False)
def checkin_answer_student(
    *, checkin: CheckIn, user: User, answers: dict, note: str = "", locked: bool = False
) -> CheckIn:
    """The student's side, and their note to the coordinator kept apart from it. ``locked``: the caller
    read ``checkin`` with ``select_for_update`` in the transaction this runs in (``access.get_checkin_for``)."""
    locked_checkin = checkin if locked else CheckIn.objects.select_for_update().get(pk=checkin.pk)
    _refuse_second_answer(locked_checkin.student_answered_at)
    _set_answers(locked_checkin, answers, STUDENT_ANSWERS)
    locked_checkin.student_answered_at = timezone.now()
    _check_answers(locked_checkin, STUDENT_ANSWERS)
    locked_checkin.save(update_fields=[*STUDENT_ANSWERS, "student_answered_at"])
    if note.strip():
        CoordinatorNote.objects.create(checkin=locked_checkin, text=note.strip())
    return locked_checkin


@transaction.atomic(savepoint=False)
def checkin_answer_supervisor(*, checkin: CheckIn, user: User, answers: dict, locked: bool = False) -> CheckIn:
    """The organisation's side; ``locked`` as for ``checkin_answer_student``."""
    locked_checkin = checkin if locked else CheckIn.objects.select_for_update().get(pk=checkin.pk)
    _refuse_second_answer(locked_checkin.supervisor_answered_at)
    _set_answers(locked_checkin, answers, SUPERVISOR_ANSWERS)
    locked_checkin.supervisor_answered_at, locked_checkin.supervisor_answered_by = timezone.now(), user
    _check_answers(locked_checkin, SUPERVISOR_ANSWERS)
    locked_checkin.save(update_fields=[*SUPERVISOR_ANSWERS, "supervisor_answered_at", "supervisor_answered_by"])
    return locked_checkin


def followup_log(*, placement: Placement, user: User, form) -> FollowUp:
    """Log a follow-up; the same form submitted twice logs it once."""
    followup = form.save(commit=False)
    followup.placement, followup.author = placement, user
    return save_once(followup, form.cleaned_data.get("once"))[0]


@transaction.atomic
def evaluation_answer(
    *, evaluation: Evaluation, user: User, answers: dict, today: datetime.date | None = None
) -> Evaluation:
    """One side's evaluation; the last final evaluation after the end date completes the placement."""
    locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    _refuse_second_answer(locked.answered_at)
    _set_answers(locked, answers, EVALUATION_ANSWERS)
    locked.answered_at, locked.answered_by = timezone.now(), user
    _check_answers(locked, EVALUATION_ANSWERS)
    locked.save()
    placement = locked.placement
    if locked.kind == EvaluationKind.FINAL and final_evaluations_in(placement):
        today = today or timezone.localdate()
        if placement.state == PlacementState.ACTIVE and placement.ends_on < today:
            from students.services import placement_complete  # students' lifecycle calls into this app

            placement_complete(placement=placement, today=today)
    return locked


def final_evaluations_in(placement: Placement) -> bool:
    answered = Evaluation.objects.filter(
        placement=placement, kind=EvaluationKind.FINAL, answered_at__isnull=False
    ).values_list("side", flat=True)
    return set(answered) == set(Side.values)
