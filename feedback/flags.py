"""The flags that tell who needs attention, computed in one place from the data.

``annotate`` adds what the flags need to a placement queryset as subqueries
(one query for any number of placements); ``flags_for`` reads a placement so
annotated and says which flags are up, why, and where to act.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback.models import CheckIn, Delivery, FollowUp
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


@dataclass(frozen=True)
class Flag:
    kind: FlagKind
    reason: str
    url: str

    @property
    def label(self) -> str:
        return self.kind.label


def _answered_student(revealed_only: bool, today: datetime.date) -> QuerySet:
    checkins = CheckIn.objects.filter(placement=OuterRef("pk"), student_answered_at__isnull=False)
    if revealed_only:
        checkins = checkins.filter(Q(supervisor_answered_at__isnull=False) | Q(due_on__lt=today))
    return checkins.order_by("-due_on")


def _answered_supervisor(revealed_only: bool, today: datetime.date) -> QuerySet:
    checkins = CheckIn.objects.filter(placement=OuterRef("pk"), supervisor_answered_at__isnull=False)
    if revealed_only:
        checkins = checkins.filter(Q(student_answered_at__isnull=False) | Q(due_on__lt=today))
    return checkins.order_by("-due_on")


def annotate(placements: QuerySet[Placement], *, today: datetime.date, revealed_only: bool) -> QuerySet[Placement]:
    """Add the data the flags read. ``revealed_only``: for organisation users and students, who may
    only see the other side's answers once a check-in is revealed."""
    student = _answered_student(revealed_only, today)
    supervisor = _answered_supervisor(revealed_only, today)
    overdue = (
        CheckIn.objects.filter(placement=OuterRef("pk"), due_on__lt=today)
        .filter(Q(student_answered_at__isnull=True) | Q(supervisor_answered_at__isnull=True))
        .order_by()
        .values("placement")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return placements.annotate(
        flag_workload=Subquery(student.values("workload")[:1]),
        flag_resource=Subquery(student.values("resource")[:1]),
        flag_workload_due=Subquery(student.values("due_on")[:1]),
        flag_delivery_last=Subquery(supervisor.values("delivery")[:1]),
        flag_delivery_before=Subquery(supervisor.values("delivery")[1:2]),
        flag_overdue_checkins=Coalesce(Subquery(overdue), 0),
        flag_oldest_overdue=Subquery(
            CheckIn.objects.filter(placement=OuterRef("pk"), due_on__lt=today)
            .filter(Q(student_answered_at__isnull=True) | Q(supervisor_answered_at__isnull=True))
            .order_by("due_on")
            .values("pk")[:1]
        ),
        flag_last_followup=Subquery(
            FollowUp.objects.filter(placement=OuterRef("pk"))
            .order_by()
            .values("placement")
            .annotate(last=Max("happened_on"))
            .values("last")
        ),
        flag_last_supervisor_checkin=Subquery(
            CheckIn.objects.filter(placement=OuterRef("pk"), supervisor_answered_at__isnull=False)
            .order_by("-supervisor_answered_at")
            .values("supervisor_answered_at")[:1]
        ),
    )


def agreement_deadlines() -> list[int]:
    """The distinct numbers of days before the start that cohorts set as the agreement deadline."""
    return list(Cohort.objects.order_by().values_list("agreement_deadline_days", flat=True).distinct())


def with_flag_columns(
    placements: QuerySet[Placement],
    *,
    today: datetime.date,
    revealed_only: bool = False,
    deadlines: list[int] | None = None,
) -> QuerySet[Placement]:
    """``annotate`` plus one boolean per flag kind (``flag_is_<kind>``) and ``flag_total``, so that lists
    can filter and sort by flags in the database: the same rules as ``flags_for``, read from
    PlacementStatus. One extra query for the cohorts' agreement deadlines. For coordinators: the
    status holds answers whether or not the other side may see them yet."""
    placements = annotate(placements, today=today, revealed_only=revealed_only)
    deadlines = agreement_deadlines() if deadlines is None else deadlines
    due_passed = Q(pk__in=[])
    for days in deadlines:
        due_passed |= Q(cohort__agreement_deadline_days=days, starts_on__lt=today + datetime.timedelta(days=days))
    active = Q(state=PlacementState.ACTIVE)
    silent_since = today - datetime.timedelta(days=settings.FOLLOW_UP_DAYS)
    # The conditions read the kept-up-to-date PlacementStatus, not the subqueries above, so that
    # filtering and sorting thousands of rows costs no subquery per row.
    placements = placements.annotate(
        flag_last_activity=Greatest(F("starts_on"), Coalesce("status__last_supervisor_activity", F("starts_on")))
    )
    conditions = {
        FlagKind.AGREEMENT_OVERDUE: Q(state__in=(PlacementState.PLANNED, PlacementState.AGREEMENT))
        & due_passed
        & (Q(agreement__isnull=True) | ~Q(agreement__state=AgreementState.APPROVED)),
        FlagKind.CHECKIN_OVERDUE: active & Q(status__open_checkin_due__lt=today),
        FlagKind.WORKLOAD: active & (Q(status__latest_workload__lte=2) | Q(status__latest_workload__gte=4)),
        FlagKind.RESOURCE: active & Q(status__latest_resource__lte=2),
        FlagKind.DELIVERY: active & Q(status__delivery_last=Delivery.BELOW, status__delivery_before=Delivery.BELOW),
        FlagKind.NO_FOLLOW_UP: active & Q(flag_last_activity__lt=silent_since),
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


def flags_for(placement: Placement, *, today: datetime.date | None = None, for_student: bool = False) -> list[Flag]:
    """The flags of a placement from ``annotate``; it needs ``cohort`` and ``agreement`` loaded."""
    today = today or timezone.localdate()
    flags: list[Flag] = []
    pk = placement.pk
    if placement.agreement_is_overdue(today):
        flags.append(
            Flag(
                FlagKind.AGREEMENT_OVERDUE,
                _("The expectation agreement was due on %(date)s and is not approved.")
                % {"date": _date(placement.agreement_due_on)},
                reverse("agreement_detail", kwargs={"pk": pk}),
            )
        )
    if placement.state == PlacementState.ACTIVE:
        flags.extend(_active_flags(placement, today))
    if for_student:
        flags = [flag for flag in flags if flag.kind in STUDENT_FLAGS]
    return flags


def _active_flags(placement: Placement, today: datetime.date) -> list[Flag]:
    flags = []
    pk = placement.pk
    checkins_url = reverse("checkin_list", kwargs={"pk": pk})
    if placement.flag_overdue_checkins:
        flags.append(
            Flag(
                FlagKind.CHECKIN_OVERDUE,
                _("%(count)s check-in(s) past the due date without both answers.")
                % {"count": placement.flag_overdue_checkins},
                reverse("checkin_detail", kwargs={"pk": pk, "checkin_pk": placement.flag_oldest_overdue}),
            )
        )
    workload = placement.flag_workload
    if workload is not None and (workload <= 2 or workload >= 4):
        reason = (
            _("The student finds the workload too small: %(value)s of 5 in the latest check-in (%(date)s).")
            if workload <= 2
            else _("The student finds the workload too big: %(value)s of 5 in the latest check-in (%(date)s).")
        )
        flags.append(
            Flag(
                FlagKind.WORKLOAD,
                reason % {"value": workload, "date": _date(placement.flag_workload_due)},
                checkins_url,
            )
        )
    if placement.flag_resource is not None and placement.flag_resource <= 2:
        flags.append(
            Flag(
                FlagKind.RESOURCE,
                _("The student feels little like a resource: %(value)s of 5 in the latest check-in (%(date)s).")
                % {"value": placement.flag_resource, "date": _date(placement.flag_workload_due)},
                checkins_url,
            )
        )
    if placement.flag_delivery_last == Delivery.BELOW and placement.flag_delivery_before == Delivery.BELOW:
        flags.append(
            Flag(
                FlagKind.DELIVERY,
                _("The supervisor answered “below expectations” in the last two check-ins."),
                checkins_url,
            )
        )
    flags.extend(_follow_up_flag(placement, today))
    return flags


def _follow_up_flag(placement: Placement, today: datetime.date) -> list[Flag]:
    days = settings.FOLLOW_UP_DAYS
    last_checkin = placement.flag_last_supervisor_checkin
    candidates = [placement.starts_on, placement.flag_last_followup]
    if last_checkin is not None:
        candidates.append(timezone.localdate(last_checkin))
    last = max(day for day in candidates if day is not None)
    if (today - last).days <= days:
        return []
    if last == placement.starts_on and placement.flag_last_followup is None and last_checkin is None:
        reason = _("No follow-up or check-in from the supervisor in the %(days)s days since the start.") % {
            "days": (today - last).days
        }
    else:
        reason = _("No follow-up or check-in from the supervisor since %(date)s (%(days)s days).") % {
            "date": _date(last),
            "days": (today - last).days,
        }
    return [Flag(FlagKind.NO_FOLLOW_UP, reason, reverse("followup_create", kwargs={"pk": placement.pk}))]


def _date(day: datetime.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")
