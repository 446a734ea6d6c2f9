"""The coordinator's register screens, as a coordinator and the other roles use them."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from innopraksis.models import Invitation, User
from orgs.models import Membership, MembershipRole, Organisation
from students.models import Cohort, Placement, PlacementState, Student
from tests.conftest import client_for, make_user

START = datetime.date(2023, 1, 9)
END = datetime.date(2023, 5, 19)


@pytest.fixture
def coordinator(cast):
    return client_for(cast.coordinator)


@pytest.fixture
def cohort(db):
    return Cohort.objects.create(name="Internship våren 2023", starts_on=START, ends_on=END)


def place(cohort, user, organisation, **fields):
    return Placement.objects.create(
        cohort=cohort, student=user.student, organisation=organisation, starts_on=START, ends_on=END, **fields
    )


class TestOrganisations:
    def test_a_wrong_organisation_number_is_refused_and_the_input_kept(self, coordinator):
        response = coordinator.post(
            reverse("organisation_create"), {"name": "Ny Bedrift AS", "org_number": "974760674", "sector": "private"}
        )
        html = response.content.decode()
        assert "kontrollsifferet stemmer ikke" in html
        assert 'value="Ny Bedrift AS"' in html
        assert not Organisation.objects.filter(name="Ny Bedrift AS").exists()

    @pytest.mark.parametrize("written", ["974 760 673", "974\u00a0760\u00a0673", "NO 974 760 673 MVA"])
    def test_coordinator_adds_an_organisation_with_its_number_written_as_people_write_it(self, coordinator, written):
        response = coordinator.post(
            reverse("organisation_create"),
            {"name": "Ny Bedrift AS", "org_number": written, "sector": "public", "website": "ny.example"},
            follow=True,
        )
        organisation = Organisation.objects.get(name="Ny Bedrift AS")
        assert organisation.org_number == "974760673"
        assert organisation.website == "https://ny.example"
        assert response.redirect_chain[-1][0] == organisation.get_absolute_url()

    def test_the_main_contact_edits_their_organisation_but_a_plain_supervisor_may_not(self, cast):
        plain = make_user("plain@example.org", "Per Plain")
        Membership.objects.create(user=plain, organisation=cast.org_a, role=MembershipRole.SUPERVISOR)
        url = reverse("organisation_edit", kwargs={"pk": cast.org_a.pk})
        assert client_for(plain).get(url).status_code == 403
        response = client_for(cast.supervisor_a).post(
            url, {"name": "Solberg & Dahl AS", "org_number": cast.org_a.org_number, "sector": "private"}
        )
        assert response.status_code == 302
        cast.org_a.refresh_from_db()
        assert cast.org_a.name == "Solberg & Dahl AS"

    def test_a_supervisor_sees_their_organisation_page_with_its_placements(self, cast, cohort):
        place(cohort, cast.student_a, cast.org_a)
        html = client_for(cast.supervisor_a).get(cast.org_a.get_absolute_url()).content.decode()
        assert "Siri Student" in html
        assert "Legg til en veileder" not in html  # members are managed by coordinators

    def test_coordinator_adds_a_supervisor_who_is_invited(self, cast, coordinator, django_capture_on_commit_callbacks):
        url = reverse("membership_add", kwargs={"pk": cast.org_b.pk})
        with django_capture_on_commit_callbacks(execute=True):
            coordinator.post(
                url, {"email": "Ny@Example.org", "full_name": "Nina Ny", "role": "supervisor", "invite": "on"}
            )
        user = User.objects.get(email="ny@example.org")
        assert Membership.objects.filter(user=user, organisation=cast.org_b).exists()
        assert not user.has_usable_password()
        assert [message.to for message in mail.outbox] == [["ny@example.org"]]

        again = coordinator.post(url, {"email": "ny@example.org", "full_name": "Nina Ny", "role": "supervisor"})
        assert "ny@example.org er allerede medlem av Nordvik kommune" in again.content.decode()

    def test_an_existing_account_is_not_invited_again(self, cast, coordinator, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            coordinator.post(
                reverse("membership_add", kwargs={"pk": cast.org_b.pk}),
                {"email": cast.supervisor_a.email, "full_name": "x", "role": "supervisor", "invite": "on"},
            )
        assert Membership.objects.filter(user=cast.supervisor_a, organisation=cast.org_b).exists()
        assert mail.outbox == []

    def test_removing_a_supervisor_asks_first_and_takes_them_off_placements(self, cast, cohort, coordinator):
        placement = place(cohort, cast.student_a, cast.org_a)
        placement.supervisors.add(cast.supervisor_a)
        membership = cast.supervisor_a.memberships.get()
        url = reverse("membership_remove", kwargs={"pk": cast.org_a.pk, "membership_pk": membership.pk})
        assert "Fjerne Ane Veileder fra Solberg" in coordinator.get(url).content.decode()
        assert Membership.objects.filter(pk=membership.pk).exists()
        coordinator.post(url)
        assert not Membership.objects.filter(pk=membership.pk).exists()
        assert not placement.supervisors.exists()
        assert User.objects.filter(pk=cast.supervisor_a.pk).exists()

    def test_the_organisation_page_shows_the_supervisors_invitation_state(self, cast, coordinator):
        membership = cast.supervisor_b.memberships.get()
        html = coordinator.get(cast.org_b.get_absolute_url()).content.decode()
        assert "Ikke invitert ennå" in html
        coordinator.post(reverse("membership_invite", kwargs={"pk": cast.org_b.pk, "membership_pk": membership.pk}))
        html = coordinator.get(cast.org_b.get_absolute_url()).content.decode()
        assert "Venter på å bli brukt" in html
        assert Invitation.objects.get().organisation == cast.org_b

    def test_history_marks_each_cohort_returning_or_first_time(self, cast, cohort, coordinator):
        earlier = Cohort.objects.create(
            name="Internship våren 2022", starts_on=datetime.date(2022, 1, 10), ends_on=datetime.date(2022, 5, 20)
        )
        alumnus = make_user("alumnus@example.org", "Alf Alumnus")
        Student.objects.create(user=alumnus)
        Placement.objects.create(
            cohort=earlier,
            student=alumnus.student,
            organisation=cast.org_a,
            starts_on=earlier.starts_on,
            ends_on=earlier.ends_on,
        )
        place(cohort, cast.student_a, cast.org_a)
        html = coordinator.get(cast.org_a.get_absolute_url()).content.decode()
        newest, oldest = html.index("Internship våren 2023"), html.index("Internship våren 2022")
        assert newest < oldest
        assert "Tilbakevendende" in html[newest:oldest]
        assert "Første gang" in html[oldest:]

    def test_organisation_list_filters_by_sector_and_shows_badges(self, cast, cohort, coordinator):
        cast.org_b.sector = "public"
        cast.org_b.save()
        html = coordinator.get(reverse("organisation_list"), {"sector": "public"}).content.decode()
        assert "Nordvik kommune" in html
        assert "Solberg" not in html
        assert "Første gang" in html


class TestStudents:
    def test_coordinator_adds_and_invites_a_student(self, coordinator, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            response = coordinator.post(
                reverse("student_create"),
                {
                    "full_name": "Nils Ny",
                    "email": "nils@example.org",
                    "study_programme": "Økonomi",
                    "internship_course": "INP3001",
                    "phone": "+47 912 34 567",
                    "invite": "on",
                },
                follow=True,
            )
        student = Student.objects.get(user__email="nils@example.org")
        assert response.redirect_chain[-1][0] == reverse("student_detail", kwargs={"pk": student.pk})
        assert "Venter på å bli brukt" in response.content.decode()
        assert mail.outbox[0].to == ["nils@example.org"]

    def test_a_second_student_with_the_same_address_is_refused(self, cast, coordinator):
        response = coordinator.post(
            reverse("student_create"), {"full_name": "Kopi", "email": cast.student_a.email.upper()}
        )
        assert "En student med denne e-postadressen er allerede registrert" in response.content.decode()

    def test_a_bad_phone_number_says_how_to_write_it(self, coordinator):
        response = coordinator.post(
            reverse("student_create"), {"full_name": "Nils Ny", "email": "nils@example.org", "phone": "ring meg"}
        )
        assert "for eksempel +47 912 34 567" in response.content.decode()
        assert not User.objects.filter(email="nils@example.org").exists()

    def test_editing_a_student_changes_name_and_address(self, cast, coordinator):
        student = cast.student_a.student
        coordinator.post(
            reverse("student_edit", kwargs={"pk": student.pk}),
            {
                "full_name": "Siri Ny",
                "email": "siri.ny@example.org",
                "study_programme": "",
                "internship_course": "",
                "phone": "",
            },
        )
        cast.student_a.refresh_from_db()
        assert (cast.student_a.full_name, cast.student_a.email) == ("Siri Ny", "siri.ny@example.org")

    def test_student_list_filters_by_cohort(self, cast, cohort, coordinator):
        place(cohort, cast.student_a, cast.org_a)
        html = coordinator.get(reverse("student_list"), {"cohort": cohort.pk}).content.decode()
        assert "Siri Student" in html
        assert "Sander Student" not in html


class TestPlacements:
    def form(self, cast, cohort, **changes):
        data = {
            "cohort": cohort.pk,
            "student": cast.student_a.student.pk,
            "organisation": cast.org_a.pk,
            "supervisors": [cast.supervisor_a.pk],
            "work_days": ["2", "4"],
        }
        data.update(changes)
        return data

    def test_a_placement_takes_the_cohorts_dates_when_left_empty(self, cast, cohort, coordinator):
        coordinator.post(reverse("placement_create"), self.form(cast, cohort))
        placement = Placement.objects.get()
        assert (placement.starts_on, placement.ends_on, placement.work_days) == (START, END, [2, 4])
        assert list(placement.supervisors.all()) == [cast.supervisor_a]

    def test_a_supervisor_from_another_organisation_is_refused(self, cast, cohort, coordinator):
        response = coordinator.post(
            reverse("placement_create"), self.form(cast, cohort, supervisors=[cast.supervisor_b.pk])
        )
        assert "Bjørn Veileder er ikke medlem av Solberg" in response.content.decode()
        assert not Placement.objects.exists()

    def test_a_second_live_placement_in_the_cohort_is_refused_with_what_to_do(self, cast, cohort, coordinator):
        place(cohort, cast.student_a, cast.org_b)
        response = coordinator.post(reverse("placement_create"), self.form(cast, cohort))
        assert "Avlys den før du plasserer studenten på nytt" in response.content.decode()

    def test_dates_outside_the_cohort_are_refused(self, cast, cohort, coordinator):
        response = coordinator.post(reverse("placement_create"), self.form(cast, cohort, starts_on="2022-12-01"))
        assert "må ligge innenfor kullets" in response.content.decode()

    def test_the_coordinator_moves_a_placement_along_from_its_page(self, cast, cohort, coordinator):
        placement = place(cohort, cast.student_a, cast.org_a)
        url = reverse("placement_transition", kwargs={"pk": placement.pk})
        response = coordinator.post(url, {"action": "agreement"}, follow=True)
        assert "Praksisplassen har nå status forventningsavklaring pågår" in response.content.decode()
        response = coordinator.post(url, {"action": "completed"}, follow=True)
        assert "kan ikke få status fullført" in response.content.decode()
        placement.refresh_from_db()
        assert placement.state == PlacementState.AGREEMENT

    def test_cancelling_asks_first(self, cast, cohort, coordinator):
        placement = place(cohort, cast.student_a, cast.org_a)
        url = reverse("placement_cancel", kwargs={"pk": placement.pk})
        assert "Avlyse praksisplassen til Siri Student" in coordinator.get(url).content.decode()
        placement.refresh_from_db()
        assert placement.state == PlacementState.PLANNED
        coordinator.post(url)
        placement.refresh_from_db()
        assert placement.state == PlacementState.CANCELLED

    def test_cancel_is_not_offered_as_a_one_click_transition(self, cast, cohort, coordinator):
        placement = place(cohort, cast.student_a, cast.org_a)
        coordinator.post(reverse("placement_transition", kwargs={"pk": placement.pk}), {"action": "cancelled"})
        placement.refresh_from_db()
        assert placement.state == PlacementState.PLANNED

    def test_the_placement_list_filters_by_state(self, cast, cohort, coordinator):
        place(cohort, cast.student_a, cast.org_a, state=PlacementState.ACTIVE)
        place(cohort, cast.student_b, cast.org_b)
        html = coordinator.get(reverse("placement_list"), {"state": "active"}).content.decode()
        assert "Siri Student" in html
        assert "Sander Student" not in html

    def test_an_invalid_filter_value_is_ignored_rather_than_failing(self, cast, cohort, coordinator):
        place(cohort, cast.student_a, cast.org_a)
        response = coordinator.get(reverse("placement_list"), {"cohort": "not-a-number", "state": "nonsense"})
        assert response.status_code == 200
        assert "Siri Student" in response.content.decode()

    def test_the_student_sees_their_placement_with_supervisor_contacts(self, cast, cohort):
        placement = place(cohort, cast.student_a, cast.org_a, work_days=[2, 4])
        placement.supervisors.add(cast.supervisor_a)
        html = client_for(cast.student_a).get(placement.get_absolute_url()).content.decode()
        assert "supervisor.a@example.org" in html
        assert "tirsdag, torsdag" in html
        assert "Forventningsavklaringen er ikke åpnet ennå." in html  # what the placement waits for
        assert "Åpne forventningsavklaringen" not in html and "Avlys praksisplassen" not in html  # the coordinator's


def _fill(cast, cohort, size):
    """``size`` students, each placed with organisation A and supervised by supervisor A."""
    for number in range(size):
        user = make_user(f"filler{number}-{size}@example.org", f"Filler {number}")
        Student.objects.create(user=user)
        placement = place(cohort, user, cast.org_a)
        placement.supervisors.add(cast.supervisor_a)
        Organisation.objects.create(name=f"Org {size}-{number}", org_number=_org_number(size * 100 + number))


def _org_number(seed: int) -> str:
    from orgs.validators import org_number_check_digit

    base = 80000000 + seed * 7
    while org_number_check_digit(str(base)) is None:
        base += 1
    return f"{base}{org_number_check_digit(str(base))}"


LIST_PAGES = {
    "cohort_list": None,
    "organisation_list": None,
    "student_list": None,
    "placement_list": None,
    "cohort_detail": "cohort",
    "organisation_detail": "org_a",
}
# Queries per page whatever the number of rows: session, user with roles, then the page's own.
EXPECTED_QUERIES = {
    "cohort_list": 4,
    "organisation_list": 5,
    "student_list": 5,
    "placement_list": 6,
    "cohort_detail": 7,
    "organisation_detail": 6,
}


@pytest.mark.parametrize("name", sorted(LIST_PAGES))
def test_list_page_query_count_does_not_grow_with_rows(cast, cohort, coordinator, name):
    kwargs = {"cohort": {"pk": cohort.pk}, "org_a": {"pk": cast.org_a.pk}, None: {}}[LIST_PAGES[name]]
    counts = []
    for size in (2, 12):
        _fill(cast, cohort, size)
        with CaptureQueriesContext(connection) as queries:
            assert coordinator.get(reverse(name, kwargs=kwargs)).status_code == 200
        counts.append(len(queries))
    assert counts == [EXPECTED_QUERIES[name]] * 2
