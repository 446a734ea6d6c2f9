"""Reminders: each person is e-mailed what is due soon or overdue for them, and chased while it stays late.

A thing is reminded of when it falls due (REMINDER_LEAD_DAYS before its date), chased after the cohort's
``chaser_days`` past its date, and a last time after ``last_chaser_days``; each of these goes to each person
once. A person who chose a daily or weekly digest gets what is new for them at most once a (calendar) day or
week.

Safe to run from cron on several servers at once: the person's row is locked while their reminders are
claimed, and a reminder is claimed by inserting a row under a unique constraint, so when two runs meet, the
database lets one of them have it. The claim and the e-mail are written in one transaction per person and
the e-mail is sent by the background worker (innopraksis.outbox), which retries it until the mail server
takes it.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback import todos
from feedback.models import Reminder, ReminderNow, ReminderStage
from innopraksis.mail import absolute_url, may_remind_by_hand, refuse_if_reminded_lately, send_templated_mail
from innopraksis.models import ReminderDigest, User
from students.agreements import people_acting_for
from students.models import Cohort, Placement, PlacementState, Side

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Due:
    key: str
    recipient: User
    what: str  # a lazy translation, rendered in the recipient's language
    student: str
    organisation: str
    due_on: datetime.date
    path: str
    stage: int = ReminderStage.DUE


def stage_on(cohort: Cohort, due_on: datetime.date, today: datetime.date) -> ReminderStage | None:
    """Which reminder a thing due on ``due_on`` has come to today (None: not yet one)."""
    late = (today - due_on).days
    if late >= cohort.last_chaser_days:
        return ReminderStage.LAST
    if late >= cohort.chaser_days:
        return ReminderStage.CHASER
    if late >= -settings.REMINDER_LEAD_DAYS:
        return ReminderStage.DUE
    return None


def collect(today: datetime.date) -> list[Due]:
    """Everything due within REMINDER_LEAD_DAYS or overdue, per person who should act, at the reminder it has
    come to.

    The same to-dos as on the home pages (feedback.todos), for every live
    placement: a fixed number of queries, plus one per placement with
    something due for the people who act for it.
    """
    placements = list(
        Placement.objects.filter(state__in=(PlacementState.AGREEMENT, PlacementState.ACTIVE)).select_related(
            "cohort", "agreement", "student__user", "organisation"
        )
    )
    todos.load(placements, today)
    dues = []
    for placement in placements:
        for side in Side:
            due_now = [
                (todo, stage)
                for todo in todos.todos_for(placement, side, today)
                if (stage := stage_on(placement.cohort, todo.due_on, today)) is not None
            ]
            if not due_now:
                continue
            names = placement.student.user.get_full_name(), placement.organisation.name
            dues += [
                Due(todo.key, person, todo.what, *names, todo.due_on, todo.path, stage)
                for person in people_acting_for(placement, side)
                if person.is_active
                for todo, stage in due_now
            ]
    return dues


def _claim(due: Due) -> bool:
    """Record that this reminder goes out; False when it went out before or another run has it."""
    try:
        with transaction.atomic():
            Reminder.objects.create(key=due.key, recipient=due.recipient, stage=due.stage)
    except IntegrityError:
        return False
    return True


def digest_waits(person: User, today: datetime.date) -> bool:
    """Whether a person on a daily or weekly digest had a reminder already this (local) day or this week."""
    if person.reminder_digest == ReminderDigest.EACH:
        return False
    last = Reminder.objects.filter(recipient=person).values_list("created_at", flat=True).first()
    if last is None:
        return False
    then = timezone.localdate(last)
    if person.reminder_digest == ReminderDigest.DAILY:
        return then == today
    return then.isocalendar()[:2] == today.isocalendar()[:2]


def send(*, today: datetime.date | None = None, dry_run: bool = False) -> list[Due]:
    """Write each person one e-mail with what is newly due for them, or late enough to chase, unless their
    digest waits; returns what was (or would be) sent. The e-mails are sent by the background worker."""
    today = today or timezone.localdate()
    dues = collect(today)
    sent = Reminder.objects.filter(key__in={due.key for due in dues}).values_list("key", "recipient_id", "stage")
    already = set(sent)
    dues = [due for due in dues if (due.key, due.recipient.pk, due.stage) not in already]
    if dry_run:
        people = {due.recipient.pk: due.recipient for due in dues}.values()
        waiting = {person.pk for person in people if digest_waits(person, today)}
        return [due for due in dues if due.recipient.pk not in waiting]
    by_person: dict[int, list[Due]] = defaultdict(list)
    for due in dues:
        by_person[due.recipient.pk].append(due)
    written = []
    for items in by_person.values():
        person = items[0].recipient
        with transaction.atomic():
            User.objects.select_for_update().filter(pk=person.pk).first()  # one run at a time for a person
            if digest_waits(person, today):
                continue
            claimed = [due for due in items if _claim(due)]
            if claimed:
                _mail(person, claimed, today)
        written += claimed
    return written


def _mail(person: User, items: list[Due], today: datetime.date, *, sent_by: User | None = None) -> None:
    """One e-mail with these items, written for the worker to send."""
    send_templated_mail(
        to=person.email,
        template="reminder",
        language=person.language,
        context={
            "person": person,
            "today": today,
            "sent_by": sent_by.get_full_name() if sent_by else "",
            "items": [
                {
                    "what": item.what,
                    "student": item.student,
                    "organisation": item.organisation,
                    "due_on": item.due_on,
                    "overdue": item.due_on < today,
                    "last": item.stage == ReminderStage.LAST,
                    "link": absolute_url(item.path),
                }
                for item in sorted(items, key=lambda item: item.due_on)
            ],
        },
    )


def late_todos(placement: Placement, today: datetime.date) -> dict[str, list[todos.Todo]]:
    """What each party of the placement is late with, earliest first; read as ``todos.todos_for`` reads."""
    late = {side: [todo for todo in todos.todos_for(placement, side, today) if todo.is_overdue(today)] for side in Side}
    return {side: items for side, items in late.items() if items}


def may_remind_again(latest: ReminderNow | None, now: datetime.datetime) -> bool:
    """Whether a party whose latest reminder by hand is ``latest`` may be reminded by hand now."""
    return may_remind_by_hand(latest and latest.sent_at, now)


@transaction.atomic
def reminder_send_now(*, placement: Placement, side: str, user: User, today: datetime.date) -> ReminderNow:
    """A coordinator reminds a party, by hand, of everything it is late with: each person acting for that party
    gets one e-mail, and the reminder is recorded with what it was about, who sent it and when.

    Refused when the party was reminded by hand lately (two coordinators pressing at once included: the
    placement's row is locked while this runs), when nothing is late, and when nobody can receive it."""
    Placement.objects.select_for_update().get(pk=placement.pk)  # one coordinator at a time
    latest = ReminderNow.objects.filter(placement=placement, side=side).first()
    refuse_if_reminded_lately(latest and latest.sent_at, timezone.now())
    todos.load([placement], today)
    late = late_todos(placement, today).get(side)
    if not late:
        raise ValidationError(_("Nothing is late for them any more, so no reminder was sent."), code="not_late")
    recipients = [person for person in people_acting_for(placement, side) if person.is_active]
    if not recipients:
        raise ValidationError(
            _("Nobody can receive the reminder: no one with an active account acts for them. Invite them first."),
            code="no_recipient",
        )
    names = placement.student.user.get_full_name(), placement.organisation.name
    for person in recipients:
        dues = [Due(todo.key, person, todo.what, *names, todo.due_on, todo.path) for todo in late]
        _mail(person, dues, today, sent_by=user)
    return ReminderNow.objects.create(placement=placement, side=side, keys=[todo.key for todo in late], sent_by=user)
