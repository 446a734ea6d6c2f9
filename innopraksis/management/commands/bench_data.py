"""A large data set for the benchmark, written in bulk: one cohort at the scale of a national programme.

Not demo data: the people are numbered, the answers spread so that flags fire
on some placements. Meant for an empty database (``make bench`` makes one).
"""

from __future__ import annotations

import datetime
import random

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from feedback.models import CheckIn, Delivery, Evaluation, FollowUp
from feedback.status import status_recompute
from innopraksis.models import User
from orgs.models import Membership, MembershipRole, Organisation
from orgs.validators import org_number_check_digit
from students.models import (
    AgreementState,
    Cohort,
    ExpectationAgreement,
    ItemOwner,
    OnboardingItem,
    Placement,
    PlacementState,
    Practice,
    Student,
)

PASSWORD = "bench-password-1"  # noqa: S105 (benchmark data only)


def org_number(seed: int) -> str:
    base = 810000000 // 10 + seed * 13
    while org_number_check_digit(str(base)) is None:
        base += 1
    return f"{base}{org_number_check_digit(str(base))}"


class Command(BaseCommand):
    help = "Create the benchmark's data set in bulk: organisations, students, placements, agreements, check-ins."

    def add_arguments(self, parser):
        parser.add_argument("--organisations", type=int, default=200)
        parser.add_argument("--placements", type=int, default=5000)
        parser.add_argument("--checkins", type=int, default=10, help="Check-ins per placement.")

    def handle(self, *args, organisations: int, placements: int, checkins: int, **options):
        with transaction.atomic():
            self.load(organisations, placements, checkins)
        if connection.vendor == "postgresql":
            # Fresh statistics, as autovacuum would gather them on a live database after bulk loads.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(
            f"Benchmark data: {organisations} organisations, {placements} placements, "
            f"{CheckIn.objects.count()} check-ins."
        )

    def load(self, organisations: int, placements: int, checkins: int) -> None:
        rng = random.Random(2023)  # noqa: S311 (reproducible spread, not security)
        today = timezone.localdate()
        start = today - datetime.timedelta(days=7 * 2 * checkins + 7)
        cohort = Cohort.objects.create(
            name=f"Benchmark {today:%Y-%m-%d}", starts_on=start, ends_on=start + datetime.timedelta(days=7 * 40)
        )
        password = make_password(PASSWORD)
        orgs = Organisation.objects.bulk_create(
            Organisation(name=f"Organisasjon {n:03d}", org_number=org_number(n)) for n in range(organisations)
        )
        supervisors = User.objects.bulk_create(
            User(email=f"veileder{n:03d}@bench.example", full_name=f"Veileder {n:03d}", password=password)
            for n in range(organisations)
        )
        Membership.objects.bulk_create(
            Membership(user=user, organisation=org, role=MembershipRole.MAIN_CONTACT)
            for user, org in zip(supervisors, orgs, strict=True)
        )
        coordinator = User.objects.create(
            email="koordinator@bench.example", full_name="Koordinator", password=password, is_coordinator=True
        )
        TOTP.activate(coordinator, generate_totp_secret())  # coordinators have a second factor
        users = User.objects.bulk_create(
            User(email=f"student{n:05d}@bench.example", full_name=f"Student {n:05d}", password=password)
            for n in range(placements)
        )
        students = Student.objects.bulk_create(Student(user=user, internship_course="INP3001") for user in users)
        rows = Placement.objects.bulk_create(
            Placement(
                cohort=cohort,
                student=student,
                organisation=orgs[n % organisations],
                starts_on=start,
                ends_on=cohort.ends_on,
                state=PlacementState.ACTIVE if n % 20 else PlacementState.AGREEMENT,
                work_days=[2, 4],
            )
            for n, student in enumerate(students)
        )
        Placement.supervisors.through.objects.bulk_create(
            Placement.supervisors.through(placement=placement, user=supervisors[n % organisations])
            for n, placement in enumerate(rows)
        )
        approved = timezone.make_aware(
            datetime.datetime.combine(start - datetime.timedelta(days=20), datetime.time(12))
        )
        ExpectationAgreement.objects.bulk_create(
            ExpectationAgreement(
                placement=placement,
                state=AgreementState.APPROVED if placement.state == PlacementState.ACTIVE else AgreementState.DRAFT,
                approved_at=approved if placement.state == PlacementState.ACTIVE else None,
                student_wants="Erfaring",
            )
            for placement in rows
        )
        OnboardingItem.objects.bulk_create(
            OnboardingItem(
                placement=placement,
                position=position,
                practice=practice,
                owner=ItemOwner.SUPERVISOR,
                due_on=start + datetime.timedelta(days=7 * position),
                done_at=approved if rng.random() < 0.7 else None,
            )
            for placement in rows
            for position, practice in enumerate(Practice.values, start=1)
        )
        answered = timezone.now()
        CheckIn.objects.bulk_create(
            (
                CheckIn(
                    placement=placement,
                    due_on=start + datetime.timedelta(days=14 * (n + 1)),
                    workload=rng.choices([1, 2, 3, 4, 5], [2, 8, 70, 15, 5])[0],
                    resource=rng.choices([1, 2, 3, 4, 5], [2, 6, 22, 45, 25])[0],
                    learning=rng.randint(3, 5),
                    safe_to_ask="yes",
                    student_answered_at=answered if n < checkins - 1 or rng.random() < 0.8 else None,
                    delivery=rng.choices([Delivery.BELOW, Delivery.MEETS, Delivery.ABOVE], [8, 80, 12])[0],
                    feedback_given="Bra",
                    supervisor_answered_at=answered if n < checkins - 1 or rng.random() < 0.8 else None,
                )
                for placement in rows
                if placement.state == PlacementState.ACTIVE
                for n in range(checkins)
            ),
            batch_size=5000,
        )
        # Check-ins still to come, for the benchmark's student form and its answers.
        CheckIn.objects.bulk_create(
            (
                CheckIn(placement=placement, due_on=today + datetime.timedelta(days=n))
                for placement in rows
                if placement.state == PlacementState.ACTIVE
                for n in range(2)
            ),
            batch_size=5000,
        )
        FollowUp.objects.bulk_create(
            FollowUp(
                placement=placement,
                author=supervisors[n % organisations],
                kind="meeting",
                happened_on=today - datetime.timedelta(days=rng.randint(1, 40)),
                note="Statusmøte",
            )
            for n, placement in enumerate(rows)
            if rng.random() < 0.8
        )
        Evaluation.objects.bulk_create(
            Evaluation(placement=placement, kind=kind, side=side, due_on=cohort.ends_on)
            for placement in rows
            for kind in ("midterm", "final")
            for side in ("student", "organisation")
        )
        status_recompute(log=False)  # rows written in bulk wrote no status
