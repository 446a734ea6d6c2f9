"""Reminders: each person is e-mailed what is due soon or overdue for them, each thing once.

Safe to run from cron on several servers at once: a reminder is claimed by
inserting a row under a unique constraint, so when two runs meet, the database
lets one of them have it. The claim and the sending are one transaction per
person: a mail the server did not take leaves no claim, so the next run sends
it, and one person's failure does not stop the others.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback import todos
from feedback.models import Reminder, ReminderNow
from innopraksis.mail import absolute_url, may_remind_by_hand, refuse_if_reminded_lately, send_templated_mail
from innopraksis.models import User
from students.agreements import people_acting_for
from students.models import Placement, PlacementState, Side

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


def collect(today: datetime.date) -> list[Due]:
    """Everything due within REMINDER_LEAD_DAYS or overdue, per person who should act.

    The same to-dos as on the home pages (feedback.todos), for every live
    placement: a fixed number of queries, plus one per placement with
    something due for the people who act for it.
    """
    horizon = today + datetime.timedelta(days=settings.REMINDER_LEAD_DAYS)
    placements = list(
        Placement.objects.filter(state__in=(PlacementState.AGREEMENT, PlacementState.ACTIVE)).select_related(
            "cohort", "agreement", "student__user", "organisation"
        )
    )
    todos.load(placements, today)
    dues = []
    for placement in placements:
        for side in Side:
            due_now = [todo for todo in todos.todos_for(placement, side, today) if todo.due_on <= horizon]
            if not due_now:
                continue
            names = placement.student.user.get_full_name(), placement.organisation.name
            dues += [
                Due(todo.key, person, todo.what, *names, todo.due_on, todo.path)
                for person in people_acting_for(placement, side)
                if person.is_active
                for todo in due_now
            ]
    return dues


def _claim(due: Due) -> bool:
    """Record that this reminder goes out; False when it went out before or another run has it."""
    try:
        with transaction.atomic():
            Reminder.objects.create(key=due.key, recipient=due.recipient)
    except IntegrityError:
        return False
    return True


def send(*, today: datetime.date | None = None, dry_run: bool = False) -> list[Due]:
    """Send each person one e-mail with what is newly due for them; returns what was (or would be) sent."""
    today = today or timezone.localdate()
    dues = collect(today)
    if dry_run:
        sent = Reminder.objects.filter(key__in={due.key for due in dues}).values_list("key", "recipient_id")
        already = set(sent)
        return [due for due in dues if (due.key, due.recipient.pk) not in already]
    by_person: dict[int, list[Due]] = defaultdict(list)
    for due in dues:
        by_person[due.recipient.pk].append(due)
    sent = []
    for items in by_person.values():
        person = items[0].recipient
        try:
            with transaction.atomic():
                claimed = [due for due in items if _claim(due)]
                if claimed:
                    _mail(person, claimed, today)
        except MAIL_FAILURES:
            logger.warning("Reminder to user %s not sent; it is tried again on the next run.", person.pk, exc_info=True)
            continue
        sent += claimed
    return sent


# What a mail server that is down or refuses a message raises.
MAIL_FAILURES = (smtplib.SMTPException, OSError)


def _mail(person: User, items: list[Due], today: datetime.date, *, sent_by: User | None = None) -> None:
    """One e-mail with these items, handed to the mail server at once (a failure raises)."""
    send_templated_mail(
        now=True,
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
