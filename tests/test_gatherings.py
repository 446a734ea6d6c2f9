"""Gatherings, shared experiences and experience write-ups."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from feedback import gatherings
from feedback.models import CheckIn, Experience, ExperienceReport, Gathering, GatheringOrganisation
from feedback.status import status_recompute
from innopraksis import accounts
from orgs.models import Membership, Organisation
from students.models import (
    AgreementState,
    Cohort,
    ExpectationAgreement,
    OnboardingItem,
    Placement,
    PlacementState,
    Student,
)
from tests.conftest import client_for, make_user

SPRING_22 = (datetime.date(2022, 1, 10), datetime.date(2022, 5, 20))
SPRING_23 = (datetime.date(2023, 1, 9), datetime.date(2023, 5, 19))
GATHERING_DAY = datetime.date(2022, 11, 11)


@pytest.fixture
def cohorts(db):
    earlier = Cohort.objects.create(name="Internship våren 2022", starts_on=SPRING_22[0], ends_on=SPRING_22[1])
    spring = Cohort.objects.create(name="Internship våren 2023", starts_on=SPRING_23[0], ends_on=SPRING_23[1])
    return earlier, spring


@pytest.fixture
def org_c(db):
    organisation = Organisation.objects.create(name="Havlys Sjømat AS", org_number="956789044")
    supervisor = make_user("supervisor.c@example.org", "Cecilie Veileder")
    Membership.objects.create(user=supervisor, organisation=organisation)
    return organisation


def gathering_form_data(cohort, organisations, **changes):
    return {
        "cohort": cohort.pk,
        "kind": "company_gathering",
        "held_on": GATHERING_DAY.isoformat(),
        "starts_at": "10:00",
        "ends_at": "14:00",
        "place": "Handelshøgskolen",
        "agenda": "Erfaringsutveksling",
        "organisations": [organisation.pk for organisation in organisations],
        **changes,
    }


def create(cast, cohort, organisations) -> Gathering:
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client_for(cast.coordinator).post(
            reverse("gathering_create"), gathering_form_data(cohort, organisations)
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Gathering.objects.latest("pk")


class TestInvitations:
    def test_the_invited_supervisors_are_emailed_in_their_language(self, cast, cohorts):
        cast.supervisor_a.language = "en"
        cast.supervisor_a.save()
        gathering = create(cast, cohorts[1], [cast.org_a])
        (message,) = mail.outbox
        assert message.to == [cast.supervisor_a.email]
        assert message.subject.startswith("Invitation: Company gathering")
        assert reverse("gathering_detail", kwargs={"pk": gathering.pk}) in message.body

    def test_inviting_one_more_organisation_emails_only_its_supervisors(self, cast, cohorts):
        gathering = create(cast, cohorts[1], [cast.org_a])
        mail.outbox.clear()
        with TestCase.captureOnCommitCallbacks(execute=True):
            client_for(cast.coordinator).post(
                reverse("gathering_edit", kwargs={"pk": gathering.pk}),
                gathering_form_data(cohorts[1], [cast.org_a, cast.org_b]),
            )
        assert [message.to for message in mail.outbox] == [[cast.supervisor_b.email]]

    def test_the_gathering_is_in_the_invited_supervisors_calendar_only(self, cast, cohorts):
        gathering = create(cast, cohorts[1], [cast.org_a])
        for user, expected in [(cast.supervisor_a, 1), (cast.supervisor_b, 0), (cast.coordinator, 1)]:
            token = accounts.calendar_token_renew(user=user)
            calendar = Calendar.from_ical(
                client_for(None).get(reverse("calendar_feed", kwargs={"token": token})).content
            )
            events = [event for event in calendar.walk("VEVENT") if str(event["UID"]).startswith("gathering-")]
            assert len(events) == expected, user
        event = events[0]
        start = event.decoded("DTSTART")
        assert start.replace(tzinfo=None) == datetime.datetime(2022, 11, 11, 10, 0)
        assert str(start.tzinfo) == "Europe/Oslo"
        assert str(event["LOCATION"]) == gathering.place

    def test_attendance_is_recorded_after_the_event(self, cast, cohorts):
        gathering = create(cast, cohorts[1], [cast.org_a, cast.org_b])
        client_for(cast.coordinator).post(
            reverse("gathering_attendance", kwargs={"pk": gathering.pk}), {"attended": [cast.org_a.pk]}
        )
        attended = dict(gathering.invitees.values_list("organisation_id", "attended"))
        assert attended == {cast.org_a.pk: True, cast.org_b.pk: False}

    def test_a_gathering_whose_creator_has_left_can_still_be_changed(self, cast, cohorts):
        gathering = create(cast, cohorts[1], [cast.org_a])
        other_coordinator = make_user("koordinator2@example.org", "Kari Koordinator", is_coordinator=True)
        cast.coordinator.delete()
        response = client_for(other_coordinator).post(
            reverse("gathering_edit", kwargs={"pk": gathering.pk}),
            gathering_form_data(cohorts[1], [cast.org_a], place="Aulaen"),
        )
        assert response.status_code == 302
        gathering.refresh_from_db()
        assert gathering.place == "Aulaen"

    def test_a_gathering_ending_before_it_starts_is_refused(self, cast, cohorts):
        response = client_for(cast.coordinator).post(
            reverse("gathering_create"), gathering_form_data(cohorts[1], [cast.org_a], ends_at="09:00")
        )
        assert "En samling må slutte etter at den starter." in response.content.decode()


class TestExperiences:
    def test_invited_supervisors_share_and_the_coordinator_sees_them_by_organisation_and_theme(self, cast, cohorts):
        earlier, spring = cohorts
        Placement.objects.create(
            cohort=earlier,
            student=cast.student_b.student,
            organisation=cast.org_a,
            starts_on=earlier.starts_on,
            ends_on=earlier.ends_on,
        )
        gathering = create(cast, spring, [cast.org_a, cast.org_b])
        for user, theme, text in [
            (cast.supervisor_a, "onboarding", "Fast spørretid hver tirsdag."),
            (cast.supervisor_b, "expectations", "Skriv ned forventningene."),
        ]:
            client_for(user).post(
                reverse("experience_create", kwargs={"pk": gathering.pk}), {"theme": theme, "text": text}
            )
        assert Experience.objects.count() == 2
        html = client_for(cast.coordinator).get(reverse("experience_overview", kwargs={"pk": gathering.pk}))
        html = html.content.decode()
        assert 'Fast spørretid hver tirsdag. <span class="text-body-secondary">' in html
        assert "(Solberg &amp; Dahl Revisjon AS, tilbakevendende)" in html
        assert "(Nordvik kommune, første gang)" in html
        # Each organisation sees only its own.
        page = client_for(cast.supervisor_b).get(reverse("gathering_detail", kwargs={"pk": gathering.pk}))
        assert "Skriv ned forventningene." in page.content.decode()
        assert "Fast spørretid hver tirsdag." not in page.content.decode()

    def test_an_uninvited_supervisor_cannot_share(self, cast, cohorts, org_c):
        gathering = create(cast, cohorts[1], [cast.org_a])
        supervisor_c = Membership.objects.get(organisation=org_c).user
        assert (
            client_for(supervisor_c).get(reverse("experience_create", kwargs={"pk": gathering.pk})).status_code == 404
        )


@pytest.fixture
def history(cast, cohorts):
    """Spring 2022 as the data a November gathering for spring 2023 speaks of: hand-countable."""
    earlier = cohorts[0]
    placements = []
    for number, (organisation, approved, resource, workload) in enumerate(
        [
            (cast.org_a, datetime.date(2021, 12, 20), 5, 3),  # approved before the start
            (cast.org_a, datetime.date(2022, 1, 20), 2, 4),  # after the start
            (cast.org_b, None, None, None),  # never approved, no check-in
        ]
    ):
        user = make_user(f"alumni{number}@example.org", f"Alumni {number}")
        student = Student.objects.create(user=user)
        placement = Placement.objects.create(
            cohort=earlier,
            student=student,
            organisation=organisation,
            starts_on=earlier.starts_on,
            ends_on=earlier.ends_on,
            state=PlacementState.COMPLETED,
        )
        placements.append(placement)
        ExpectationAgreement.objects.create(
            placement=placement,
            state=AgreementState.APPROVED if approved else AgreementState.DRAFT,
            approved_at=timezone.make_aware(datetime.datetime.combine(approved, datetime.time(12)))
            if approved
            else None,
        )
        if resource:
            CheckIn.objects.create(
                placement=placement,
                due_on=datetime.date(2022, 1, 24),
                workload=workload,
                resource=resource,
                learning=4,
                safe_to_ask="yes",
                student_answered_at=timezone.now(),
            )
    # Last year's rows, written directly: their status computed as the daily run computes it.
    status_recompute([placement.pk for placement in placements], log=False)
    first = placements[0]
    for index, (due, done) in enumerate(
        [
            (datetime.date(2022, 1, 10), datetime.date(2022, 1, 10)),
            (datetime.date(2022, 1, 17), datetime.date(2022, 1, 20)),
            (datetime.date(2022, 1, 24), None),
            (datetime.date(2022, 6, 1), None),
        ]
    ):
        OnboardingItem.objects.create(
            placement=first,
            position=index,
            title=f"Punkt {index}",
            due_on=due,
            done_at=timezone.make_aware(datetime.datetime.combine(done, datetime.time(15))) if done else None,
        )
    return placements


class TestWriteUp:
    def gathering(self, cast, cohorts, org_c):
        gathering = Gathering.objects.create(
            cohort=cohorts[1],
            kind="company_gathering",
            held_on=GATHERING_DAY,
            starts_at=datetime.time(10),
            ends_at=datetime.time(14),
            place="Campus",
        )
        for organisation, attended in [(cast.org_a, True), (cast.org_b, True), (org_c, False)]:
            GatheringOrganisation.objects.create(gathering=gathering, organisation=organisation, attended=attended)
        return gathering

    def test_each_figure_is_computed_from_the_data_with_its_period(self, cast, cohorts, org_c, history):
        figures = gatherings.report_figures(self.gathering(cast, cohorts, org_c), today=datetime.date(2022, 11, 1))
        # A and B came; both hosted in spring 2022, so both are returning for spring 2023.
        assert figures["organisations"] == {"basis": "attended", "total": 2, "returning": 2}
        assert figures["period"] == {"cohort": "Internship våren 2022", "start": "2022-01-10", "end": "2022-05-20"}
        assert figures["agreements"] == {"approved_before_start": 1, "total": 3}
        assert figures["resource"] == {"high": 1, "answered": 2}
        assert figures["workload"] == [[1, 0], [2, 0], [3, 1], [4, 1], [5, 0]]
        assert figures["onboarding"] == {"on_time": 1, "due": 3}  # 1 June is after the round ended
        lines = gatherings.figure_lines(figures)
        assert lines[0] == "2 organisasjoner deltok: 2 har hatt studenter før, 0 er med for første gang."
        assert (
            "33 % av forventningsavklaringene ble godkjent før start "
            "(1 av 3; Internship våren 2022, 10.01.2022–20.05.2022)." in lines
        )

    def test_the_draft_starts_with_who_took_part(self, cast, cohorts, org_c, history):
        gathering = self.gathering(cast, cohorts, org_c)
        client_for(cast.coordinator).post(reverse("report_edit", kwargs={"pk": gathering.pk}), {"action": "start"})
        report = ExperienceReport.objects.get()
        assert "Av de 2 organisasjonene som deltok, hadde 2 hatt studenter før og 0 er med for første gang." in (
            report.background
        )
        assert not report.is_published

    def test_publishing_makes_it_visible_and_keeps_the_figures(self, cast, cohorts, org_c, history):
        gathering = self.gathering(cast, cohorts, org_c)
        coordinator = client_for(cast.coordinator)
        coordinator.post(reverse("report_edit", kwargs={"pk": gathering.pk}), {"action": "start"})
        report = ExperienceReport.objects.get()
        supervisor_c = Membership.objects.get(organisation=org_c).user
        url = reverse("report_detail", kwargs={"pk": report.pk})
        assert client_for(cast.supervisor_a).get(url).status_code == 404  # a draft
        coordinator.post(
            reverse("report_edit", kwargs={"pk": gathering.pk}),
            {
                "action": "publish",
                "title": "Erfaringsskriv",
                "background": "Bakgrunn",
                "main_points": "Vær tydelig\nTett oppfølging",
                "onboarding_advice": "Fast spørretid",
            },
        )
        report.refresh_from_db()
        assert report.is_published
        for user in (cast.supervisor_a, cast.supervisor_b, supervisor_c):  # invited
            html = client_for(user).get(url).content.decode()
            assert "Tett oppfølging" in html and "33 %" in html
        assert client_for(cast.student_a).get(url).status_code == 404
        # Later data does not change what was published.
        ExpectationAgreement.objects.filter(placement=history[2]).update(
            state=AgreementState.APPROVED, approved_at=timezone.make_aware(datetime.datetime(2021, 12, 1, 12))
        )
        assert "33 %" in client_for(cast.supervisor_a).get(url).content.decode()

    def test_later_cohorts_read_earlier_write_ups_and_others_do_not(self, cast, cohorts, org_c, history):
        gathering = Gathering.objects.create(
            cohort=cohorts[0],
            kind="kickoff",
            held_on=datetime.date(2022, 1, 5),
            starts_at=datetime.time(10),
            ends_at=datetime.time(12),
            place="Campus",
        )
        GatheringOrganisation.objects.create(gathering=gathering, organisation=cast.org_a)
        report = ExperienceReport.objects.create(gathering=gathering, title="Kickoff 2022")
        gatherings.report_publish(report=report, user=cast.coordinator)
        supervisor_c = Membership.objects.get(organisation=org_c).user
        library = reverse("report_library")
        assert "Kickoff 2022" not in client_for(supervisor_c).get(library).content.decode()
        Placement.objects.create(
            cohort=cohorts[1],
            student=cast.student_a.student,
            organisation=org_c,
            starts_on=SPRING_23[0],
            ends_on=SPRING_23[1],
        )
        assert "Kickoff 2022" in client_for(supervisor_c).get(library).content.decode()
        assert client_for(cast.student_a).get(library).status_code == 403

    def test_the_printable_page(self, cast, cohorts, org_c, history):
        gathering = self.gathering(cast, cohorts, org_c)
        report = ExperienceReport.objects.create(gathering=gathering, title="Erfaringsskriv", main_points="Punkt én")
        gatherings.report_publish(report=report, user=cast.coordinator)
        html = client_for(cast.supervisor_a).get(reverse("report_print", kwargs={"pk": report.pk})).content.decode()
        assert "css/print.css" in html and "navbar" not in html and "Punkt én" in html


class TestQueryCounts:
    @pytest.mark.parametrize(("name", "expected"), [("gathering_list", 5), ("report_library", 4)])
    def test_lists_do_not_grow(self, cast, cohorts, name, expected):
        client = client_for(cast.supervisor_a)
        counts = []
        for size in (1, 8):
            for number in range(size):
                gathering = Gathering.objects.create(
                    cohort=cohorts[1],
                    kind="kickoff",
                    held_on=datetime.date(2023, 1, 2 + number % 20),
                    starts_at=datetime.time(10),
                    ends_at=datetime.time(12),
                    place=f"Rom {number}",
                )
                GatheringOrganisation.objects.create(gathering=gathering, organisation=cast.org_a)
                ExperienceReport.objects.create(
                    gathering=gathering, title=f"Skriv {size}-{number}", published_at=timezone.now()
                )
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse(name)).status_code == 200
            counts.append(len(queries))
        assert counts == [expected] * 2
