"""The flags that tell who needs attention, computed in one place from the data.

``prepare`` reads what the flags need from a placement's own check-ins (pages
showing a few placements), ``with_flag_columns`` and ``from_status`` from the
kept-up-to-date PlacementStatus (lists of thousands); ``flags_for`` then says
which flags are up, why, and where to act.
"""

from __future__ import annotations

import datetime
from functools import lru_cache
from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, gettext_noop
from django.utils.translation import gettext as _

from feedback.models import CheckIn, Delivery, PlacementStatus
from innopraksis.converters import fast_reverse
from innopraksis.dates import short_date
from students.models import AgreementState, Cohort, Placement, PlacementState


class FlagKind(models.TextChoices):
    AGREEMENT_OVERDUE = "agreement", gettext_lazy("Agreement overdue")
    CHECKIN_OVERDUE = "checkin", gettext_lazy("Check-in overdue")
    WORKLOAD = "workload", gettext_lazy("Workload")
    RESOURCE = "resource", gettext_lazy("Not feeling like a resource")
    DELIVERY = "delivery", gettext_lazy("Delivery below expectations")
    NO_FOLLOW_UP = "follow_up", gettext_lazy("No follow-up")


# What each kind of viewer is shown: students see the flags they can act on.
STUDENT_FLAGS = {FlagKind.AGREEMENT_OVERDUE, FlagKind.CHECKIN_OVERDUE}


# The reasons, translated when shown (``_say``).
AGREEMENT_DUE = gettext_noop("The expectation agreement was due on %(date)s and is not approved.")
CHECKINS_OVERDUE = gettext_noop("%(count)s check-in(s) past the due date without both answers.")
WORKLOAD_SMALL = gettext_noop(
    "The student finds the workload too small: %(value)s of 5 in the latest check-in (%(date)s)."
)
WORKLOAD_BIG = gettext_noop("The student finds the workload too big: %(value)s of 5 in the latest check-in (%(date)s).")
LITTLE_RESOURCE = gettext_noop(
    "The student feels little like a resource: %(value)s of 5 in the latest check-in (%(date)s)."
)
DELIVERY_BELOW = gettext_noop("The supervisor answered “below expectations” in the last two check-ins.")
QUIET_SINCE_START = gettext_noop("No follow-up or check-in from the supervisor in the %(days)s days since the start.")
QUIET_SINCE = gettext_noop("No follow-up or check-in from the supervisor since %(date)s (%(days)s days).")


class Flag(NamedTuple):
    kind: FlagKind
    reason: str
    url: str

    @property
    def label(self) -> str:
        return self.kind.label


def _say(message: str, language: str | None, **values) -> str:
    """``gettext(message) % values`` in ``language`` (the active one), dates written short; remembered, as
    a list of thousands of placements gives the same few reasons again and again."""
    return _said(message, tuple(sorted(values.items())), language)


@lru_cache(maxsize=8192)
def _said(message: str, values: tuple, language: str | None) -> str:
    written = {key: _date(value) if isinstance(value, datetime.date) else value for key, value in values}
    return _(message) % written if written else _(message)


def status_of(placement: Placement) -> PlacementStatus:
    try:
        return placement.status
    except PlacementStatus.DoesNotExist:
        return PlacementStatus(placement=placement)


def prepare(placement: Placement, *, today: datetime.date, revealed_only: bool) -> Placement:
    """Set what ``flags_for`` reads from the placement's own check-ins and its status, without a
    subquery: for pages that show a few placements and load their check-ins anyway (prefetch
    ``checkins`` and select ``status`` to run no query here). ``revealed_only``: for organisation
    users and students, who may see the other side's answers only once a check-in is revealed."""
    # Only an active placement's check-ins raise flags; the others' are not even loaded.
    active = placement.state == PlacementState.ACTIVE
    checkins = sorted(placement.checkins.all(), key=lambda checkin: checkin.due_on, reverse=True) if active else []

    def visible(checkin: CheckIn, other_answered_at) -> bool:
        return not revealed_only or other_answered_at is not None or checkin.due_on < today

    student = [c for c in checkins if c.student_answered_at and visible(c, c.supervisor_answered_at)]
    supervisor = [c for c in checkins if c.supervisor_answered_at and visible(c, c.student_answered_at)]
    overdue = [
        c for c in reversed(checkins) if c.due_on < today and not (c.student_answered_at and c.supervisor_answered_at)
    ]
    placement.flag_workload = student[0].workload if student else None
    placement.flag_resource = student[0].resource if student else None
    placement.flag_workload_due = student[0].due_on if student else None
    placement.flag_delivery_last = supervisor[0].delivery if supervisor else ""
    placement.flag_delivery_before = supervisor[1].delivery if len(supervisor) > 1 else ""
    placement.flag_overdue_checkins = len(overdue)
    placement.flag_oldest_overdue = overdue[0].pk if overdue else None
    placement.flag_last_followup = status_of(placement).last_followup
    answered = [timezone.localdate(c.supervisor_answered_at) for c in checkins if c.supervisor_answered_at]
    activity = [day for day in (placement.flag_last_followup, max(answered, default=None)) if day is not None]
    placement.flag_last_activity = max(activity, default=None)
    return placement


def from_status(placement: Placement, today: datetime.date) -> Placement:
    """Set what ``flags_for`` reads from PlacementStatus (selected with the placement), for lists
    made by ``with_flag_columns``: coordinators' views, where every answer counts."""
    status = status_of(placement)
    placement.flag_workload = status.latest_workload
    placement.flag_resource = status.latest_resource
    placement.flag_workload_due = status.latest_answer_due
    placement.flag_delivery_last = status.delivery_last
    placement.flag_delivery_before = status.delivery_before
    placement.flag_last_followup = status.last_followup
    placement.flag_last_activity = status.last_supervisor_activity
    placement.flag_overdue_checkins, placement.flag_oldest_overdue = status.overdue_checkins(today)
    return placement


def agreement_deadlines() -> list[int]:
    """The distinct numbers of days before the start that cohorts set as the agreement deadline."""
    return list(Cohort.objects.order_by().values_list("agreement_deadline_days", flat=True).distinct())


def with_flag_columns(
    placements: QuerySet[Placement],
    *,
    today: datetime.date,
    deadlines: list[int] | None = None,
) -> QuerySet[Placement]:
    """One boolean per flag kind (``flag_is_<kind>``) and ``flag_total``, so that lists can filter and
    sort by flags in the database: the same rules as ``flags_for``, read from PlacementStatus (select
    ``status`` and call ``from_status`` on each row before ``flags_for``). One extra query for the
    cohorts' agreement deadlines unless given. For coordinators: the status holds answers whether or
    not the other side may see them yet."""
    deadlines = agreement_deadlines() if deadlines is None else deadlines
    due_passed = Q(pk__in=[])
    for days in deadlines:
        due_passed |= Q(cohort__agreement_deadline_days=days, starts_on__lt=today + datetime.timedelta(days=days))
    active = Q(state=PlacementState.ACTIVE)
    silent_since = today - datetime.timedelta(days=settings.FOLLOW_UP_DAYS)
    # The conditions read the kept-up-to-date PlacementStatus, not the subqueries above, so that
    # filtering and sorting thousands of rows costs no subquery per row.
    placements = placements.annotate(
        flag_quiet_since=Greatest(F("starts_on"), Coalesce("status__last_supervisor_activity", F("starts_on")))
    )
    conditions = {
        FlagKind.AGREEMENT_OVERDUE: Q(state__in=(PlacementState.PLANNED, PlacementState.AGREEMENT))
        & due_passed
        & (Q(agreement__isnull=True) | ~Q(agreement__state=AgreementState.APPROVED)),
        FlagKind.CHECKIN_OVERDUE: active & Q(status__open_checkin_due__lt=today),
        FlagKind.WORKLOAD: active & (Q(status__latest_workload__lte=2) | Q(status__latest_workload__gte=4)),
        FlagKind.RESOURCE: active & Q(status__latest_resource__lte=2),
        FlagKind.DELIVERY: active & Q(status__delivery_last=Delivery.BELOW, status__delivery_before=Delivery.BELOW),
        FlagKind.NO_FOLLOW_UP: active & Q(flag_quiet_since__lt=silent_since),
    }
    columns = {
        f"flag_is_{kind.value}": Case(
            When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
        for kind, condition in conditions.items()
    }
    total = sum(
        (
            Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())
            for condition in conditions.values()
        ),
        start=Value(0),
    )
    return placements.annotate(**columns, flag_total=total)


def flags_for(
    placement: Placement,
    *,
    today: datetime.date | None = None,
    for_student: bool = False,
    urls: bool = True,
    language: str | None = None,
) -> list[Flag]:
    """The flags of a placement after ``prepare`` or ``from_status``; it needs ``cohort`` and ``agreement``
    loaded. A loop over thousands of rows passes the active ``language`` rather than ask for it each time."""
    today = today or timezone.localdate()
    language = language or get_language()
    flags: list[Flag] = []
    pk = placement.pk
    if placement.agreement_is_overdue(today):
        flags.append(
            Flag(
                FlagKind.AGREEMENT_OVERDUE,
                _say(
                    AGREEMENT_DUE,
                    language,
                    date=placement.agreement_due_on,
                ),
                _link(urls, "agreement_detail", pk=pk),
            )
        )
    if placement.state == PlacementState.ACTIVE:
        flags.extend(_active_flags(placement, today, urls, language))
    if for_student:
        flags = [flag for flag in flags if flag.kind in STUDENT_FLAGS]
    return flags


def _active_flags(placement: Placement, today: datetime.date, urls: bool, language: str | None) -> list[Flag]:
    flags = []
    pk = placement.pk
    checkins_url = _link(urls, "checkin_list", pk=pk)
    if placement.flag_overdue_checkins:
        flags.append(
            Flag(
                FlagKind.CHECKIN_OVERDUE,
                _say(
                    CHECKINS_OVERDUE,
                    language,
                    count=placement.flag_overdue_checkins,
                ),
                _link(urls, "checkin_detail", pk=pk, checkin_pk=placement.flag_oldest_overdue),
            )
        )
    workload = placement.flag_workload
    if workload is not None and (workload <= 2 or workload >= 4):
        message = WORKLOAD_SMALL if workload <= 2 else WORKLOAD_BIG
        flags.append(
            Flag(
                FlagKind.WORKLOAD,
                _say(message, language, value=workload, date=placement.flag_workload_due),
                checkins_url,
            )
        )
    if placement.flag_resource is not None and placement.flag_resource <= 2:
        flags.append(
            Flag(
                FlagKind.RESOURCE,
                _say(
                    LITTLE_RESOURCE,
                    language,
                    value=placement.flag_resource,
                    date=placement.flag_workload_due,
                ),
                checkins_url,
            )
        )
    if placement.flag_delivery_last == Delivery.BELOW and placement.flag_delivery_before == Delivery.BELOW:
        flags.append(
            Flag(
                FlagKind.DELIVERY,
                _say(DELIVERY_BELOW, language),
                checkins_url,
            )
        )
    flags.extend(_follow_up_flag(placement, today, urls, language))
    return flags


def _follow_up_flag(placement: Placement, today: datetime.date, urls: bool, language: str | None) -> list[Flag]:
    days = settings.FOLLOW_UP_DAYS
    activity = placement.flag_last_activity
    last = max(placement.starts_on, activity) if activity is not None else placement.starts_on
    if (today - last).days <= days:
        return []
    if activity is None:
        reason = _say(
            QUIET_SINCE_START,
            language,
            days=(today - last).days,
        )
    else:
        reason = _say(
            QUIET_SINCE,
            language,
            date=last,
            days=(today - last).days,
        )
    return [Flag(FlagKind.NO_FOLLOW_UP, reason, _link(urls, "followup_create", pk=placement.pk))]


def _link(urls: bool, name: str, **kwargs) -> str:
    """Where to act on a flag; left out where nobody can follow a link (the CSV export)."""
    return fast_reverse(name, **kwargs) if urls else ""


def _date(day: datetime.date) -> str:
    return short_date(day)
