"""The coordinator's dashboard, its export and charts, and the next steps on the other roles' home pages."""

from __future__ import annotations

import csv
import datetime
import io
import re
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from feedback import checkins, flags, lifecycle
from feedback import dashboard as board
from feedback.conversation import message_write
from feedback.models import CheckIn
from feedback.status import status_recompute
from innopraksis.models import User
from students.models import (
    AgreementState,
    CachedFigures,
    Cohort,
    ExpectationAgreement,
    Placement,
    PlacementState,
    Student,
)
from tests.conftest import client_for

START = datetime.date(2023, 1, 9)
END = datetime.date(2023, 5, 19)
TODAY = datetime.datetime(2023, 2, 10, 12, 0)  # four weeks in: check-ins were due 23 January and 6 February


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def cohort(db) -> Cohort:
    return Cohort.objects.create(name="Internship våren 2023", starts_on=START, ends_on=END)


def person(number: int, course: str = "INP3001") -> Student:
    user = User.objects.create_user(f"s{number}@example.org", None, full_name=f"Student {number:02d}")
    return Student.objects.create(user=user, internship_course=course)


def place(cohort, student, organisation, state=PlacementState.ACTIVE, approved_on=None) -> Placement:
    placement = Placement.objects.create(
        cohort=cohort, student=student, organisation=organisation, starts_on=START, ends_on=END
    )
    if state == PlacementState.PLANNED:
        return placement
    Placement.objects.filter(pk=placement.pk).update(state=PlacementState.AGREEMENT)
    approved_at = (
        timezone.make_aware(datetime.datetime.combine(approved_on, datetime.time(12))) if approved_on else None
    )
    ExpectationAgreement.objects.create(
        placement=placement,
        state=AgreementState.APPROVED if approved_on else AgreementState.DRAFT,
        approved_at=approved_at,
    )
    placement.refresh_from_db()
    if state == PlacementState.ACTIVE:
        lifecycle.placement_activate(placement=placement, today=START)
    return placement


def answer(placement, index, *, workload, resource, delivery="meets"):
    """Both sides answer the index-th check-in on its due date, as the check-in page does."""
    checkin = placement.checkins.order_by("due_on")[index]
    answers = {"workload": workload, "resource": resource, "learning": 4, "safe_to_ask": "yes"}
    with time_machine.travel(datetime.datetime.combine(checkin.due_on, datetime.time(12)), tick=False):
        checkins.checkin_answer_student(checkin=checkin, user=placement.student.user, answers=answers)
        checkins.checkin_answer_supervisor(
            checkin=checkin, user=placement.supervisors.first(), answers={"delivery": delivery, "feedback_given": "Bra"}
        )
    return checkin


@pytest.fixture
def small(cast, cohort):
    """Five placements whose figures are easy to count by hand."""
    p1 = place(cohort, person(1), cast.org_a, approved_on=datetime.date(2022, 12, 20))  # before the deadline
    p2 = place(cohort, person(2), cast.org_a, approved_on=datetime.date(2023, 1, 5))  # late, before the start
    p3 = place(cohort, person(3, "INP3002"), cast.org_b, approved_on=datetime.date(2023, 1, 16))  # after start
    p4 = place(cohort, person(4), cast.org_b, state=PlacementState.AGREEMENT)  # overdue agreement
    p5 = place(cohort, person(5), cast.org_b, state=PlacementState.PLANNED)  # overdue, not opened
    for placement in (p1, p2, p3):
        placement.supervisors.add(cast.supervisor_a if placement.organisation == cast.org_a else cast.supervisor_b)
    answer(p1, 0, workload=3, resource=4)
    answer(p1, 1, workload=5, resource=5)  # latest: workload 5 → flagged
    answer(p2, 0, workload=3, resource=2)  # latest: resource 2 → flagged; 6 February not answered → overdue
    answer(p3, 0, workload=3, resource=4, delivery="below")
    answer(p3, 1, workload=2, resource=4, delivery="below")  # workload 2 and delivery below twice
    for placement in (p1, p3):
        checkins.followup_log(
            placement=placement,
            user=placement.supervisors.first(),
            kind="meeting",
            happened_on=datetime.date(2023, 2, 8),
            note="Møte",
        )
    return p1, p2, p3, p4, p5


def dashboard(client, **params):
    return client.get(reverse("dashboard"), params)


class TestFigures:
    def test_the_figures_match_a_hand_count(self, cast, cohort, small):
        figures = dashboard(client_for(cast.coordinator)).context["summary"].figures
        assert figures.total == 5
        assert dict(figures.by_state_labelled) == {"Aktiv": 3, "Forventningsavklaring pågår": 1, "Planlagt": 1}
        assert (figures.approved_before_start, figures.started) == (2, 5)
        assert (figures.resource_high, figures.resource_answered, figures.resource_share) == (2, 3, 67)
        assert figures.workload_spread == [(1, 0), (2, 1), (3, 1), (4, 0), (5, 1)]
        assert figures.overdue_agreements == 2
        assert figures.overdue_checkins == 1  # p2's second check-in

    def test_the_completion_chart_counts_against_the_deadline(self, cast, cohort, small):
        completion = dashboard(client_for(cast.coordinator)).context["summary"].figures.completion
        assert (completion.on_time, completion.late, completion.after_start, completion.overdue) == (1, 1, 1, 2)

    def test_the_weekly_chart_has_the_points_and_a_text_alternative(self, cast, cohort, small):
        html = dashboard(client_for(cast.coordinator)).content.decode()
        svg = html[html.index('aria-labelledby="weekly-title weekly-desc"') :]
        svg = svg[: svg.index("</svg>")]
        assert svg.count('class="point-workload"') == 2 and svg.count('class="point-resource"') == 2
        # Week 3 (23 January): p1 3/4, p2 3/2, p3 3/4; week 5 (6 February): p1 5/5, p3 2/4.
        assert "Uke 3: arbeidsmengde 3,0, ressurs 3,3 (3 svar)." in html
        assert "Uke 5: arbeidsmengde 3,5, ressurs 4,5 (2 svar)." in html
        assert "<td>3,5</td>" in html  # the same numbers as a table
        assert "style=" not in html


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_charts_draw_bars_and_lines_with_decimal_points_in_both_languages(cast, cohort, small, language):
    cast.coordinator.language = language
    cast.coordinator.save(update_fields=["language"])
    html = dashboard(client_for(cast.coordinator)).content.decode()
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(svgs) == 2
    numbers = re.findall(r'\b(?:x|y|width|height|cx|cy)="([^"]*)"', "".join(svgs))
    assert numbers and all(re.fullmatch(r"-?\d+(\.\d+)?", number) for number in numbers)
    points = re.findall(r'points="([^"]*)"', svgs[0])
    assert points and all(re.fullmatch(r"[\d.]+,[\d.]+", pair) for line in points for pair in line.split())
    widths = [float(width) for width in re.findall(r'<rect class="bar[^"]*"[^>]*width="([\d.]+)"', svgs[1])]
    assert widths and max(widths) == 420.0  # the longest bar is drawn at full length
    # The labels are in the reader's language: a decimal comma in Norwegian, a point in English.
    assert ("arbeidsmengde 3,0" if language == "nb" else "workload 3.0") in html


def names(response) -> list[str]:
    return [row["student__user__full_name"] for row in response.context["rows"]]


class TestTable:
    def test_flagged_placements_come_first(self, cast, cohort, small):
        # Two flags each first (by name), then one flag each.
        assert names(dashboard(client_for(cast.coordinator))) == [
            "Student 02",
            "Student 03",
            "Student 01",
            "Student 04",
            "Student 05",
        ]

    def test_filter_by_flag_organisation_state_course_and_search(self, cast, cohort, small):
        client = client_for(cast.coordinator)
        assert names(dashboard(client, flag="workload")) == ["Student 03", "Student 01"]
        assert set(names(dashboard(client, flag="delivery"))) == {"Student 03"}
        assert set(names(dashboard(client, flag="agreement"))) == {"Student 04", "Student 05"}
        assert set(names(dashboard(client, organisation=cast.org_a.pk))) == {"Student 01", "Student 02"}
        assert set(names(dashboard(client, state="planned"))) == {"Student 05"}
        assert set(names(dashboard(client, internship_course="INP3002"))) == {"Student 03"}
        assert names(dashboard(client, q="student 04")) == ["Student 04"]

    def test_sort_by_any_column_both_ways(self, cast, cohort, small):
        client = client_for(cast.coordinator)
        assert names(dashboard(client, sort="workload"))[:3] == ["Student 03", "Student 02", "Student 01"]
        assert names(dashboard(client, sort="-workload"))[:3] == ["Student 01", "Student 02", "Student 03"]
        assert names(dashboard(client, sort="student")) == [f"Student {n:02d}" for n in range(1, 6)]
        html = dashboard(client, sort="workload").content.decode()
        assert 'aria-sort="ascending"' in html

    def test_pagination_and_filters_live_in_the_url(self, cast, cohort):
        for number in range(30):
            place(cohort, person(number), cast.org_a, state=PlacementState.PLANNED)
        client = client_for(cast.coordinator)
        first = dashboard(client, sort="student")
        assert len(first.context["page"].object_list) == 25
        second = dashboard(client, sort="student", page=2)
        assert names(second) == [f"Student {n:02d}" for n in range(25, 30)]
        assert "?sort=student&amp;page=1" in second.content.decode()  # the previous page keeps the sort

    def test_the_flags_say_why(self, cast, cohort, small):
        html = dashboard(client_for(cast.coordinator), flag="resource").content.decode()
        assert "Studenten føler seg lite som en ressurs: 2 av 5 i siste statussjekk (23.01.2023)." in html
        html = dashboard(client_for(cast.coordinator), flag="workload").content.decode()
        assert "Studenten svarte «5 – altfor mye» om arbeidsmengden i siste statussjekk (06.02.2023)." in html

    def test_filtering_by_a_flag_shows_exactly_the_rows_that_show_it(self, cast, cohort, small):
        client = client_for(cast.coordinator)
        every = dashboard(client).context["rows"]
        for kind in flags.FlagKind:
            shown = {row["pk"] for row in every if kind in {flag.kind for flag in row["flags"]}}
            assert {row["pk"] for row in dashboard(client, flag=kind.value).context["rows"]} == shown, kind


def body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def parse(response) -> list[list[str]]:
    assert response.streaming  # written row by row, not built in memory
    text = body(response)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


class TestExport:
    def test_the_export_is_exactly_the_filtered_view_for_excel(self, cast, cohort, small):
        response = client_for(cast.coordinator).get(
            reverse("dashboard_export"), {"flag": "workload", "sort": "student"}
        )
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        rows = parse(response)
        assert rows[0][:3] == ["Student", "E-postadresse", "Organisasjon"]
        assert [row[0] for row in rows[1:]] == ["Student 01", "Student 03"]
        assert "Studenten svarte «5 – altfor mye» om arbeidsmengden" in rows[1][-1]

    def test_notes_to_the_coordinator_only_when_asked_for(self, cast, cohort, small):
        p1 = small[0]
        with time_machine.travel(datetime.datetime(2023, 2, 6, 12), tick=False):
            message_write(placement=p1, user=p1.student.user, text="For mye å gjøre.")
        client = client_for(cast.coordinator)
        plain = body(client.get(reverse("dashboard_export")))
        assert "For mye å gjøre." not in plain
        rows = parse(client.get(reverse("dashboard_export"), {"notes": "1", "sort": "student"}))
        assert rows[0][-1] == "Meldinger til koordinatoren"
        assert rows[1][-1] == "06.02.2023: For mye å gjøre."
        assert client_for(cast.supervisor_a).get(reverse("dashboard_export"), {"notes": "1"}).status_code == 403

    def test_the_export_shows_every_change_at_once(self, cast, cohort, small):
        client = client_for(cast.coordinator)
        rows = parse(client.get(reverse("dashboard_export"), {"sort": "student"}))
        assert rows[2][4] == cast.supervisor_a.full_name
        assert rows[2][13] == "3"  # Student 02's workload
        answer(small[1], 1, workload=1, resource=4)
        cast.supervisor_a.full_name = "Astrid Omdøpt"
        cast.supervisor_a.save()
        small[1].supervisors.add(cast.supervisor_b)
        after = parse(client.get(reverse("dashboard_export"), {"sort": "student"}))
        assert after[2][4] == f"Astrid Omdøpt, {cast.supervisor_b.full_name}"
        assert after[2][13] == "1"
        assert "Studenten svarte «1 – altfor lite» om arbeidsmengden" in after[2][-1]

    def test_notes_to_the_coordinator_are_read_afresh_each_time(self, cast, cohort, small):
        client = client_for(cast.coordinator)
        assert parse(client.get(reverse("dashboard_export"), {"notes": "1", "sort": "student"}))[1][-1] == ""
        with time_machine.travel(datetime.datetime(2023, 2, 6, 12), tick=False):
            message_write(placement=small[0], user=small[0].student.user, text="Trenger en prat.")
        rows = parse(client.get(reverse("dashboard_export"), {"notes": "1", "sort": "student"}))
        assert rows[1][-1] == "06.02.2023: Trenger en prat."

    def test_text_that_looks_like_a_formula_is_exported_as_text(self, cast, cohort, small):
        student = small[0].student.user
        student.full_name = '=HYPERLINK("https://evil.example","Klikk")'
        student.save()
        cast.org_a.name = "+47 Revisjon AS"
        cast.org_a.save()
        rows = parse(client_for(cast.coordinator).get(reverse("dashboard_export"), {"sort": "student"}))
        exported = next(row for row in rows if "HYPERLINK" in row[0])
        assert exported[0] == '\'=HYPERLINK("https://evil.example","Klikk")'
        assert exported[2] == "'+47 Revisjon AS"
        assert exported[9].isdigit() and exported[10].isdigit()  # the portal's own numbers stay numbers

    def test_every_page_is_exported(self, cast, cohort):
        for number in range(30):
            place(cohort, person(number), cast.org_a, state=PlacementState.PLANNED)
        assert len(parse(client_for(cast.coordinator).get(reverse("dashboard_export")))) == 31

    def test_the_export_does_not_grow_in_queries_with_rows(self, cast, cohort):
        client = client_for(cast.coordinator)
        counts = []
        for size in (5, 1200):
            bulk_placements(cohort, cast.org_a, size)
            with CaptureQueriesContext(connection) as queries:
                rows = parse(client.get(reverse("dashboard_export")))
            counts.append(len(queries))
        assert len(rows) == 1206
        # The rows are read from one query and written in chunks of 500, each chunk's supervisors read in one
        # query: two more chunks, two more queries, not one per row.
        assert counts[1] - counts[0] == 2


class TestReturningOrganisations:
    def badge(self, client, cohort) -> str:
        row = dashboard(client, cohort=cohort.pk).context["rows"][0]
        return "returning" if row["organisation_is_returning"] else "first time"

    def test_moving_a_cohorts_dates_moves_every_badge_at_once(self, cast, cohort):
        """Two cohorts place students at the same organisation; the later one's dates move before the
        earlier one's, as the cohort's edit page saves them. Each dashboard, and the supervisor's home,
        shows the organisation as it now is in that cohort, on the next request."""
        autumn = Cohort.objects.create(
            name="Internship høsten 2023", starts_on=datetime.date(2023, 8, 14), ends_on=datetime.date(2023, 12, 15)
        )
        place(cohort, person(1), cast.org_a, state=PlacementState.PLANNED)
        place(autumn, person(2), cast.org_a, state=PlacementState.PLANNED)
        client = client_for(cast.coordinator)
        assert (self.badge(client, cohort), self.badge(client, autumn)) == ("first time", "returning")
        home = client_for(cast.supervisor_a).get(reverse("home_supervisor")).content.decode()
        assert home.count("Tilbakevendende") == 1 and home.count("Første gang") == 1

        moved = {
            "name": autumn.name,
            "starts_on": "2022-08-15",
            "ends_on": "2022-12-16",
            "agreement_deadline_days": 14,
            "checkin_cadence_days": 14,
            "chaser_days": 3,
            "last_chaser_days": 7,
        }
        Placement.objects.filter(cohort=autumn).update(starts_on="2022-08-15", ends_on="2022-12-16")
        response = client.post(reverse("cohort_edit", kwargs={"pk": autumn.pk}), moved)
        assert response.status_code == 302

        assert (self.badge(client, cohort), self.badge(client, autumn)) == ("returning", "first time")
        home = client_for(cast.supervisor_a).get(reverse("home_supervisor")).content.decode()
        rows = {name: card for card in home.split("student-card")[1:] for name in re.findall(r"Student 0\d", card)}
        assert "Tilbakevendende" in rows["Student 01"] and "Første gang" in rows["Student 02"]


class TestOrganisationView:
    def test_one_organisation_across_cohorts(self, cast, cohort, small):
        earlier = Cohort.objects.create(
            name="Internship våren 2022", starts_on=datetime.date(2022, 1, 10), ends_on=datetime.date(2022, 5, 20)
        )
        Placement.objects.create(
            cohort=earlier,
            student=person(9),
            organisation=cast.org_a,
            starts_on=earlier.starts_on,
            ends_on=earlier.ends_on,
        )
        response = client_for(cast.coordinator).get(reverse("organisation_dashboard", kwargs={"pk": cast.org_a.pk}))
        assert set(names(response)) == {"Student 01", "Student 02", "Student 09"}
        assert response.context["summary"].figures.total == 3


class TestHomes:
    def test_the_supervisor_sees_each_students_next_step(self, cast, cohort):
        placement = place(cohort, cast.student_a.student, cast.org_a, state=PlacementState.ACTIVE, approved_on=START)
        placement.supervisors.add(cast.supervisor_a)
        html = client_for(cast.supervisor_a).get(reverse("home_supervisor")).content.decode()
        # Both check-ins due so far (23 January, 6 February) are open: the later is the one to answer (it closes
        # the other as missed), late since the first was due.
        latest = placement.checkins.get(due_on=datetime.date(2023, 2, 6))
        assert html.count("Svar på statussjekken") == 1
        assert reverse("checkin_detail", kwargs={"pk": placement.pk, "checkin_pk": latest.pk}) in html
        assert "forsinket siden 23.01.2023" in html

    def test_a_flag_the_supervisor_acts_on_is_never_shown_beside_nothing_to_do(self, cast, cohort):
        placement = place(cohort, cast.student_a.student, cast.org_a, state=PlacementState.ACTIVE, approved_on=START)
        placement.supervisors.add(cast.supervisor_a)
        answer(placement, 0, workload=3, resource=4)
        answer(placement, 1, workload=5, resource=4)  # both check-ins due so far answered; workload flagged
        html = client_for(cast.supervisor_a).get(reverse("home_supervisor")).content.decode()
        assert "Studenten svarte «5 – altfor mye» om arbeidsmengden" in html
        assert "følg opp det som er flagget nedenfor." in html
        assert "ingenting for deg" not in html

    def test_the_student_sees_their_to_dos_in_order_of_due_date(self, cast, cohort):
        place(cohort, cast.student_a.student, cast.org_a, state=PlacementState.ACTIVE, approved_on=START)
        html = client_for(cast.student_a).get(reverse("home_student")).content.decode()
        todo = html[html.index('id="todo-heading"') :]
        todo = todo[: todo.index("</section>")]
        dates = re.findall(r"(?:frist|forsinket siden) (\d\d\.\d\d\.\d{4})", todo)
        assert dates == sorted(dates, key=lambda d: datetime.datetime.strptime(d, "%d.%m.%Y"))
        assert dates[0] == "23.01.2023"
        assert todo.count("Svar på statussjekken") == 1  # the latest check-in, for all those left open


class TestEveryChangeShowsAtOnce:
    """Nothing the dashboard shows is kept between requests: every change shows on the next one."""

    def figures_text(self, client) -> str:
        html = dashboard(client).content.decode()
        return html[html.index('id="figures-heading"') : html.index('id="placements-heading"')]

    def test_a_new_answer_shows_in_the_figures_and_the_flags_on_the_next_request(self, cast, cohort, small):
        client = client_for(cast.coordinator)
        before = self.figures_text(client)
        assert "1: 0 · 2: 1 · 3: 1 · 4: 0 · 5: 1" in before
        p2 = small[1]
        assert "Student 02" not in names(dashboard(client, flag="workload"))
        answer(p2, 1, workload=1, resource=4)  # p2's latest answer is now workload 1
        after = self.figures_text(client)
        assert "1: 1 · 2: 1 · 3: 0 · 4: 0 · 5: 1" in after
        assert sorted(names(dashboard(client, flag="workload"))) == ["Student 01", "Student 02", "Student 03"]

    def test_a_change_of_an_organisations_name_shows(self, cast, cohort, small):
        client = client_for(cast.coordinator)
        assert "Nordvik kommune" in dashboard(client).content.decode()
        cast.org_b.name = "Nordvik kommune, helse"
        cast.org_b.save()
        html = dashboard(client).content.decode()
        assert f'value="{cast.org_b.pk}">Nordvik kommune, helse</option>' in html
        assert "Student 04" in html

    def test_approving_an_agreement_moves_the_figures_and_the_order(self, cast, cohort, small):
        client = client_for(cast.coordinator)
        assert "2 av 5" in self.figures_text(client)  # approved before the start
        assert names(dashboard(client, flag="agreement")) == ["Student 04", "Student 05"]
        ExpectationAgreement.objects.filter(placement=small[3]).update(state=AgreementState.SIGNED)  # as if signed
        with time_machine.travel(datetime.datetime(2022, 12, 21, 12), tick=False):
            lifecycle.agreement_approve_and_start(agreement=small[3].agreement, user=cast.coordinator)
        assert "3 av 5" in self.figures_text(client)
        assert names(dashboard(client, flag="agreement")) == ["Student 05"]

    def test_names_and_supervisors_show_in_the_kept_rows(self, cast, cohort, small):
        client = client_for(cast.coordinator)

        def row(name):
            found = next(row for row in dashboard(client).context["rows"] if row["student__user__full_name"] == name)
            return found["supervisors"]

        assert cast.supervisor_a.full_name in row("Student 01")
        user = small[3].student.user
        user.full_name = "Student Fire"
        user.save()
        small[3].supervisors.add(cast.supervisor_b)
        assert cast.supervisor_b.full_name in row("Student Fire")
        cast.supervisor_b.full_name = "Bjørn Omdøpt"
        cast.supervisor_b.save()
        assert "Bjørn Omdøpt" in row("Student Fire")
        cast.supervisor_a.supervised_placements.remove(small[0])  # from the supervisor's side
        assert cast.supervisor_a.full_name not in row("Student 01")

    def test_a_new_placement_shows(self, cast, cohort, small):
        client = client_for(cast.coordinator)
        dashboard(client)
        place(cohort, person(6), cast.org_a, state=PlacementState.PLANNED)
        response = dashboard(client)
        assert response.context["page"].paginator.count == 6
        assert "Student 06" in names(response)


class TestCachedFigures:
    def test_the_figures_are_computed_on_every_request_when_not_cached(self, cast, cohort, small, settings):
        settings.CACHE_DASHBOARD_FIGURES = False
        client = client_for(cast.coordinator)
        assert dashboard(client).context["summary"].figures.total == 5
        assert not CachedFigures.objects.exists()

    def test_figures_cleared_while_they_were_computed_are_not_stored(self, cast, cohort, small):
        """A change made while a request computes the figures (here: between reading the cached row and
        storing what it computed) leaves them uncached, for the next request to compute anew."""
        placements = Placement.objects.filter(cohort=cohort)
        real_figures = board.figures

        def figures_while_an_answer_is_saved(*args, **kwargs):
            computed = real_figures(*args, **kwargs)
            answer(small[1], 1, workload=1, resource=4)  # saved after the figures were read
            return computed

        with mock.patch.object(board, "figures", figures_while_an_answer_is_saved):
            board.cohort_figures(cohort, placements, today=timezone.localdate())
        assert CachedFigures.objects.get(cohort=cohort).figures is None
        figures, _weeks = board.cohort_figures(cohort, placements, today=timezone.localdate())
        assert figures.workload_spread[0] == (1, 1)  # p2's new answer
        assert CachedFigures.objects.get(cohort=cohort).figures is not None


class TestQueryCounts:
    def test_the_dashboard_does_not_grow_with_the_cohort(self, cast, cohort):
        """10 placements, then 5,000 with 50,000 check-ins: the same number of queries, filtered or not, right
        after a change of the cohort's data and on the next request."""
        client = client_for(cast.coordinator)
        dashboard(client)  # the cohort's first dashboard makes the row its figures are cached in
        counts = []
        for size in (10, 5_000):
            bulk_placements(cohort, cast.org_a, size)  # which clears the cached figures
            for params in ({"sort": "-workload"}, {"flag": "workload", "q": "bulk"}):
                with CaptureQueriesContext(connection) as queries:
                    response = dashboard(client, **params)
                assert response.status_code == 200
                assert response.context["rows"]
                counts.append(len(queries))
        assert Placement.objects.count() == 5_010
        assert CheckIn.objects.count() == 50_100
        assert counts == [EXPECTED_AFTER_A_CHANGE, EXPECTED_DASHBOARD_QUERIES] * 2
        assert max(counts) <= 12


# Session, user with roles, the cohorts, the cohort's cached figures; the filter's choices; the number of rows,
# the order of the page's rows, the rows and their supervisors.
EXPECTED_DASHBOARD_QUERIES = 9
# Right after a change: also the figures (with the agreements against their deadline), the weekly chart, and
# storing them.
EXPECTED_AFTER_A_CHANGE = 12


def bulk_placements(cohort, organisation, size: int) -> None:
    """``size`` active placements with ten answered check-ins each, written in bulk."""
    offset = User.objects.count()
    users = User.objects.bulk_create(
        User(email=f"bulk{offset + n}@example.org", full_name=f"Bulk {offset + n}") for n in range(size)
    )
    students = Student.objects.bulk_create(Student(user=user) for user in users)
    placements = Placement.objects.bulk_create(
        Placement(
            cohort=cohort,
            student=student,
            organisation=organisation,
            starts_on=START,
            ends_on=END,
            state=PlacementState.ACTIVE,
        )
        for student in students
    )
    answered = timezone.make_aware(datetime.datetime(2023, 1, 23, 12))
    CheckIn.objects.bulk_create(
        (
            CheckIn(
                placement=placement,
                due_on=START + datetime.timedelta(days=14 * (n + 1)),
                workload=1 + (placement.pk + n) % 5,
                resource=1 + n % 5,
                learning=3,
                safe_to_ask="yes",
                student_answered_at=answered,
            )
            for placement in placements
            for n in range(10)
        ),
        batch_size=5_000,
    )
    status_recompute([placement.pk for placement in placements], log=False)  # rows written in bulk write no status
