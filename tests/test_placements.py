import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from feedback import lifecycle
from feedback.models import CheckIn, Evaluation, EvaluationKind
from innopraksis import access
from orgs.models import Organisation
from students import onboarding, placements
from students.forms import OnboardingItemForm
from students.models import (
    AgreementState,
    Cohort,
    ExpectationAgreement,
    OfficeHour,
    Placement,
    PlacementState,
    Side,
    Student,
    organisations_returning_in,
)
from tests.conftest import client_for, make_user
from tests.test_dashboard import bulk_placements

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


SERVICES = {
    "placement_start_agreement": placements.placement_start_agreement,
    "placement_activate": lifecycle.placement_activate,
    "placement_complete": lifecycle.placement_complete,
    "placement_cancel": placements.placement_cancel,
}


@pytest.mark.parametrize(("current", "service", "expected"), TRANSITIONS)
def test_every_lifecycle_transition(cast, cohort, current, service, expected):
    placement = place(cohort, cast.student_a, cast.org_a, state=current)
    kwargs = (
        {"today": END + datetime.timedelta(days=1)} if service in ("placement_activate", "placement_complete") else {}
    )
    if expected is None:
        with pytest.raises(ValidationError) as error:
            SERVICES[service](placement=placement, **kwargs)
        assert error.value.code == "transition"
        placement.refresh_from_db()
        assert placement.state == current
    else:
        SERVICES[service](placement=placement, **kwargs)
        placement.refresh_from_db()
        assert placement.state == expected
        assert placement.state_changed_at is not None


def test_a_placement_becomes_active_only_from_its_start_date(cast, cohort):
    placement = place(cohort, cast.student_a, cast.org_a, state=PlacementState.AGREEMENT)
    with pytest.raises(ValidationError) as error:
        lifecycle.placement_activate(placement=placement, today=START - datetime.timedelta(days=1))
    assert error.value.code == "not_started"
    lifecycle.placement_activate(placement=placement, today=START)
    assert placement.state == PlacementState.ACTIVE


def test_a_placement_starts_only_once_its_agreement_is_approved(cast, cohort):
    placement = place(cohort, cast.student_a, cast.org_a, state=PlacementState.AGREEMENT)
    ExpectationAgreement.objects.filter(placement=placement).update(state=AgreementState.SIGNED)
    with pytest.raises(ValidationError) as error:
        lifecycle.placement_activate(placement=placement, today=START)
    assert error.value.code == "not_approved"
    placement.refresh_from_db()
    assert placement.state == PlacementState.AGREEMENT


def test_a_placement_is_completed_only_after_its_end_date(cast, cohort):
    placement = place(cohort, cast.student_a, cast.org_a, state=PlacementState.ACTIVE)
    with pytest.raises(ValidationError) as error:
        lifecycle.placement_complete(placement=placement, today=END)
    assert error.value.code == "not_ended"


def test_a_student_has_one_live_placement_per_cohort(cast, cohort):
    first = place(cohort, cast.student_a, cast.org_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        place(cohort, cast.student_a, cast.org_b)
    placements.placement_cancel(placement=first)
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
    returning = dict(organisations_returning_in(Organisation.objects.all(), cohort).values_list("name", "is_returning"))
    assert returning == {cast.org_a.name: True, cast.org_b.name: False}
    # Seen from the earlier cohort, nobody had hosted before.
    assert not any(
        organisations_returning_in(Organisation.objects.all(), earlier).values_list("is_returning", flat=True)
    )


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
    assert not organisations_returning_in(Organisation.objects.all(), cohort).get(pk=cast.org_b.pk).is_returning


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


@pytest.mark.parametrize(("home", "role"), [("home_supervisor", "supervisor_a"), ("home_student", "student_a")])
def test_home_page_query_count_does_not_grow_with_the_cohort(cast, cohort, home, role):
    """The cohort at 10 placements and at 5,000 (at another organisation): the same queries, as many as above."""
    placement = place(cohort, cast.student_a, cast.org_a)
    placement.supervisors.add(cast.supervisor_a)
    Placement.objects.filter(pk=placement.pk).update(state=PlacementState.ACTIVE)
    client = client_for(getattr(cast, role))
    counts = []
    for size in (10, 4_990):
        bulk_placements(cohort, cast.org_b, size)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(home)).status_code == 200
        counts.append(len(queries))
    assert Placement.objects.count() == 5_001
    assert counts == [EXPECTED_HOME_QUERIES[home]] * 2


# Supervisor: session, user with roles, memberships, the placements with their flags, their open items,
# check-ins and evaluations; student: session, user, profile, the placements with their flags and
# supervisors, their open items, check-ins and evaluations.
EXPECTED_HOME_QUERIES = {"home_supervisor": 8, "home_student": 9}


class TestEveryChangeShows:
    """Nothing on a supervisor's home is kept between requests: the next request after any change shows it."""

    @pytest.fixture
    def placement(self, cast, cohort):
        placement = place(cohort, cast.student_a, cast.org_a, state=PlacementState.AGREEMENT)
        placement.supervisors.add(cast.supervisor_a)
        return placement

    @pytest.fixture(autouse=True)
    def signed_in(self, cast):
        self.client = client_for(cast.supervisor_a)

    def home(self, cast) -> str:
        return self.client.get(reverse("home_supervisor")).content.decode()

    def test_renaming_the_student_the_organisation_or_the_cohort_shows(self, cast, cohort, placement):
        self.home(cast)
        cast.student_a.full_name = "Siri Nynavn"
        cast.student_a.save()
        cast.org_a.name = "Solberg Revisjon"
        cast.org_a.save()
        cohort.name = "Internship høsten 2023"
        cohort.save()
        html = self.home(cast)
        assert "Siri Nynavn" in html and "Solberg Revisjon" in html and "Internship høsten 2023" in html

    def test_the_agreement_the_state_and_the_question_time_show(self, cast, placement):
        assert "Godkjent" in self.home(cast)
        agreement = placement.agreement
        agreement.state = AgreementState.RETURNED
        agreement.save()
        assert "Sendt tilbake" in self.home(cast)
        OfficeHour.objects.create(
            placement=placement, weekday=2, starts_at=datetime.time(9, 30), minutes=30, place="Møterom 3"
        )
        assert "Møterom 3" in self.home(cast)
        Placement.objects.filter(pk=placement.pk).update(state=PlacementState.ACTIVE)
        assert "Aktiv" in self.home(cast)

    def test_onboarding_items_check_ins_and_evaluations_show(self, cast, placement):
        self.home(cast)
        form = OnboardingItemForm({"title": "Vis kontorplassen", "owner": "supervisor", "due_on": START})
        assert form.is_valid(), form.errors
        item = onboarding.onboarding_item_add(placement=placement, user=cast.supervisor_a, form=form)
        html = self.home(cast)
        assert "0 av 1 gjort" in html and "Vis kontorplassen" in html
        onboarding.onboarding_item_update(item=item, user=cast.supervisor_a, done=True, note="")
        assert "1 av 1 gjort" in self.home(cast)
        Placement.objects.filter(pk=placement.pk).update(state=PlacementState.ACTIVE)
        CheckIn.objects.create(placement=placement, due_on=timezone.localdate())
        assert "Svar på statussjekken" in self.home(cast)
        yesterday = timezone.localdate() - datetime.timedelta(days=1)  # the earliest to-do shows in the row
        Evaluation.objects.create(
            placement=placement, kind=EvaluationKind.MIDTERM, side=Side.ORGANISATION, due_on=yesterday
        )
        assert "Midtveisevaluering" in self.home(cast)


class TestStudentHomeShowsEveryChange:
    """A student's home computes each placement's card and to-dos on every request too."""

    def test_a_new_supervisor_their_name_and_a_new_check_in_show(self, cast, cohort):
        placement = place(cohort, cast.student_a, cast.org_a, state=PlacementState.ACTIVE)
        client = client_for(cast.student_a)

        def home():
            return client.get(reverse("home_student")).content.decode()

        assert "Ikke tildelt ennå" in home()
        placement.supervisors.add(cast.supervisor_a)
        assert cast.supervisor_a.email in home()
        cast.supervisor_a.full_name = "Ane Omdøpt"
        cast.supervisor_a.save()
        assert "Ane Omdøpt" in home()
        CheckIn.objects.create(placement=placement, due_on=timezone.localdate())
        assert "Svar på statussjekken" in home()
