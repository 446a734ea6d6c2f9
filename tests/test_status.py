"""The read model: every placement's PlacementStatus, written by the services that change its sources.

Whatever people do, in whatever order, the status that the services wrote equals the status computed from
scratch, and the dashboard's cached figures are cleared by whatever changed them; the daily run corrects
(and logs) any status row where it would not.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
from dataclasses import asdict

import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from feedback import checkins, dashboard, lifecycle
from feedback.models import CheckIn
from feedback.status import FIELDS, status_compute, status_recompute
from orgs.models import Membership, Organisation
from students import onboarding, placements
from students.forms import CohortForm, OnboardingItemForm, PlacementForm
from students.models import (
    AgreementState,
    CachedFigures,
    Cohort,
    ExpectationAgreement,
    OnboardingItem,
    Placement,
    PlacementState,
    PlacementStatus,
    Student,
)
from tests.conftest import make_user

TODAY = datetime.datetime(2023, 3, 1, 12, 0)
SPRING = (datetime.date(2023, 1, 9), datetime.date(2023, 6, 16))
SUMMER = (datetime.date(2023, 1, 16), datetime.date(2023, 8, 18))
PLACEMENTS = 3


def stored(placement_ids) -> dict[int, dict]:
    """The stored status of each placement; a placement without a row has the empty one."""
    rows = {row.pop("placement_id"): row for row in PlacementStatus.objects.values("placement_id", *FIELDS)}
    empty = {name: PlacementStatus._meta.get_field(name).get_default() for name in FIELDS}
    return {pk: rows.get(pk, empty) for pk in placement_ids}


index = st.integers(min_value=0, max_value=PLACEMENTS - 1)
# Every kind of thing people do that changes what a placement's status is computed from.
operations = st.one_of(
    st.tuples(st.just("answer_student"), index, st.integers(0, 12), st.integers(1, 5), st.integers(1, 5)),
    st.tuples(st.just("answer_supervisor"), index, st.integers(0, 12), st.sampled_from(["below", "meets", "above"])),
    st.tuples(st.just("follow_up"), index, st.integers(0, 60)),
    st.tuples(st.just("tick"), index, st.integers(0, 7), st.booleans()),
    st.tuples(st.just("add_item"), index, st.integers(-10, 40)),
    st.tuples(st.just("dates"), index, st.integers(0, 3), st.integers(4, 20)),
    st.tuples(st.just("cadence"), st.integers(0, 1), st.sampled_from([7, 10, 14, 21])),
    st.tuples(st.just("cancel"), index),
    st.tuples(st.just("move"), index),
)


class StatusTests(TestCase):
    def setUp(self):
        self.clock = time_machine.travel(TODAY, tick=False)
        self.clock.start()
        self.cohorts = [
            Cohort.objects.create(name=name, starts_on=start, ends_on=end)
            for name, (start, end) in (("Våren 2023", SPRING), ("Sommeren 2023", SUMMER))
        ]
        for cohort in self.cohorts:
            onboarding.cohort_add_default_template(cohort=cohort)
        self.organisation = Organisation.objects.create(name="Solberg & Dahl Revisjon AS", org_number="912345602")
        self.supervisor = make_user("veileder@example.org", "Ane Veileder")
        Membership.objects.create(user=self.supervisor, organisation=self.organisation)
        self.placements = []
        for number in range(PLACEMENTS):
            student = Student.objects.create(user=make_user(f"s{number}@example.org", f"Student {number}"))
            cohort = self.cohorts[number % 2]
            placement = Placement.objects.create(
                cohort=cohort,
                student=student,
                organisation=self.organisation,
                starts_on=cohort.starts_on,
                ends_on=cohort.ends_on,
            )
            placement.supervisors.add(self.supervisor)
            placements.placement_start_agreement(placement=placement)
            agreement = ExpectationAgreement.objects.get(placement=placement)
            ExpectationAgreement.objects.filter(pk=agreement.pk).update(state=AgreementState.SIGNED)
            agreement.refresh_from_db()
            lifecycle.agreement_approve_and_start(agreement=agreement, user=self.supervisor)
            self.placements.append(placement.pk)

    def tearDown(self):
        self.clock.stop()

    def placement(self, number: int) -> Placement:
        return Placement.objects.select_related("cohort", "student__user").get(pk=self.placements[number])

    def apply(self, operation: tuple) -> None:
        """Do it as its page would: in a transaction, which a refused action (answered already, say) leaves
        as it was."""
        kind, *arguments = operation
        with contextlib.suppress(ValidationError), transaction.atomic():
            getattr(self, f"do_{kind}")(*arguments)

    def do_answer_student(self, number, checkin, workload, resource):
        found = CheckIn.objects.filter(placement=self.placements[number]).order_by("due_on")[checkin : checkin + 1]
        answers = {"workload": workload, "resource": resource, "learning": 3, "safe_to_ask": "yes"}
        for row in found:
            checkins.checkin_answer_student(checkin=row, user=row.placement.student.user, answers=answers)

    def do_answer_supervisor(self, number, checkin, delivery):
        found = CheckIn.objects.filter(placement=self.placements[number]).order_by("due_on")[checkin : checkin + 1]
        for row in found:
            checkins.checkin_answer_supervisor(
                checkin=row, user=self.supervisor, answers={"delivery": delivery, "feedback_given": "Bra"}
            )

    def do_follow_up(self, number, days_ago):
        checkins.followup_log(
            placement=self.placement(number),
            user=self.supervisor,
            kind="meeting",
            happened_on=TODAY.date() - datetime.timedelta(days=days_ago),
            note="Møte",
        )

    def do_tick(self, number, item, done):
        found = OnboardingItem.objects.filter(placement=self.placements[number]).order_by("pk")[item : item + 1]
        for row in found:
            onboarding.onboarding_item_update(item=row, user=self.supervisor, done=done, note="")

    def do_add_item(self, number, due_in):
        due_on = TODAY.date() + datetime.timedelta(days=due_in)
        form = OnboardingItemForm({"title": "Eget punkt", "owner": "supervisor", "due_on": due_on})
        if form.is_valid():
            onboarding.onboarding_item_add(placement=self.placement(number), user=self.supervisor, form=form)

    def do_dates(self, number, weeks_in, weeks_long):
        placement = self.placement(number)
        starts_on = placement.cohort.starts_on + datetime.timedelta(weeks=weeks_in)
        self.save_placement(placement, placement.cohort, starts_on, starts_on + datetime.timedelta(weeks=weeks_long))

    def do_cadence(self, which, days):
        cohort = self.cohorts[which]
        data = {
            "name": cohort.name,
            "starts_on": cohort.starts_on,
            "ends_on": cohort.ends_on,
            "agreement_deadline_days": 14,
            "checkin_cadence_days": days,
            "chaser_days": 3,
            "last_chaser_days": 7,
        }
        form = CohortForm(data, instance=Cohort.objects.get(pk=cohort.pk))
        if form.is_valid():
            lifecycle.cohort_save(form=form)

    def do_cancel(self, number):
        placements.placement_cancel(placement=self.placement(number))

    def do_move(self, number):
        placement = self.placement(number)
        other = next(cohort for cohort in self.cohorts if cohort.pk != placement.cohort_id)
        self.save_placement(placement, other, other.starts_on, other.ends_on)

    def save_placement(self, placement, cohort, starts_on, ends_on):
        form = PlacementForm(
            {
                "cohort": cohort.pk,
                "student": placement.student_id,
                "organisation": placement.organisation_id,
                "supervisors": [self.supervisor.pk],
                "starts_on": starts_on,
                "ends_on": ends_on,
            },
            instance=placement,
            students=Student.objects.all(),
            organisations=Organisation.objects.all(),
            cohorts=Cohort.objects.all(),
        )
        if form.is_valid():  # a move the register refuses (a live placement in that cohort already) is not made
            lifecycle.placement_save(form=form)

    def cached_and_computed_figures(self, cohort: Cohort) -> tuple[dict | None, dict]:
        """A cohort's figures as the dashboard has them cached (None when cleared), and as computed now."""
        placements = Placement.objects.filter(cohort=cohort)
        cached = CachedFigures.objects.get(cohort=cohort).figures
        computed = {
            "figures": asdict(dashboard.figures(placements, today=TODAY.date())),
            "weeks": [asdict(week) for week in dashboard.weekly_answers(placements)],
        }
        return json.loads(json.dumps(cached)), json.loads(json.dumps(computed))

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(operations, max_size=10))
    def test_the_stored_status_equals_the_status_computed_from_scratch(self, sequence):
        for cohort in self.cohorts:  # as a dashboard would have cached them
            dashboard.cohort_figures(cohort, Placement.objects.filter(cohort=cohort), today=TODAY.date())
        for operation in sequence:
            self.apply(operation)
        assert stored(self.placements) == status_compute(self.placements)
        # The dashboard's cached figures were cleared by whatever changed them.
        for cohort in self.cohorts:
            cached, computed = self.cached_and_computed_figures(cohort)
            assert cached in (None, computed)

    def test_every_kind_of_change_moves_the_status(self):
        """The property above would hold trivially if nothing were ever written; here each operation changes
        what the status shows."""
        before = stored(self.placements)[self.placements[0]]
        for operation in [
            ("answer_student", 0, 0, 5, 1),
            ("answer_supervisor", 0, 0, "below"),
            ("follow_up", 0, 3),
            ("tick", 0, 0, True),
        ]:
            self.apply(operation)
        after = stored(self.placements)[self.placements[0]]
        assert (after["latest_workload"], after["latest_resource"], after["delivery_last"]) == (5, 1, "below")
        assert after["last_followup"] == TODAY.date() - datetime.timedelta(days=3)
        assert after["onboarding_done"] == before["onboarding_done"] + 1
        assert after["open_checkins"] == before["open_checkins"] - 1


class DailyRecomputeTests(TestCase):
    def test_a_row_no_service_wrote_is_corrected_and_logged(self):
        cohort = Cohort.objects.create(name="Våren 2023", starts_on=SPRING[0], ends_on=SPRING[1])
        organisation = Organisation.objects.create(name="Nordvik kommune", org_number="923456716")
        student = Student.objects.create(user=make_user("s@example.org", "Siri Student"))
        placement = Placement.objects.create(
            cohort=cohort,
            student=student,
            organisation=organisation,
            starts_on=SPRING[0],
            ends_on=SPRING[1],
            state=PlacementState.ACTIVE,
        )
        # A write that bypasses the services (as a raw fix in the database would): no status written.
        CheckIn.objects.bulk_create([CheckIn(placement=placement, due_on=SPRING[0] + datetime.timedelta(days=14))])
        with self.assertLogs("feedback.status", logging.WARNING) as logged:
            assert status_recompute() == 1
        corrected = "open_checkins, open_checkin_due, open_checkin_waits_for"
        assert f"Placement {placement.pk}: status corrected ({corrected})" in logged.output[0]
        assert PlacementStatus.objects.get(placement=placement).open_checkins == 1
        with self.assertNoLogs("feedback.status", logging.WARNING):
            assert status_recompute() == 0
