"""Reminders: each person is e-mailed what is due soon or overdue for them, each thing once.

Safe to run from cron on several servers at once: a reminder is claimed by
inserting a row under a unique constraint before it is sent, so when two runs
meet, the database lets one of them have it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from feedback.models import CheckIn, Evaluation, EvaluationKind, Reminder
from innopraksis.mail import absolute_url, send_templated_mail
from innopraksis.models import User
from students.models import (
    AgreementState,
    ExpectationAgreement,
    ItemOwner,
    OnboardingItem,
    PlacementState,
    Practice,
    Side,
)
from students.services import people_acting_for

LIVE = (PlacementState.AGREEMENT, PlacementState.ACTIVE)


@dataclass(frozen=True)
class Due:
    key: str
    recipient: User
    what: str  # a lazy translation, rendered in the recipient's language
    student: str
    organisation: str
    due_on: datetime.date
    path: str


def _agreement_dues(horizon: datetime.date) -> list[Due]:
    dues = []
    agreements = ExpectationAgreement.objects.exclude(state=AgreementState.APPROVED).filter(
        placement__state=PlacementState.AGREEMENT
    )
    for agreement in agreements.select_related(
        "placement__cohort", "placement__student__user", "placement__organisation"
    ):
        placement = agreement.placement
        if placement.agreement_due_on > horizon:
            continue
        for side in Side:
            completed = agreement.completed_at(side) is not None
            signed = (agreement.student_signed_at if side == Side.STUDENT else agreement.org_signed_at) is not None
            if not completed:
                key, what = f"agreement-part:{agreement.pk}:{side}", _("Fill in your part of the expectation agreement")
                path = reverse("agreement_part", kwargs={"pk": placement.pk, "side": side})
            elif agreement.state == AgreementState.SIGNING and not signed:
                key, what = f"agreement-sign:{agreement.pk}:{side}", _("Sign the expectation agreement")
                path = reverse("agreement_sign", kwargs={"pk": placement.pk})
            else:
                continue
            dues += [
                Due(key, person, what, *_names(placement), placement.agreement_due_on, path)
                for person in people_acting_for(placement, side)
            ]
    return dues


def _names(placement) -> tuple[str, str]:
    return placement.student.user.get_full_name(), placement.organisation.name


OWNER_SIDES = {ItemOwner.STUDENT: [Side.STUDENT], ItemOwner.SUPERVISOR: [Side.ORGANISATION], ItemOwner.BOTH: list(Side)}


def _onboarding_dues(horizon: datetime.date) -> list[Due]:
    dues = []
    items = OnboardingItem.objects.filter(done_at__isnull=True, due_on__lte=horizon, placement__state__in=LIVE)
    for item in items.select_related("placement__student__user", "placement__organisation"):
        placement = item.placement
        path = reverse("onboarding_checklist", kwargs={"pk": placement.pk})
        # Lazy, so that each recipient reads it in their own language.
        what = format_lazy("{}: {}", _("Onboarding"), item.title or Practice(item.practice).label)
        for side in OWNER_SIDES[item.owner]:
            dues += [
                Due(f"onboarding:{item.pk}", person, what, *_names(placement), item.due_on, path)
                for person in people_acting_for(placement, side)
            ]
    return dues


def _checkin_dues(horizon: datetime.date) -> list[Due]:
    dues = []
    checkins = CheckIn.objects.filter(due_on__lte=horizon, placement__state=PlacementState.ACTIVE)
    for checkin in checkins.select_related("placement__student__user", "placement__organisation"):
        placement = checkin.placement
        path = reverse("checkin_detail", kwargs={"pk": placement.pk, "checkin_pk": checkin.pk})
        for side in Side:
            if checkin.answered_by_side(side):
                continue
            dues += [
                Due(
                    f"checkin:{checkin.pk}:{side}",
                    person,
                    _("Answer the check-in"),
                    *_names(placement),
                    checkin.due_on,
                    path,
                )
                for person in people_acting_for(placement, side)
            ]
    return dues


def _evaluation_dues(horizon: datetime.date) -> list[Due]:
    dues = []
    evaluations = Evaluation.objects.filter(
        due_on__lte=horizon, answered_at__isnull=True, placement__state=PlacementState.ACTIVE
    )
    for evaluation in evaluations.select_related("placement__student__user", "placement__organisation"):
        placement = evaluation.placement
        path = reverse("evaluation_detail", kwargs={"pk": placement.pk, "kind": evaluation.kind})
        dues += [
            Due(
                f"evaluation:{evaluation.pk}",
                person,
                EvaluationKind(evaluation.kind).label,
                *_names(placement),
                evaluation.due_on,
                path,
            )
            for person in people_acting_for(placement, evaluation.side)
        ]
    return dues


def collect(today: datetime.date) -> list[Due]:
    """Everything due within REMINDER_LEAD_DAYS or overdue, per person who should act."""
    horizon = today + datetime.timedelta(days=settings.REMINDER_LEAD_DAYS)
    dues = _agreement_dues(horizon) + _onboarding_dues(horizon) + _checkin_dues(horizon) + _evaluation_dues(horizon)
    return [due for due in dues if due.recipient.is_active]


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
        if _claim(due):
            by_person[due.recipient.pk].append(due)
    for items in by_person.values():
        person = items[0].recipient
        send_templated_mail(
            to=person.email,
            template="reminder",
            language=person.language,
            context={
                "person": person,
                "today": today,
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
    return [item for items in by_person.values() for item in items]
