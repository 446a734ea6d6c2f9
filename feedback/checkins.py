"""Each side's answers to check-ins and evaluations, and the supervisors' follow-ups.

Each function is one transaction, and writes the placement's status (``feedback.status``) in it.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback.conversation import message_write
from feedback.lifecycle import placement_complete
from feedback.models import CheckIn, Evaluation, EvaluationKind, FollowUp
from feedback.schedule import final_evaluations_in
from feedback.status import status_update
from innopraksis.models import User
from innopraksis.once import save_once
from students.models import Placement, PlacementState


def _check_answers(instance, names: tuple[str, ...]) -> None:
    """Validate the answers just set. The rest of the row did not change, and the person answering is the
    one signed in, so no other field, foreign key or uniqueness needs checking (nor a query) again."""
    others = [field.name for field in instance._meta.concrete_fields if field.name not in names]
    instance.full_clean(exclude=others, validate_unique=False, validate_constraints=False)


def _refuse_second_answer(answered_at, missed_at=None) -> None:
    if answered_at is not None:
        raise ValidationError(_("This has already been answered."), code="answered")
    if missed_at is not None:
        raise ValidationError(
            _("This check-in was closed when a later one was answered; answer the latest one instead."),
            code="missed",
        )


STUDENT_ANSWERS = ("workload", "resource", "learning", "safe_to_ask", "goes_well", "to_adjust")
SUPERVISOR_ANSWERS = ("delivery", "feedback_given", "workload_adjustment")
EVALUATION_ANSWERS = ("value", "win_win", "worked", "change", "host_again")


def _close_earlier(checkin: CheckIn, *, answered: str, missed: str) -> None:
    """The side that answered ``checkin`` is done with the earlier, overdue check-ins it left unanswered: they
    are closed as missed (and kept), so that one answer brings the side up to date. One still within its due
    date stays open (with a weekly cadence the next opens before the last is due)."""
    CheckIn.objects.filter(
        placement_id=checkin.placement_id,
        due_on__lt=min(checkin.due_on, timezone.localdate()),
        **{f"{answered}__isnull": True, f"{missed}__isnull": True},
    ).update(**{missed: getattr(checkin, answered)})


def _set_answers(row, answers: dict, names: tuple[str, ...]) -> None:
    for name in names:
        if name in answers:
            setattr(row, name, answers[name])


@transaction.atomic(savepoint=False)
def checkin_answer_student(
    *, checkin: CheckIn, user: User, answers: dict, note: str = "", locked: bool = False
) -> CheckIn:
    """The student's side; answering closes the student's older overdue check-ins as missed. Their note to
    the coordinator, kept apart from the answers, opens or continues their
    private conversation (``feedback.conversation``). ``locked``: the caller
    read ``checkin`` with ``select_for_update`` in the transaction this runs in (``access.get_checkin_for``)."""
    locked_checkin = checkin if locked else CheckIn.objects.select_for_update().get(pk=checkin.pk)
    _refuse_second_answer(locked_checkin.student_answered_at, locked_checkin.student_missed_at)
    _set_answers(locked_checkin, answers, STUDENT_ANSWERS)
    locked_checkin.student_answered_at = timezone.now()
    _check_answers(locked_checkin, STUDENT_ANSWERS)
    locked_checkin.save(update_fields=[*STUDENT_ANSWERS, "student_answered_at"])
    _close_earlier(locked_checkin, answered="student_answered_at", missed="student_missed_at")
    if note.strip():
        message_write(placement=locked_checkin.placement, user=user, text=note, checkin=locked_checkin)
    status_update([locked_checkin.placement_id])
    return locked_checkin


@transaction.atomic(savepoint=False)
def checkin_answer_supervisor(*, checkin: CheckIn, user: User, answers: dict, locked: bool = False) -> CheckIn:
    """The organisation's side; answering closes its older overdue check-ins as missed. ``locked`` as for
    ``checkin_answer_student``."""
    locked_checkin = checkin if locked else CheckIn.objects.select_for_update().get(pk=checkin.pk)
    _refuse_second_answer(locked_checkin.supervisor_answered_at, locked_checkin.supervisor_missed_at)
    _set_answers(locked_checkin, answers, SUPERVISOR_ANSWERS)
    locked_checkin.supervisor_answered_at, locked_checkin.supervisor_answered_by = timezone.now(), user
    _check_answers(locked_checkin, SUPERVISOR_ANSWERS)
    locked_checkin.save(update_fields=[*SUPERVISOR_ANSWERS, "supervisor_answered_at", "supervisor_answered_by"])
    _close_earlier(locked_checkin, answered="supervisor_answered_at", missed="supervisor_missed_at")
    status_update([locked_checkin.placement_id])
    return locked_checkin


@transaction.atomic
def followup_log(
    *,
    placement: Placement,
    user: User,
    kind: str,
    happened_on: datetime.date,
    note: str,
    shared_with_student: bool = False,
    key: str | None = None,
) -> FollowUp:
    """Log a follow-up; a second submit of the same form (the same ``key``) logs it once."""
    followup = FollowUp(
        placement=placement,
        author=user,
        kind=kind,
        happened_on=happened_on,
        note=note,
        shared_with_student=shared_with_student,
    )
    followup, _created = save_once(followup, key)
    status_update([placement.pk])
    return followup


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
            placement_complete(placement=placement, today=today)
    return locked
