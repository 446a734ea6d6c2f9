"""The check-in and follow-up columns of each placement's PlacementStatus (``students.models``), and every
column computed from scratch.

The services that change check-ins and follow-ups (``feedback.checkins``, ``feedback.schedule``) call
``status_update`` in their own transaction; ``students.onboarding`` writes the onboarding columns.
``status_recompute`` computes every column from the source rows; the daily ``advance_placements`` runs it
and logs each row it had to correct, which would mean that some write did not update the status.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from feedback.models import CheckIn, FollowUp
from students.models import Placement, PlacementStatus, WaitsFor
from students.onboarding import onboarding_facts

logger = logging.getLogger(__name__)

# Who the earliest open check-in waits for, by (the student has not answered, the organisation has not).
WAITS_FOR = {(True, True): WaitsFor.BOTH, (True, False): WaitsFor.STUDENT, (False, True): WaitsFor.ORGANISATION}


def _empty() -> dict:
    return {
        "latest_answer_due": None,
        "latest_workload": None,
        "latest_resource": None,
        "latest_answer_complete": False,
        "delivery_last": "",
        "delivery_before": "",
        "open_checkins": 0,
        "open_checkin_due": None,
        "open_checkin_waits_for": "",
        "last_followup": None,
        "last_supervisor_activity": None,
    }


def checkin_facts(placement_ids: Iterable[int]) -> dict[int, dict]:
    """The check-in and follow-up columns of these placements' status, from their rows: two queries."""
    facts = {pk: _empty() for pk in placement_ids}
    rows = (
        CheckIn.objects.filter(placement__in=list(facts))
        .order_by("placement_id", "-due_on")
        .values_list(
            "placement_id",
            "due_on",
            "student_answered_at",
            "supervisor_answered_at",
            "student_missed_at",
            "supervisor_missed_at",
            "workload",
            "resource",
            "delivery",
        )
    )
    deliveries: dict[int, list[str]] = {pk: [] for pk in facts}
    answered_on: dict[int, list] = {pk: [] for pk in facts}
    for pk, due_on, student_at, supervisor_at, student_missed, supervisor_missed, workload, resource, delivery in rows:
        row = facts[pk]
        if student_at is not None and row["latest_answer_due"] is None:  # the latest, as rows come newest first
            row.update(
                latest_answer_due=due_on,
                latest_workload=workload,
                latest_resource=resource,
                latest_answer_complete=supervisor_at is not None,
            )
        if supervisor_at is not None:
            deliveries[pk].append(delivery)
            answered_on[pk].append(timezone.localdate(supervisor_at))
        student_waits = student_at is None and student_missed is None
        supervisor_waits = supervisor_at is None and supervisor_missed is None
        if student_waits or supervisor_waits:  # not BOTH_DONE
            row["open_checkins"] += 1
            row["open_checkin_due"] = due_on  # the earliest, as rows come newest first
            row["open_checkin_waits_for"] = WAITS_FOR[student_waits, supervisor_waits]
    followups = FollowUp.objects.filter(placement__in=list(facts)).order_by().values("placement")
    last_followup = dict(followups.annotate(last=Max("happened_on")).values_list("placement", "last"))
    for pk, row in facts.items():
        row["delivery_last"], row["delivery_before"] = (deliveries[pk] + ["", ""])[:2]
        row["last_followup"] = last_followup.get(pk)
        activity = [day for day in (row["last_followup"], *answered_on[pk]) if day is not None]
        row["last_supervisor_activity"] = max(activity, default=None)
    return facts


def status_update(placement_ids: Iterable[int]) -> None:
    """Write the check-in and follow-up columns of these placements' PlacementStatus from their rows."""
    PlacementStatus.objects.write(checkin_facts(placement_ids), PlacementStatus.CHECKIN_FIELDS)


def status_compute(placement_ids: Iterable[int]) -> dict[int, dict]:
    """Every column of these placements' status, computed from scratch."""
    ids = list(placement_ids)
    computed = checkin_facts(ids)
    for pk, values in onboarding_facts(ids).items():
        computed[pk].update(values)
    return computed


FIELDS = PlacementStatus.CHECKIN_FIELDS + PlacementStatus.ONBOARDING_FIELDS


def status_recompute(placement_ids: Iterable[int] | None = None, *, log: bool = True, batch: int = 500) -> int:
    """Compute the status of these placements (all when None) from scratch and store what differs from the
    stored one, logging each placement corrected unless ``log`` is false (after loading rows in bulk, which
    writes no status). Returns how many were corrected."""
    ids = list(Placement.objects.values_list("pk", flat=True) if placement_ids is None else placement_ids)
    corrected = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        with transaction.atomic():
            computed = status_compute(chunk)
            stored = {
                row.pop("placement_id"): row
                for row in PlacementStatus.objects.filter(placement__in=chunk).values("placement_id", *FIELDS)
            }
            empty = {**_empty(), "onboarding_done": 0, "onboarding_total": 0, "open_item_due": None}
            wrong = {pk: values for pk, values in computed.items() if stored.get(pk, empty) != values}
            for pk, values in wrong.items() if log else ():
                before = stored.get(pk, empty)
                logger.warning(
                    "Placement %s: status corrected (%s)",
                    pk,
                    ", ".join(name for name in FIELDS if before[name] != values[name]),
                )
            PlacementStatus.objects.write(wrong, FIELDS)
        corrected += len(wrong)
    return corrected
