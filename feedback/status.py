"""Keeps PlacementStatus up to date: after every saved or deleted check-in, follow-up or onboarding item,
and after a placement's schedule changes. ``refresh`` recomputes from the source rows, so it is always
safe to run again (``advance_placements`` does, daily, for all)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from feedback.models import CheckIn, FollowUp, PlacementStatus
from students.models import OnboardingItem, Placement

FIELDS = [
    "latest_workload",
    "latest_resource",
    "latest_answer_due",
    "delivery_last",
    "delivery_before",
    "open_checkin_due",
    "last_followup",
    "last_supervisor_activity",
    "onboarding_done",
    "onboarding_total",
]


def refresh(placement_ids: Iterable[int]) -> None:
    """Recompute the status of these placements: one query to read, one to write."""
    ids = sorted(set(placement_ids))
    if not ids:
        return
    student = CheckIn.objects.filter(placement=OuterRef("pk"), student_answered_at__isnull=False).order_by("-due_on")
    supervisor = CheckIn.objects.filter(placement=OuterRef("pk"), supervisor_answered_at__isnull=False).order_by(
        "-due_on"
    )
    items = OnboardingItem.objects.filter(placement=OuterRef("pk")).order_by().values("placement")
    rows = Placement.objects.filter(pk__in=ids).annotate(
        s_workload=Subquery(student.values("workload")[:1]),
        s_resource=Subquery(student.values("resource")[:1]),
        s_due=Subquery(student.values("due_on")[:1]),
        s_delivery_last=Subquery(supervisor.values("delivery")[:1]),
        s_delivery_before=Subquery(supervisor.values("delivery")[1:2]),
        s_open=Subquery(
            CheckIn.objects.filter(placement=OuterRef("pk"))
            .filter(Q(student_answered_at__isnull=True) | Q(supervisor_answered_at__isnull=True))
            .order_by("due_on")
            .values("due_on")[:1]
        ),
        s_followup=Subquery(
            FollowUp.objects.filter(placement=OuterRef("pk"))
            .order_by()
            .values("placement")
            .annotate(last=Max("happened_on"))
            .values("last")
        ),
        s_supervisor_answer=TruncDate(
            Subquery(
                CheckIn.objects.filter(placement=OuterRef("pk"), supervisor_answered_at__isnull=False)
                .order_by("-supervisor_answered_at")
                .values("supervisor_answered_at")[:1]
            )
        ),
        s_done=Coalesce(Subquery(items.filter(done_at__isnull=False).annotate(n=Count("pk")).values("n")), 0),
        s_total=Coalesce(Subquery(items.annotate(n=Count("pk")).values("n")), 0),
    )
    statuses = []
    for row in rows:
        activities = [day for day in (row.s_followup, row.s_supervisor_answer) if day is not None]
        statuses.append(
            PlacementStatus(
                placement_id=row.pk,
                latest_workload=row.s_workload,
                latest_resource=row.s_resource,
                latest_answer_due=row.s_due,
                delivery_last=row.s_delivery_last or "",
                delivery_before=row.s_delivery_before or "",
                open_checkin_due=row.s_open,
                last_followup=row.s_followup,
                last_supervisor_activity=max(activities) if activities else None,
                onboarding_done=row.s_done,
                onboarding_total=row.s_total,
            )
        )
    PlacementStatus.objects.bulk_create(
        statuses, update_conflicts=True, unique_fields=["placement"], update_fields=FIELDS
    )


def refresh_all(batch: int = 1000) -> int:
    ids = list(Placement.objects.values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        refresh(ids[start : start + batch])
    return len(ids)


@receiver([post_save, post_delete], sender=CheckIn)
@receiver([post_save, post_delete], sender=FollowUp)
@receiver([post_save, post_delete], sender=OnboardingItem)
def _changed(sender, instance, **kwargs):
    if isinstance(kwargs.get("origin"), Placement):
        return  # the placement itself is being deleted, and its status with it
    refresh([instance.placement_id])
