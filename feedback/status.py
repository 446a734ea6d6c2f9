"""Keeps PlacementStatus up to date: after every saved or deleted check-in, follow-up or onboarding item,
and after a placement's schedule changes. ``refresh`` recomputes from the source rows, so it is always
safe to run again (``advance_placements`` does, daily, for all).

Every such change, and every change to a placement, its agreement, evaluations, question time or
supervisors, its student (or a supervisor's name), organisation or cohort, also gives the placements
concerned a new status token (which retires the home page rows kept for them, ``innopraksis.views``)
and their cohorts a new DashboardStamp (which retires the dashboard's figures, order and rows kept
before it, ``feedback.views``)."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable

from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import Q, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from feedback.models import CheckIn, DashboardStamp, Evaluation, FollowUp, PlacementStatus
from innopraksis.models import User
from orgs.models import Organisation
from students.models import Cohort, ExpectationAgreement, OfficeHour, OnboardingItem, Placement, Student

FIELDS = [
    "token",
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
    "open_checkins",
    "open_items",
]


# One row per placement, every value by subquery. Written out rather than built with the ORM: this runs
# after every saved answer, and plain standard SQL costs nothing to compile (SQLite and PostgreSQL).
STATUS_SQL = """
SELECT p.id, p.cohort_id,
  (SELECT c.workload FROM {checkin} c WHERE c.placement_id = p.id AND c.student_answered_at IS NOT NULL
     ORDER BY c.due_on DESC LIMIT 1),
  (SELECT c.resource FROM {checkin} c WHERE c.placement_id = p.id AND c.student_answered_at IS NOT NULL
     ORDER BY c.due_on DESC LIMIT 1),
  (SELECT c.due_on FROM {checkin} c WHERE c.placement_id = p.id AND c.student_answered_at IS NOT NULL
     ORDER BY c.due_on DESC LIMIT 1),
  (SELECT c.delivery FROM {checkin} c WHERE c.placement_id = p.id AND c.supervisor_answered_at IS NOT NULL
     ORDER BY c.due_on DESC LIMIT 1),
  (SELECT c.delivery FROM {checkin} c WHERE c.placement_id = p.id AND c.supervisor_answered_at IS NOT NULL
     ORDER BY c.due_on DESC LIMIT 1 OFFSET 1),
  (SELECT MIN(c.due_on) FROM {checkin} c WHERE c.placement_id = p.id
     AND (c.student_answered_at IS NULL OR c.supervisor_answered_at IS NULL)),
  (SELECT MAX(f.happened_on) FROM {followup} f WHERE f.placement_id = p.id),
  (SELECT MAX(c.supervisor_answered_at) FROM {checkin} c WHERE c.placement_id = p.id),
  (SELECT COUNT(*) FROM {item} i WHERE i.placement_id = p.id AND i.done_at IS NOT NULL),
  (SELECT COUNT(*) FROM {item} i WHERE i.placement_id = p.id),
  (SELECT {concat}(CAST(c.due_on AS TEXT) || ':' || CAST(c.id AS TEXT), ',') FROM {checkin} c
     WHERE c.placement_id = p.id AND (c.student_answered_at IS NULL OR c.supervisor_answered_at IS NULL)),
  (SELECT {concat}(CAST(i.due_on AS TEXT), ',') FROM {item} i WHERE i.placement_id = p.id AND i.done_at IS NULL)
FROM {placement} p WHERE {where}
"""
# The one word that differs: the aggregate joining strings.
CONCAT = {"postgresql": "string_agg", "sqlite": "group_concat"}

# On PostgreSQL the status of one placement, which every saved answer asks for, is parsed and planned
# once per database connection (a prepared statement) instead of on every answer: that took longer
# than running it. Prepared statements last as long as the connection, whatever its transactions do.
PREPARED = "feedback_placement_status"


@receiver(connection_created)
def _new_connection(sender, connection, **kwargs):
    connection.placement_status_prepared = False


def _status_rows(ids: list[int]) -> list[tuple]:
    def sql(where: str) -> str:
        return STATUS_SQL.format(
            checkin=CheckIn._meta.db_table,
            followup=FollowUp._meta.db_table,
            item=OnboardingItem._meta.db_table,
            placement=Placement._meta.db_table,
            concat=CONCAT[connection.vendor],
            where=where,
        )

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(ids) == 1:
            if not getattr(connection, "placement_status_prepared", False):
                cursor.execute(f"PREPARE {PREPARED}(bigint) AS {sql('p.id = $1')}")
                connection.placement_status_prepared = True
            cursor.execute(f"EXECUTE {PREPARED}(%s)", ids)
        else:
            cursor.execute(sql(f"p.id IN ({', '.join(['%s'] * len(ids))})"), ids)
        return cursor.fetchall()


def _day(value) -> datetime.date | None:
    """A date read by plain SQL: SQLite gives the text of a computed date column."""
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value[:10])


def _local_day(value) -> datetime.date | None:
    """The local date of a timestamp read by plain SQL (SQLite gives naive UTC text)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime.datetime) else parse_datetime(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return timezone.localdate(moment)


def refresh(placement_ids: Iterable[int]) -> None:
    """Recompute the status of these placements from their rows: one query to read, one to write (and one
    for their cohorts' dashboard stamps)."""
    ids = sorted(set(placement_ids))
    if not ids:
        return
    rows = _status_rows(ids)
    statuses = []
    cohorts = set()
    for pk, cohort, workload, resource, due, last, before, open_due, followup, answered, done, total, *open_ in rows:
        open_checkins, open_items = (",".join(sorted((listed or "").split(","))).strip(",") for listed in open_)
        cohorts.add(cohort)
        followup = _day(followup)
        activities = [day for day in (followup, _local_day(answered)) if day is not None]
        statuses.append(
            (  # placement, then FIELDS
                pk,
                uuid.uuid4(),
                workload,
                resource,
                _day(due),
                last or "",
                before or "",
                _day(open_due),
                followup,
                max(activities) if activities else None,
                done,
                total,
                open_checkins,
                open_items,
            )
        )
    _upsert(PlacementStatus, ["placement", *FIELDS], statuses)
    stamp(cohorts)


def stamp(cohort_ids: Iterable[int | None]) -> None:
    """Give these cohorts a new dashboard stamp: one query."""
    ids = sorted({pk for pk in cohort_ids if pk is not None})
    if ids:
        _upsert(DashboardStamp, ["cohort", "token"], [(pk, uuid.uuid4()) for pk in ids])


def _upsert(model, names: list[str], rows: list[tuple], batch: int = 500) -> None:
    """Insert these rows (values in the order of ``names``), or update every column but the first, the
    unique key, where a row with that key exists. Written out rather than by ``bulk_create``, whose
    compiling cost more than the statement on every saved answer; the SQL is the same for SQLite and
    PostgreSQL."""
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    columns = [quote(field.column) for field in fields]
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    updates = ", ".join(f"{column} = excluded.{column}" for column in columns[1:])
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            params = [
                field.get_db_prep_save(value, connection)
                for row in chunk
                for field, value in zip(fields, row, strict=True)
            ]
            cursor.execute(
                f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608 (names from the model)
                f"VALUES {', '.join([row_sql] * len(chunk))} "
                f"ON CONFLICT ({columns[0]}) DO UPDATE SET {updates}",
                params,
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
    if _deleted_with(kwargs, Placement):
        return  # the placement itself is being deleted, and its status with it
    refresh([instance.placement_id])


def touch(placements: QuerySet[Placement]) -> None:
    """Something shown about these placements changed, other than what ``refresh`` reads: new tokens for
    them, new stamps for their cohorts. Three queries, whatever their number."""
    cohorts = list(placements.order_by().values_list("cohort_id", flat=True).distinct())
    PlacementStatus.objects.filter(placement__in=placements.order_by().values("pk")).update(token=uuid.uuid4())
    stamp(cohorts)


def _deleted_with(kwargs, *models) -> bool:
    """Whether a row goes because one of these (its placement, say) is being deleted, which already tells."""
    return isinstance(kwargs.get("origin"), models)


@receiver([post_save, post_delete], sender=Placement)
def _placement_changed(sender, instance, **kwargs):
    refresh([instance.pk])  # creates a new placement's status; nothing for a deleted one
    # Whether an organisation returns depends on its other placements: their rows change too (three
    # queries however many they are); this also stamps their cohorts, and the one the placement left.
    organisations = {instance.organisation_id, getattr(instance, "loaded_organisation_id", None)} - {None}
    touch(Placement.objects.filter(organisation__in=organisations))
    stamp([instance.cohort_id, getattr(instance, "loaded_cohort_id", None)])


@receiver([post_save, post_delete], sender=ExpectationAgreement)
@receiver([post_save, post_delete], sender=Evaluation)
@receiver([post_save, post_delete], sender=OfficeHour)
def _placement_part_changed(sender, instance, **kwargs):
    if _deleted_with(kwargs, Placement, Cohort, Student, Organisation):
        return
    touch(Placement.objects.filter(pk=instance.placement_id))


@receiver(post_save, sender=Student)
@receiver(post_save, sender=Organisation)
@receiver(post_save, sender=Cohort)
def _placed_with_changed(sender, instance, **kwargs):
    field = {Student: "student", Organisation: "organisation", Cohort: "cohort"}[sender]
    touch(Placement.objects.filter(**{field: instance}))


# Saving these alone changes nothing any page shows of a student's placements.
UNSHOWN_USER_FIELDS = {"last_login", "password", "calendar_token", "language"}


@receiver(post_save, sender=User)
def _person_changed(sender, instance, update_fields=None, **kwargs):
    if update_fields and set(update_fields) <= UNSHOWN_USER_FIELDS:
        return
    # Their name shows on the placements they are the student of, and those they supervise.
    touch(Placement.objects.filter(Q(student__user=instance) | Q(supervisors=instance)).distinct())


@receiver(m2m_changed, sender=Placement.supervisors.through)
def _supervisors_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """The supervisors listed on a placement changed (from either side of the relation)."""
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            touch(Placement.objects.filter(pk=instance.pk))
    elif action == "pre_clear":
        instance._cleared_placements = list(instance.supervised_placements.values_list("pk", flat=True))
    elif action in ("post_add", "post_remove", "post_clear"):
        ids = pk_set if action != "post_clear" else getattr(instance, "_cleared_placements", [])
        touch(Placement.objects.filter(pk__in=list(ids or [])))
