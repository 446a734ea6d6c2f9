"""The flags that say which placement needs attention and why, each defined once.

A flag is a condition on a placement's row (the placement, its agreement and cohort, and its
PlacementStatus), written as a Q so that the database decides it for every list, filters and sorts by it;
``with_flags`` annotates ``flag_<kind>`` for each flag and ``flag_count``. ``flags_of`` turns those columns
into what a page shows: the flag, its reason in words from the same row, and where to act on it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback.models import Delivery, Workload, checkin_overdue, checkin_revealed, unread_messages
from students.models import AgreementState, Placement, PlacementState, WaitsFor, agreement_overdue


class FlagKind(models.TextChoices):
    AGREEMENT_OVERDUE = "agreement", gettext_lazy("Agreement overdue")
    CHECKIN_OVERDUE = "checkin", gettext_lazy("Check-in overdue")
    WORKLOAD = "workload", gettext_lazy("Workload")
    RESOURCE = "resource", gettext_lazy("Not feeling like a resource")
    DELIVERY = "delivery", gettext_lazy("Delivery below expectations")
    NO_FOLLOW_UP = "follow_up", gettext_lazy("No follow-up")
    MESSAGE = "message", gettext_lazy("New message")


@dataclass(frozen=True)
class Viewpoint:
    """Whose page the flags are for, and on which day: organisation members see the student's answers only
    once a check-in is revealed, and students are shown the flags they act on; a coordinator (``reader``)
    is also shown the student's messages they have not read."""

    today: datetime.date
    organisation: bool = False
    student: bool = False
    reader: int | None = None


class Flag(NamedTuple):
    kind: FlagKind
    reason: str
    url: str
    yours: bool = False  # the reader's own party (or, for a coordinator, the coordinators) must act on it

    @property
    def label(self) -> str:
        return self.kind.label


@dataclass(frozen=True)
class Rule:
    """A flag: when it is up (a condition on a placement's row), why, in words written from the values the
    row holds under ``reads``, and the page where it is acted on."""

    kind: FlagKind
    condition: Callable[[Viewpoint], Q]
    reads: tuple[str, ...]
    reason: Callable[..., str]  # (viewpoint, *the values of ``reads``) -> words
    acted_on: Callable[[Viewpoint], str]  # the URL name of where to act, for the viewer
    shown_to_students: bool = False
    # Whether the reader's party must act: (viewpoint, *the values of ``reads``) -> bool. By default the
    # organisation acts (on answers about workload, resource, delivery and follow-up).
    yours: Callable[..., bool] = lambda view, *values: view.organisation


ACTIVE = Q(state=PlacementState.ACTIVE)


def _day(day: datetime.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def _latest_answer_seen(view: Viewpoint) -> Q:
    """The student's latest answer, as the viewer may see it."""
    if not view.organisation:
        return Q()
    return checkin_revealed(
        view.today, due_on="status__latest_answer_due", both_answered=Q(status__latest_answer_complete=True)
    )


def _quiet(view: Viewpoint) -> Q:
    """No follow-up or check-in answer from the supervisor for FOLLOW_UP_DAYS, counted from the start."""
    since = view.today - datetime.timedelta(days=settings.FOLLOW_UP_DAYS)
    return (
        ACTIVE
        & Q(starts_on__lt=since)
        & (Q(status__last_supervisor_activity__isnull=True) | Q(status__last_supervisor_activity__lt=since))
    )


def _quiet_reason(view: Viewpoint, starts_on: datetime.date, activity: datetime.date | None) -> str:
    if activity is None or activity < starts_on:
        days = (view.today - starts_on).days
        return _("No follow-up or check-in from the supervisor in the %(days)s days since the start.") % {"days": days}
    return _("No follow-up or check-in from the supervisor since %(date)s (%(days)s days).") % {
        "date": _day(activity),
        "days": (view.today - activity).days,
    }


def _checkins(view: Viewpoint) -> str:
    return "checkin_list"


def _agreement_waits_for(state, student_done, org_done, student_signed, org_signed) -> tuple[bool, bool]:
    """Whether the late agreement waits for (the student, the organisation); neither when it waits for a
    coordinator (to open it, or to approve it)."""
    if state is None or state == AgreementState.SIGNED:
        return False, False
    if state == AgreementState.SIGNING:
        return student_signed is None, org_signed is None
    return student_done is None, org_done is None


def _checkin_waits_for(waits_for: str) -> tuple[bool, bool]:
    return waits_for in (WaitsFor.BOTH, WaitsFor.STUDENT), waits_for in (WaitsFor.BOTH, WaitsFor.ORGANISATION)


def _readers_party(view: Viewpoint, student: bool, organisation: bool) -> bool:
    """Whether the reader is one of those a flag waits for (a coordinator: when it waits for neither party)."""
    if view.student:
        return student
    if view.organisation:
        return organisation
    return not (student or organisation)


def _waiting_for(view: Viewpoint, student: bool, organisation: bool) -> str:
    """Who must act, as the reader reads it: "you" for the reader's own party. A row not yet written with
    whom it waits for (neither) reads as both."""
    if student == organisation:
        return _("both the student and the organisation")
    if student:
        return _("you") if view.student else _("the student")
    return _("you") if view.organisation else _("the organisation")


def _agreement_reason(view: Viewpoint, due, state, student_done, org_done, student_signed, org_signed) -> str:
    """Why the agreement is late, and who it waits for."""
    late = _("The expectation agreement was due on %(date)s and is not approved.") % {"date": _day(due)}
    student, organisation = _agreement_waits_for(state, student_done, org_done, student_signed, org_signed)
    if state is None:
        waits = _("The coordinator has not opened it yet.")
    elif state == AgreementState.SIGNED:
        waits = _("It waits for a coordinator to approve it.")
    elif state == AgreementState.SIGNING:
        waits = _("It waits for a signature from %(who)s.") % {"who": _waiting_for(view, student, organisation)}
    else:
        waits = _("It waits for a finished part from %(who)s.") % {"who": _waiting_for(view, student, organisation)}
    return f"{late} {waits}"


def _checkin_reason(view: Viewpoint, due, waits_for: str) -> str:
    student, organisation = _checkin_waits_for(waits_for)
    return _("The check-in due %(date)s is not answered: it waits for an answer from %(who)s.") % {
        "date": _day(due),
        "who": _waiting_for(view, student, organisation),
    }


RULES: tuple[Rule, ...] = (
    Rule(
        FlagKind.AGREEMENT_OVERDUE,
        lambda view: agreement_overdue(view.today),
        (
            "agreement_due",
            "agreement__state",
            "agreement__student_completed_at",
            "agreement__org_completed_at",
            "agreement__student_signed_at",
            "agreement__org_signed_at",
        ),
        _agreement_reason,
        lambda view: "agreement_detail",
        shown_to_students=True,
        yours=lambda view, _due, *agreement: _readers_party(view, *_agreement_waits_for(*agreement)),
    ),
    Rule(
        FlagKind.CHECKIN_OVERDUE,
        lambda view: ACTIVE & checkin_overdue(view.today, due_on="status__open_checkin_due", unanswered=Q()),
        ("status__open_checkin_due", "status__open_checkin_waits_for"),
        _checkin_reason,
        _checkins,
        shown_to_students=True,
        yours=lambda view, _due, waits_for: _readers_party(view, *_checkin_waits_for(waits_for)),
    ),
    Rule(
        FlagKind.WORKLOAD,
        lambda view: (
            ACTIVE & _latest_answer_seen(view) & (Q(status__latest_workload__lte=2) | Q(status__latest_workload__gte=4))
        ),
        ("status__latest_workload", "status__latest_answer_due"),
        lambda view, workload, due: (
            _("The student answered “%(answer)s” on workload in the latest check-in (%(date)s).")
            % {"answer": Workload(workload).label, "date": _day(due)}
        ),
        _checkins,
    ),
    Rule(
        FlagKind.RESOURCE,
        lambda view: ACTIVE & _latest_answer_seen(view) & Q(status__latest_resource__lte=2),
        ("status__latest_resource", "status__latest_answer_due"),
        lambda view, resource, due: (
            _("The student feels little like a resource: %(value)s of 5 in the latest check-in (%(date)s).")
            % {"value": resource, "date": _day(due)}
        ),
        _checkins,
    ),
    Rule(
        FlagKind.DELIVERY,
        lambda view: ACTIVE & Q(status__delivery_last=Delivery.BELOW, status__delivery_before=Delivery.BELOW),
        (),
        lambda view: _("The supervisor answered “below expectations” in the last two check-ins."),
        _checkins,
    ),
    Rule(
        FlagKind.NO_FOLLOW_UP,
        _quiet,
        ("starts_on", "status__last_supervisor_activity"),
        _quiet_reason,
        lambda view: "followup_create" if view.organisation else "checkin_list",
    ),
    Rule(
        FlagKind.MESSAGE,
        lambda view: Q(unread_messages(view.reader, from_student=True)) if view.reader else Q(pk__in=[]),
        (),
        lambda view: _("The student has written to the coordinators; nobody has read it here yet."),
        lambda view: "conversation",
        yours=lambda view: True,
    ),
)

# Everything ``flags_of`` reads of a row, for lists read as plain values.
READS = ("pk", *(f"flag_{rule.kind.value}" for rule in RULES), *{name for rule in RULES for name in rule.reads})


def _column(condition: Q) -> models.Case:
    return models.Case(models.When(condition, then=True), default=False, output_field=models.BooleanField())


def condition(kind: FlagKind, view: Viewpoint) -> Q:
    """When the flag of ``kind`` is up, on a query annotated ``with_agreement_due``."""
    return next(rule for rule in RULES if rule.kind == kind).condition(view)


def with_flags(placements: QuerySet[Placement], view: Viewpoint) -> QuerySet[Placement]:
    """The placements with ``flag_<kind>`` for each flag, decided by the database, and what ``flags_of`` reads
    to say why: in the same query, whatever the number of rows."""
    columns = {f"flag_{rule.kind.value}": _column(rule.condition(view)) for rule in RULES}
    return placements.with_agreement_due().select_related("cohort", "agreement", "status").annotate(**columns)


def count(view: Viewpoint) -> models.Expression:
    """How many flags are up on a placement (on a query annotated ``with_agreement_due``), to sort by."""
    return sum(
        (models.Case(models.When(rule.condition(view), then=1), default=0) for rule in RULES),
        start=models.Value(0),
    )


def _value(row, lookup: str):
    """``row[lookup]`` of a row read as values, or the attribute path of a placement (``status__x`` is
    ``placement.status.x``; None where a related row does not exist)."""
    if isinstance(row, Mapping):
        return row[lookup]
    for name in lookup.split("__"):
        row = getattr(row, name, None)
    return row


def flags_of(row, view: Viewpoint, *, urls: bool = True) -> list[Flag]:
    """The flags up on a row of ``with_flags`` (a placement, or its values with ``READS``), each with its
    reason and, unless ``urls`` is false (for an export), a link to where it is acted on."""
    flags = []
    for rule in RULES:
        if not _value(row, f"flag_{rule.kind.value}") or (view.student and not rule.shown_to_students):
            continue
        values = [_value(row, name) for name in rule.reads]
        flags.append(
            Flag(
                rule.kind,
                rule.reason(view, *values),
                reverse(rule.acted_on(view), kwargs={"pk": _value(row, "pk")}) if urls else "",
                rule.yours(view, *values),
            )
        )
    return flags
