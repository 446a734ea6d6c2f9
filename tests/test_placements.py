import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from feedback.models import Evaluation, EvaluationKind
from innopraksis import access
from orgs.models import Organisation
from students import services
from students.models import AgreementState, Cohort, ExpectationAgreement, Placement, PlacementState, Side, Student
from tests.conftest import client_for, make_user

START = datetime.date(2023, 1, 9)
END = datetime.date(2023, 5, 19)


@pytest.fixture
def cohort(db):
    return Cohort.objects.create(name="Internship våren 2023", starts_on=START, ends_on=END)


def place(cohort, student_user, organisation, state=None, **fields) -> Placement:
    placement = Placement.objects.create(
        cohort=cohort,
        student=student_user.student,
        organisation=organisation,
        starts_on=fields.pop("starts_on", START),
        ends_on=fields.pop("ends_on", END),
        **fields,
    )
    if state is not None:
        Placement.objects.filter(pk=placement.pk).update(state=state)
        placement.refresh_from_db()
    if state not in (None, PlacementState.PLANNED, PlacementState.CANCELLED):
        # The agreement flow has its own tests; here it is simply approved.
        ExpectationAgreement.objects.create(placement=placement, state=AgreementState.APPROVED)
    if state == PlacementState.ACTIVE:
        # Likewise the final evaluations, which completing a placement needs.
        for side in Side:
            Evaluation.objects.create(
                placement=placement, kind=EvaluationKind.FINAL, side=side, due_on=END, answered_at=timezone.now()
            )
    return placement


# (from, service, expected result or None when refused)
TRANSITIONS = [
    (PlacementState.PLANNED, "placement_start_agreement", PlacementState.AGREEMENT),
    (PlacementState.PLANNED, "placement_activate", None),
    (PlacementState.PLANNED, "placement_complete", None),
    (PlacementState.PLANNED, "placement_cancel", PlacementState.CANCELLED),
    (PlacementState.AGREEMENT, "placement_start_agreement", None),
    (PlacementState.AGREEMENT, "placement_activate", PlacementState.ACTIVE),
    (PlacementState.AGREEMENT, "placement_complete", None),
    (PlacementState.AGREEMENT, "placement_cancel", PlacementState.CANCELLED),
    (PlacementState.ACTIVE, "placement_start_agreement", None),
    (PlacementState.ACTIVE, "placement_activate", None),
    (PlacementState.ACTIVE, "placement_complete", PlacementState.COMPLETED),
    (PlacementState.ACTIVE, "placement_cancel", PlacementState.CANCELLED),
    (PlacementState.COMPLETED, "placement_start_agreement", None),
    (PlacementState.COMPLETED, "placement_activate", None),
    (PlacementState.COMPLETED, "placement_complete", None),
    (PlacementState.COMPLETED, "placement_cancel", None),
    (PlacementState.CANCELLED, "placement_start_agreement", None),
    (PlacementState.CANCELLED, "placement_activate", None),
    (PlacementState.CANCELLED, "placement_complete", None),
    (PlacementState.CANCELLED, "placement_cancel", None),
]


@pytest.mark.parametrize(("current", "service", "expected"), TRANSITIONS)
def test_every_lifecycle_transition(cast, cohort, current, service, expected):
    placement = place(cohort, cast.student_a, cast.org_a, state=current)
    kwargs = (
        {"today": END + datetime.timedelta(days=1)} if service in ("placement_activate", "placement_complete") else {}
    )
    if expected is None:
        with pytest.raises(ValidationError) as error:
            getattr(services, service)(placement=placement, **kwargs)
        assert error.value.code == "transition"
        placement.refresh_from_db()
        assert placement.state == current
    else:
        getattr(services, service)(placement=placement, **kwargs)
        placement.refresh_from_db()
        assert placement.state == expected
        assert placement.state_changed_at is not None


def test_a_placement_becomes_active_only_from_its_start_date(cast, cohort):
    placement = place(cohort, cast.student_a, cast.org_a, state=PlacementState.AGREEMENT)
    with pytest.raises(ValidationError) as error:
        services.placement_activate(placement=placement, today=START - datetime.timedelta(days=1))
    assert error.value.code == "not_started"
    services.placement_activate(placement=placement, today=START)
    assert placement.state == PlacementState.ACTIVE


def test_a_placement_starts_only_once_its_agreement_is_approved(cast, cohort):
    placement = place(cohort, cast.student_a, cast.org_a, state=PlacementState.AGREEMENT)
    ExpectationAgreement.objects.filter(placement=placement).update(state=AgreementState.SIGNED)
    with pytest.raises(ValidationError) as error:
        services.placement_activate(placement=placement, today=START)
    assert error.value.code == "not_approved"
    placement.refresh_from_db()
    assert placement.state == PlacementState.AGREEMENT


def test_a_placement_is_completed_only_after_its_end_date(cast, cohort):
    placement = place(cohort, cast.student_a, cast.org_a, state=PlacementState.ACTIVE)
    with pytest.raises(ValidationError) as error:
        services.placement_complete(placement=placement, today=END)
    assert error.value.code == "not_ended"


def test_a_student_has_one_live_placement_per_cohort(cast, cohort):
    first = place(cohort, cast.student_a, cast.org_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        place(cohort, cast.student_a, cast.org_b)
    services.placement_cancel(placement=first)
    assert place(cohort, cast.student_a, cast.org_b).state == PlacementState.PLANNED


def test_placement_dates_lie_within_the_cohort(cast, cohort):
    placement = Placement(
        cohort=cohort,
        student=cast.student_a.student,
        organisation=cast.org_a,
        starts_on=START - datetime.timedelta(days=7),
        ends_on=END,
    )
    with pytest.raises(ValidationError) as error:
        placement.full_clean()
    assert "innenfor kullets" in str(error.value) or "within the cohort" in str(error.value)


def test_work_days_are_weekdays(cast, cohort):
    placement = Placement(
        cohort=cohort, student=cast.student_a.student, organisation=cast.org_a, starts_on=START, ends_on=END
    )
    placement.work_days = [2, 4]
    placement.full_clean()
    placement.work_days = [6]
    with pytest.raises(ValidationError):
        placement.full_clean()


def test_an_organisation_is_returning_when_it_hosted_in_an_earlier_cohort(cast, cohort):
    earlier = Cohort.objects.create(
        name="Internship våren 2022", starts_on=datetime.date(2022, 1, 10), ends_on=datetime.date(2022, 5, 20)
    )
    alumnus = make_user("alumnus@example.org", "Alumnus")
    Student.objects.create(user=alumnus)
    place(earlier, alumnus, cast.org_a, starts_on=earlier.starts_on, ends_on=earlier.ends_on)
    returning = dict(Organisation.objects.with_returning(cohort).values_list("name", "is_returning"))
    assert returning == {cast.org_a.name: True, cast.org_b.name: False}
    # Seen from the earlier cohort, nobody had hosted before.
    assert not any(Organisation.objects.with_returning(earlier).values_list("is_returning", flat=True))


def test_a_cancelled_earlier_placement_does_not_make_an_organisation_returning(cast, cohort):
    earlier = Cohort.objects.create(
        name="Internship våren 2022", starts_on=datetime.date(2022, 1, 10), ends_on=datetime.date(2022, 5, 20)
    )
    place(
        earlier,
        cast.student_b,
        cast.org_b,
        state=PlacementState.CANCELLED,
        starts_on=earlier.starts_on,
        ends_on=earlier.ends_on,
    )
    assert not Organisation.objects.with_returning(cohort).get(pk=cast.org_b.pk).is_returning


def test_a_supervisor_sees_only_their_own_organisations_students(cast, cohort):
    place(cohort, cast.student_a, cast.org_a)
    place(cohort, cast.student_b, cast.org_b)
    assert list(access.students_visible_to(cast.supervisor_a)) == [cast.student_a.student]
    assert list(access.placements_visible_to(cast.supervisor_b).values_list("student__user", flat=True)) == [
        cast.student_b.pk
    ]
    html = client_for(cast.supervisor_a).get(reverse("home_supervisor")).content.decode()
    assert "Siri Student" in html
    assert "Sander Student" not in html


def test_a_student_sees_their_placement_and_supervisor_contacts(cast, cohort):
    placement = place(cohort, cast.student_a, cast.org_a)
    placement.supervisors.add(cast.supervisor_a)
    place(cohort, cast.student_b, cast.org_b)
    html = client_for(cast.student_a).get(reverse("home_student")).content.decode()
    assert "Solberg &amp; Dahl Revisjon AS" in html
    assert "supervisor.a@example.org" in html
    assert "Nordvik kommune" not in html
    assert list(access.placements_visible_to(cast.student_a)) == [placement]


def _placements(cohort, organisation, supervisor, count):
    for number in range(count):
        user = make_user(f"s{number}-{count}@example.org", f"Student {number}")
        Student.objects.create(user=user)
        placement = place(cohort, user, organisation)
        placement.supervisors.add(supervisor)
        if number % 2:  # active ones have check-ins and evaluations to load too
            Placement.objects.filter(pk=placement.pk).update(state=PlacementState.ACTIVE)


@pytest.mark.parametrize(("home", "role"), [("home_supervisor", "supervisor_a"), ("home_student", "student_a")])
def test_home_page_query_count_does_not_grow_with_placements(cast, cohort, home, role):
    counts = []
    for extra in (2, 20):
        _placements(cohort, cast.org_a, cast.supervisor_a, extra)
        if role == "student_a":
            # A student with several placements (several cohorts) over time.
            cohort_n = Cohort.objects.create(
                name=f"Kull {extra}",
                starts_on=datetime.date(2020 + extra % 3, 1, 1),
                ends_on=datetime.date(2020 + extra % 3, 6, 1),
            )
            placement = place(
                cohort_n, cast.student_a, cast.org_a, starts_on=cohort_n.starts_on, ends_on=cohort_n.ends_on
            )
            placement.supervisors.add(cast.supervisor_a)
            Placement.objects.filter(pk=placement.pk).update(state=PlacementState.ACTIVE)
        client = client_for(getattr(cast, role))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(home)).status_code == 200
        counts.append(len(queries))
    assert counts == [EXPECTED_HOME_QUERIES[home]] * 2


# Session, user with roles, (the supervisor's memberships,) the placements with their status (and the
# student's profile), (the student's supervisors,) and their open onboarding items, and the active ones'
# check-ins and open evaluations for to-dos and flags.
EXPECTED_HOME_QUERIES = {"home_supervisor": 7, "home_student": 7}
