"""Check-ins, follow-ups, evaluations, flags and reminders."""

from __future__ import annotations

import datetime
import threading
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from feedback import checkins, flags, lifecycle, reminders, todos
from feedback.models import (
    CheckIn,
    Delivery,
    Evaluation,
    EvaluationKind,
    FollowUp,
    Message,
    Reminder,
    ReminderStage,
    Workload,
)
from innopraksis import accounts, outbox
from innopraksis.models import Mail, MailStatus, ReminderDigest
from students import placements
from students.forms import CohortForm, PlacementForm
from students.models import AgreementState, Cohort, ExpectationAgreement, Placement, PlacementState
from tests import mail_backends
from tests.conftest import client_for
from tests.test_dashboard import bulk_placements

START = datetime.date(2023, 1, 9)  # a Monday
END = datetime.date(2023, 5, 19)
CHECKIN_DATES = [START + datetime.timedelta(days=14 * n) for n in range(1, 10)]
NOTE = "Jeg tør ikke si fra om arbeidsmengden."


@pytest.fixture
def cohort(db) -> Cohort:
    return Cohort.objects.create(name="Internship våren 2023", starts_on=START, ends_on=END)


def started(cast, cohort, student=None, organisation=None, supervisor=None) -> Placement:
    student, organisation = student or cast.student_a, organisation or cast.org_a
    placement = Placement.objects.create(
        cohort=cohort, student=student.student, organisation=organisation, starts_on=START, ends_on=END
    )
    placement.supervisors.add(supervisor or cast.supervisor_a)
    Placement.objects.filter(pk=placement.pk).update(state=PlacementState.AGREEMENT)
    ExpectationAgreement.objects.create(placement=placement, state=AgreementState.APPROVED)
    placement.refresh_from_db()
    lifecycle.placement_activate(placement=placement, today=START)
    return placement


@pytest.fixture
def placement(cast, cohort) -> Placement:
    return started(cast, cohort)


STUDENT_ANSWER = {"workload": "3", "resource": "4", "learning": "4", "safe_to_ask": "yes", "goes_well": "Bra team"}
SUPERVISOR_ANSWER = {"delivery": "meets", "feedback_given": "Gode analyser", "workload_adjustment": ""}


def checkin_url(checkin):
    return reverse("checkin_detail", kwargs={"pk": checkin.placement_id, "checkin_pk": checkin.pk})


def answer(client, checkin, data):
    return client.post(checkin_url(checkin), data)


def first(placement) -> CheckIn:
    return placement.checkins.order_by("due_on").first()


class TestSchedule:
    def test_starting_schedules_check_ins_at_the_cadence_and_both_evaluations(self, placement):
        assert list(placement.checkins.values_list("due_on", flat=True)) == CHECKIN_DATES
        evaluations = Evaluation.objects.filter(placement=placement)
        assert {(e.kind, e.side) for e in evaluations} == {
            (kind, side) for kind in EvaluationKind.values for side in ("student", "organisation")
        }
        assert evaluations.get(kind="final", side="student").due_on == END
        assert evaluations.get(kind="midterm", side="student").due_on == datetime.date(2023, 3, 15)

    def test_new_dates_move_unanswered_check_ins_and_keep_answered_ones(self, cast, cohort, placement):
        with time_machine.travel(datetime.datetime(2023, 1, 23, 12), tick=False):
            answer(client_for(cast.student_a), first(placement), STUDENT_ANSWER)
        form = PlacementForm(
            data={
                "cohort": cohort.pk,
                "student": placement.student_id,
                "organisation": placement.organisation_id,
                "supervisors": [cast.supervisor_a.pk],
                "starts_on": "2023-01-16",
                "ends_on": "2023-03-31",
            },
            instance=placement,
            students=access_students(),
            organisations=access_organisations(),
            cohorts=Cohort.objects.all(),
        )
        assert form.is_valid(), form.errors
        lifecycle.placement_save(form=form)
        dates = list(placement.checkins.values_list("due_on", flat=True))
        # The answered one stays; the rest follow the new start and end.
        assert dates[0] == datetime.date(2023, 1, 23)
        assert dates[1:] == [datetime.date(2023, 1, 30) + datetime.timedelta(days=14 * n) for n in range(5)]
        assert Evaluation.objects.get(placement=placement, kind="final", side="student").due_on == datetime.date(
            2023, 3, 31
        )

    def test_a_new_cadence_reschedules_the_cohorts_placements(self, placement, cohort):
        form = CohortForm(
            data={
                "name": cohort.name,
                "starts_on": "2023-01-09",
                "ends_on": "2023-05-19",
                "agreement_deadline_days": 14,
                "checkin_cadence_days": 28,
                "chaser_days": 3,
                "last_chaser_days": 7,
            },
            instance=cohort,
        )
        assert form.is_valid()
        lifecycle.cohort_save(form=form)
        assert list(placement.checkins.values_list("due_on", flat=True)) == CHECKIN_DATES[1::2]


def access_students():
    from students.models import Student

    return Student.objects.all()


def access_organisations():
    from orgs.models import Organisation

    return Organisation.objects.all()


class TestAnswers:
    def test_out_of_range_answers_are_refused_with_a_clear_error(self, cast, placement):
        with time_machine.travel(datetime.datetime(2023, 1, 23, 12), tick=False):
            response = answer(client_for(cast.student_a), first(placement), {**STUDENT_ANSWER, "workload": "6"})
        assert "Velg et gyldig valg. 6 er ikke et av de tilgjengelige valgene." in response.content.decode()
        assert first(placement).student_answered_at is None

    def test_missing_answers_are_asked_for_and_the_rest_kept(self, cast, placement):
        with time_machine.travel(datetime.datetime(2023, 1, 23, 12), tick=False):
            response = answer(client_for(cast.student_a), first(placement), {"workload": "4", "goes_well": "Bra team"})
        html = response.content.decode()
        assert "Feltet er påkrevet." in html
        assert "Bra team" in html

    def test_a_check_in_opens_a_week_before_it_is_due(self, cast, placement):
        with time_machine.travel(datetime.datetime(2023, 1, 10, 12), tick=False):
            response = client_for(cast.student_a).get(checkin_url(first(placement)))
            assert "Du kan svare på denne statussjekken fra" in response.content.decode()
            assert answer(client_for(cast.student_a), first(placement), STUDENT_ANSWER).status_code == 403

    def test_a_check_in_is_found_only_under_its_own_placement(self, cast, cohort, placement):
        other = started(cast, cohort, cast.student_b, cast.org_b, cast.supervisor_b)
        url = reverse("checkin_detail", kwargs={"pk": other.pk, "checkin_pk": first(placement).pk})
        assert client_for(cast.coordinator).get(url).status_code == 404
        assert client_for(cast.student_b).get(url).status_code == 404  # their placement, not their check-in
        assert client_for(cast.student_b).post(url, STUDENT_ANSWER).status_code == 404
        assert client_for(cast.student_a).get(checkin_url(first(placement))).status_code == 200

    def test_each_side_answers_once(self, cast, placement):
        client = client_for(cast.student_a)
        with time_machine.travel(datetime.datetime(2023, 1, 23, 12), tick=False):
            assert answer(client, first(placement), STUDENT_ANSWER).status_code == 302
            assert answer(client, first(placement), {**STUDENT_ANSWER, "workload": "5"}).status_code == 403
        assert first(placement).workload == 3

    def test_each_side_sees_the_other_only_once_both_have_answered_or_the_due_date_passed(self, cast, placement):
        checkin = first(placement)
        student, supervisor = client_for(cast.student_a), client_for(cast.supervisor_a)
        with time_machine.travel(datetime.datetime(2023, 1, 20, 12), tick=False):
            answer(student, checkin, {**STUDENT_ANSWER, "goes_well": "Veldig bra team"})
            html = supervisor.get(checkin_url(checkin)).content.decode()
            assert "Veldig bra team" not in html
            assert "Studenten har svart" in html
            answer(supervisor, checkin, {**SUPERVISOR_ANSWER, "feedback_given": "Tydelige analyser"})
            assert "Veldig bra team" in supervisor.get(checkin_url(checkin)).content.decode()
            assert "Tydelige analyser" in student.get(checkin_url(checkin)).content.decode()
        second = placement.checkins.order_by("due_on")[1]
        with time_machine.travel(datetime.datetime(2023, 2, 3, 12), tick=False):
            answer(client_for(cast.student_a), second, {**STUDENT_ANSWER, "goes_well": "Andre runde"})
        with time_machine.travel(datetime.datetime(2023, 2, 7, 12), tick=False):  # the day after it was due
            assert "Andre runde" in client_for(cast.supervisor_a).get(checkin_url(second)).content.decode()


STUDENT_ANSWERS = {"workload": 3, "resource": 4, "learning": 4, "safe_to_ask": "yes"}


class TestMissedCheckins:
    """Answering the latest check-in closes the older ones that side left unanswered, as missed."""

    def test_the_student_answers_the_latest_and_the_older_ones_are_closed_as_missed(self, cast, placement):
        first_three = list(placement.checkins.order_by("due_on")[:3])  # due 23 Jan, 6 Feb and 20 Feb
        student = client_for(cast.student_a)
        with time_machine.travel(datetime.datetime(2023, 2, 21, 12), tick=False):
            assert "checkin" in flag_kinds(placement.pk, datetime.date(2023, 2, 21))
            assert answer(student, first_three[2], STUDENT_ANSWER).status_code == 302
            page = student.get(checkin_url(first_three[2])).content.decode()
            assert "Ikke noe mer for deg å gjøre nå." in page  # the next check-in opens on 27 February
            older = student.get(checkin_url(first_three[0])).content.decode()
            assert "Den ble lukket som uteblitt da du svarte på en senere" in older
            assert 'name="workload"' not in older
            assert answer(student, first_three[0], STUDENT_ANSWER).status_code == 403
            listing = student.get(reverse("checkin_list", kwargs={"pk": placement.pk})).content.decode()
            assert listing.count("Uteblitt") == 2
            # The check-ins not open yet have no answers to hide: they show a dash, not "hidden".
            assert "Skjult til begge har svart" not in listing
            assert "Svar på statussjekken" not in student.get(reverse("home_student")).content.decode()
        for checkin in first_three[:2]:
            checkin.refresh_from_db()
            assert checkin.student_missed_at is not None and checkin.student_answered_at is None
            assert checkin.supervisor_missed_at is None  # the organisation's side is still its own
        reason = flag_kinds(placement.pk, datetime.date(2023, 2, 21))["checkin"]
        assert reason.endswith("den venter på svar fra organisasjonen.")

        checkins.checkin_answer_supervisor(
            checkin=first_three[2], user=cast.supervisor_a, answers={"delivery": "meets", "feedback_given": "Bra"}
        )
        assert "checkin" not in flag_kinds(placement.pk, datetime.date(2023, 2, 21))


class TestWeeklyCheckins:
    """With a weekly cadence the next check-in opens before the last is due; nothing on time is missed."""

    def test_the_to_do_is_the_one_due_and_answering_the_next_early_leaves_it_open(self, cast):
        weekly = Cohort.objects.create(name="Ukentlig", starts_on=START, ends_on=END, checkin_cadence_days=7)
        placement = started(cast, weekly)
        due_today, next_week = list(placement.checkins.order_by("due_on")[:2])  # 16 and 23 January
        today = datetime.date(2023, 1, 16)
        todos.load([placement], today)
        assert [todo.path for todo in todos.todos_for(placement, "student", today)] == [checkin_url(due_today)]
        with time_machine.travel(datetime.datetime(2023, 1, 16, 12), tick=False):
            checkins.checkin_answer_student(checkin=next_week, user=cast.student_a, answers=STUDENT_ANSWERS)
        due_today.refresh_from_db()
        assert due_today.student_missed_at is None  # still within its due date: still the student's to answer


def supervisor_pages(placement, checkin) -> list[str]:
    pk = placement.pk
    return [
        reverse("home_supervisor"),
        reverse("placement_detail", kwargs={"pk": pk}),
        reverse("checkin_list", kwargs={"pk": pk}),
        checkin_url(checkin),
        reverse("followup_create", kwargs={"pk": pk}),
        reverse("evaluation_detail", kwargs={"pk": pk, "kind": "midterm"}),
        reverse("evaluation_detail", kwargs={"pk": pk, "kind": "final"}),
        reverse("agreement_detail", kwargs={"pk": pk}),
        reverse("agreement_sign", kwargs={"pk": pk}),
        reverse("agreement_print", kwargs={"pk": pk}),
        reverse("agreement_part", kwargs={"pk": pk, "side": "organisation"}),
        reverse("agreement_step", kwargs={"pk": pk, "side": "organisation", "step": "tasks"}),
        reverse("onboarding_checklist", kwargs={"pk": pk}),
        reverse("onboarding_item_add", kwargs={"pk": pk}),
        reverse("organisation_detail", kwargs={"pk": placement.organisation_id}),
        reverse("profile"),
    ]


# Placement pages a supervisor cannot reach (coordinator-only, student-only or needing data this test has not).
NOT_FOR_SUPERVISORS = {
    "placement_edit",
    "placement_transition",
    "reminder_send",
    "placement_cancel",
    "agreement_review",
    "agreement_version",
    "conversation",
    "office_hour_edit",
}


def _placement_url_names(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _placement_url_names(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and str(pattern.pattern).startswith("placements/<ref:pk>/"):
            yield pattern.name


class TestNoteToTheCoordinator:
    def test_no_page_a_supervisor_can_reach_shows_the_note(self, cast, placement):
        checkin = first(placement)
        with time_machine.travel(datetime.datetime(2023, 1, 23, 12), tick=False):
            answer(client_for(cast.student_a), checkin, {**STUDENT_ANSWER, "workload": "5", "note": NOTE})
            answer(client_for(cast.supervisor_a), checkin, SUPERVISOR_ANSWER)
        assert Message.objects.get().text == NOTE
        pages = supervisor_pages(placement, checkin)
        placement_pages = set(_placement_url_names(get_resolver().url_patterns))
        assert placement_pages - NOT_FOR_SUPERVISORS <= {resolve(url).url_name for url in pages}, (
            "a placement page is missing from supervisor_pages"
        )
        supervisor = client_for(cast.supervisor_a)
        for url in pages:
            response = supervisor.get(url, follow=True)  # an approved agreement's step page leads to the agreement
            assert response.status_code == 200, url
            assert NOTE not in response.content.decode(), url
        feed = supervisor.get(
            reverse("calendar_feed", kwargs={"token": accounts.calendar_token_renew(user=cast.supervisor_a)})
        )
        assert NOTE not in feed.content.decode()
        # The coordinator and the student read it.
        assert NOTE in client_for(cast.coordinator).get(checkin_url(checkin)).content.decode()
        assert NOTE in client_for(cast.student_a).get(checkin_url(checkin)).content.decode()

    def test_no_reminder_to_a_supervisor_holds_the_note(self, cast, placement):
        checkin = first(placement)
        with time_machine.travel(datetime.datetime(2023, 1, 23, 12), tick=False):
            answer(client_for(cast.student_a), checkin, {**STUDENT_ANSWER, "note": NOTE})
            with TestCase.captureOnCommitCallbacks(execute=True):
                reminders.send(today=datetime.date(2023, 1, 23))
        assert any(cast.supervisor_a.email in message.to for message in mail.outbox)
        assert all(NOTE not in message.body for message in mail.outbox)


def flag_kinds(placement_pk: int, today: datetime.date, *, organisation=False) -> dict[str, str]:
    """The flags of a placement as its pages show them on ``today``: to coordinators, or as the
    organisation sees them."""
    view = flags.Viewpoint(today, organisation=organisation)
    placement = flags.with_flags(Placement.objects.filter(pk=placement_pk), view).get()
    return {flag.kind.value: flag.reason for flag in flags.flags_of(placement, view)}


def answered(placement, index, **values):
    """Answer the index-th check-in on both sides on its due date, with the given answers."""
    checkin = placement.checkins.order_by("due_on")[index]
    student = {"workload": 3, "resource": 4, "learning": 4, "safe_to_ask": "yes"}
    supervisor = {"delivery": "meets", "feedback_given": "Bra"}
    fields = {**student, **supervisor, **values}
    now = timezone.make_aware(datetime.datetime.combine(checkin.due_on, datetime.time(12)))
    with time_machine.travel(now, tick=False):
        checkins.checkin_answer_student(checkin=checkin, user=placement.student.user, answers=fields)
        checkins.checkin_answer_supervisor(checkin=checkin, user=placement.supervisors.first(), answers=fields)
    return checkin


class TestFlags:
    def test_a_quiet_placement_has_no_flags(self, placement):
        answered(placement, 0)
        assert flag_kinds(placement.pk, datetime.date(2023, 1, 25)) == {}

    @pytest.mark.parametrize(("workload", "flagged"), [(1, True), (2, True), (3, False), (4, True), (5, True)])
    def test_workload_two_or_less_or_four_or_more(self, placement, workload, flagged):
        answered(placement, 0, workload=workload)
        kinds = flag_kinds(placement.pk, datetime.date(2023, 1, 25))
        assert ("workload" in kinds) is flagged
        if flagged:
            assert f"«{Workload(workload).label}»" in kinds["workload"]

    def test_resource_two_or_less(self, placement):
        answered(placement, 0, resource=2)
        assert "resource" in flag_kinds(placement.pk, datetime.date(2023, 1, 25))
        answered(placement, 1, resource=3)
        assert "resource" not in flag_kinds(placement.pk, datetime.date(2023, 2, 8))

    def test_delivery_below_expectations_twice_running(self, placement):
        answered(placement, 0, delivery=Delivery.BELOW)
        assert "delivery" not in flag_kinds(placement.pk, datetime.date(2023, 1, 25))
        answered(placement, 1, delivery=Delivery.BELOW)
        assert "delivery" in flag_kinds(placement.pk, datetime.date(2023, 2, 8))

    def test_a_check_in_is_overdue_from_the_day_after_it_was_due(self, placement):
        assert "checkin" not in flag_kinds(placement.pk, datetime.date(2023, 1, 23))
        reason = flag_kinds(placement.pk, datetime.date(2023, 1, 24))["checkin"]
        assert reason == (
            "Statussjekken med frist 23.01.2023 er ikke besvart: "
            "den venter på svar fra både studenten og organisasjonen."
        )

    def test_no_follow_up_for_the_configured_days(self, cast, placement, settings):
        settings.FOLLOW_UP_DAYS = 21
        answered(placement, 0)  # the supervisor answered on 23 January
        assert "follow_up" not in flag_kinds(placement.pk, datetime.date(2023, 2, 13))
        assert "follow_up" in flag_kinds(placement.pk, datetime.date(2023, 2, 14))
        checkins.followup_log(
            placement=placement,
            user=cast.supervisor_a,
            kind="meeting",
            happened_on=datetime.date(2023, 2, 10),
            note="Møte",
        )
        kinds = flag_kinds(placement.pk, datetime.date(2023, 2, 14))
        assert "follow_up" not in kinds

    def test_an_unrevealed_answer_does_not_flag_for_the_organisation(self, placement):
        checkin = first(placement)
        day = checkin.due_on - datetime.timedelta(days=1)
        answers = {"workload": 5, "resource": 1, "learning": 4, "safe_to_ask": "yes"}
        with time_machine.travel(datetime.datetime.combine(day, datetime.time(12)), tick=False):
            checkins.checkin_answer_student(checkin=checkin, user=placement.student.user, answers=answers)
        assert {"workload", "resource"} <= set(flag_kinds(placement.pk, day))
        assert not {"workload", "resource"} & set(flag_kinds(placement.pk, day, organisation=True))
        # Revealed once the supervisor has answered too, or the due date has passed.
        assert {"workload", "resource"} <= set(
            flag_kinds(placement.pk, checkin.due_on + datetime.timedelta(1), organisation=True)
        )
        checkins.checkin_answer_supervisor(
            checkin=checkin, user=placement.supervisors.first(), answers={"delivery": "meets", "feedback_given": "Bra"}
        )
        assert {"workload", "resource"} <= set(flag_kinds(placement.pk, day, organisation=True))

    def test_flags_show_on_the_placement_and_the_supervisors_home_with_a_link(self, cast, placement):
        answered(placement, 0, workload=5)
        with time_machine.travel(datetime.datetime(2023, 1, 25, 12), tick=False):
            for url in [reverse("home_supervisor"), reverse("placement_detail", kwargs={"pk": placement.pk})]:
                html = client_for(cast.supervisor_a).get(url).content.decode()
                assert "Studenten svarte «5 – altfor mye» om arbeidsmengden" in html, url
                assert reverse("checkin_list", kwargs={"pk": placement.pk}) in html


class TestFollowUps:
    def test_a_supervisor_logs_one_and_the_student_sees_it_only_when_shared(self, cast, placement):
        supervisor = client_for(cast.supervisor_a)
        url = reverse("followup_create", kwargs={"pk": placement.pk})
        supervisor.post(url, {"kind": "workload", "happened_on": "2023-02-01", "note": "Mindre rapportering."})
        supervisor.post(
            url,
            {"kind": "feedback", "happened_on": "2023-02-02", "note": "Bra presentasjon.", "shared_with_student": "on"},
        )
        assert FollowUp.objects.filter(placement=placement, author=cast.supervisor_a).count() == 2
        student_html = client_for(cast.student_a).get(reverse("checkin_list", kwargs={"pk": placement.pk}))
        student_html = student_html.content.decode()
        assert "Bra presentasjon." in student_html
        assert "Mindre rapportering." not in student_html
        assert client_for(cast.student_a).get(url).status_code == 403


class TestEvaluations:
    EVALUATION = {"value": "4", "win_win": "yes", "worked": "Tydelige forventninger", "change": ""}

    def evaluate(self, client, placement, kind, data):
        return client.post(reverse("evaluation_detail", kwargs={"pk": placement.pk, "kind": kind}), data)

    def test_the_organisation_is_asked_whether_it_would_host_again(self, cast, placement):
        response = self.evaluate(client_for(cast.supervisor_a), placement, "final", self.EVALUATION)
        assert "Feltet er påkrevet." in response.content.decode()
        self.evaluate(client_for(cast.supervisor_a), placement, "final", {**self.EVALUATION, "host_again": "yes"})
        assert Evaluation.objects.get(placement=placement, kind="final", side="organisation").host_again == "yes"

    def test_both_final_evaluations_after_the_end_complete_the_placement(self, cast, placement):
        with time_machine.travel(datetime.datetime(2023, 5, 22, 12), tick=False):
            self.evaluate(client_for(cast.student_a), placement, "final", self.EVALUATION)
            placement.refresh_from_db()
            assert placement.state == PlacementState.ACTIVE
            self.evaluate(client_for(cast.supervisor_a), placement, "final", {**self.EVALUATION, "host_again": "yes"})
        placement.refresh_from_db()
        assert placement.state == PlacementState.COMPLETED

    def test_before_the_end_the_daily_command_completes_it_afterwards(self, cast, placement):
        with time_machine.travel(datetime.datetime(2023, 5, 15, 12), tick=False):
            self.evaluate(client_for(cast.student_a), placement, "final", self.EVALUATION)
            self.evaluate(client_for(cast.supervisor_a), placement, "final", {**self.EVALUATION, "host_again": "yes"})
        placement.refresh_from_db()
        assert placement.state == PlacementState.ACTIVE
        with time_machine.travel(datetime.datetime(2023, 5, 20, 6), tick=False):
            call_command("advance_placements", stdout=StringIO())
        placement.refresh_from_db()
        assert placement.state == PlacementState.COMPLETED

    def test_completing_without_final_evaluations_is_refused(self, cast, placement):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError) as error:
            lifecycle.placement_complete(placement=placement, today=END + datetime.timedelta(days=1))
        assert error.value.code == "no_final_evaluations"


class TestReminders:
    def test_each_reminder_goes_out_once_in_the_persons_language(self, cast, placement):
        cast.supervisor_a.language = "en"
        cast.supervisor_a.save()
        today = datetime.date(2023, 1, 22)  # the first check-in is due tomorrow
        with TestCase.captureOnCommitCallbacks(execute=True):
            sent = reminders.send(today=today)
        assert {due.key for due in sent} >= {f"checkin:{first(placement).pk}:student"}
        by_address = {message.to[0]: message for message in mail.outbox}
        assert "Svar på statussjekken" in by_address[cast.student_a.email].body
        assert "Answer the check-in" in by_address[cast.supervisor_a.email].body
        assert checkin_url(first(placement)) in by_address[cast.student_a.email].body
        mail.outbox.clear()
        assert reminders.send(today=today) == []
        assert mail.outbox == []

    def test_a_reminder_the_mail_server_did_not_take_is_tried_again_and_not_written_again(
        self, cast, placement, settings
    ):
        today = datetime.date(2023, 1, 22)
        settings.EMAIL_BACKEND = "tests.mail_backends.DownBackend"
        with TestCase.captureOnCommitCallbacks(execute=True):
            sent = reminders.send(today=today)
        assert {due.recipient for due in sent} == {cast.student_a, cast.supervisor_a}
        waiting = Mail.objects.filter(template="reminder")
        assert [(m.status, m.attempts) for m in waiting] == [(MailStatus.QUEUED, 1)] * 2
        assert "Connection unexpectedly closed" in waiting[0].last_error
        assert reminders.send(today=today) == []  # recorded: the next run does not write them again
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        later = timezone.now() + outbox.RETRY_PAUSES[0]
        with time_machine.travel(later, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
            outbox.requeue_stalled()
        assert sorted(message.to[0] for message in mail.outbox) == sorted(
            [cast.student_a.email, cast.supervisor_a.email]
        )

    def test_one_persons_refused_mail_does_not_stop_the_others(self, cast, placement, settings, monkeypatch):
        monkeypatch.setattr(mail_backends, "REFUSED", {cast.student_a.email})
        settings.EMAIL_BACKEND = "tests.mail_backends.RefusingBackend"
        with TestCase.captureOnCommitCallbacks(execute=True):
            reminders.send(today=datetime.date(2023, 1, 22))
        assert [message.to for message in mail.outbox] == [[cast.supervisor_a.email]]
        refused = Mail.objects.get(to=cast.student_a.email)
        assert refused.status == MailStatus.QUEUED and "No such user" in refused.last_error

    def test_a_late_thing_is_chased_after_the_cohorts_days_and_a_last_time(self, cast, placement, cohort):
        cohort.chaser_days, cohort.last_chaser_days = 2, 5
        cohort.save()
        due_on = first(placement).due_on  # 23 January
        key = f"checkin:{first(placement).pk}:student"

        def reminded(day: int) -> list[int]:
            with TestCase.captureOnCommitCallbacks(execute=True):
                sent = reminders.send(today=due_on + datetime.timedelta(days=day))
            return [due.stage for due in sent if due.key == key]

        assert reminded(-1) == [ReminderStage.DUE]
        assert reminded(0) == reminded(1) == []
        assert reminded(2) == [ReminderStage.CHASER]
        assert reminded(4) == []
        assert reminded(5) == [ReminderStage.LAST]
        assert reminded(30) == []
        to_student = [
            message.body
            for message in mail.outbox
            if message.to == [cast.student_a.email] and checkin_url(first(placement)) in message.body
        ]
        assert len(to_student) == 3
        assert "Dette er siste påminnelse." in to_student[-1] and "Dette er siste" not in to_student[0]
        assert Reminder.objects.filter(key=key, recipient=cast.student_a).count() == 3

    def test_a_person_on_a_weekly_digest_gets_what_is_new_at_most_once_a_week(self, cast, placement, cohort):
        cohort.chaser_days, cohort.last_chaser_days = 1, 2
        cohort.save()
        cast.student_a.reminder_digest = ReminderDigest.WEEKLY
        cast.student_a.save()
        checkin = first(placement)  # due on 23 January, for both sides

        def reminded(day: int) -> tuple[list[int], list[int]]:
            moment = datetime.datetime(2023, 1, day, 7)
            with time_machine.travel(moment, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
                sent = reminders.send(today=datetime.date(2023, 1, day))
            return tuple(
                [due.stage for due in sent if due.key == f"checkin:{checkin.pk}:{side}"]
                for side in ("student", "organisation")
            )

        # The supervisor gets each reminder as it comes; the student on a weekly digest, one a calendar week.
        assert reminded(22) == ([ReminderStage.DUE], [ReminderStage.DUE])  # a Sunday
        assert reminded(24) == ([ReminderStage.CHASER], [ReminderStage.CHASER])  # a new week
        assert reminded(25) == ([], [ReminderStage.LAST])
        assert reminded(29) == ([], [])
        assert reminded(30) == ([ReminderStage.LAST], [])  # the next Monday: what is new, at its reminder
        assert len([message for message in mail.outbox if message.to == [cast.student_a.email]]) == 3
        assert len([message for message in mail.outbox if message.to == [cast.supervisor_a.email]]) == 3

    def test_a_person_on_a_daily_digest_gets_at_most_one_a_day(self, cast, placement, cohort):
        cast.student_a.reminder_digest = ReminderDigest.DAILY
        cast.student_a.save()
        key = f"checkin:{first(placement).pk}:student"
        with time_machine.travel(datetime.datetime(2023, 1, 22, 0, 5), tick=False):
            assert {due.key for due in reminders.send(today=datetime.date(2023, 1, 22))} >= {key}
        # Something new for her later that day (here: the check-in, as if its reminder had been another's) waits
        # for the next day's e-mail.
        Reminder.objects.filter(key=key, recipient=cast.student_a).update(key="an-earlier-thing")
        with time_machine.travel(datetime.datetime(2023, 1, 22, 23, 50), tick=False):
            assert key not in {due.key for due in reminders.send(today=datetime.date(2023, 1, 22))}
        with time_machine.travel(datetime.datetime(2023, 1, 23, 0, 5), tick=False):
            assert key in {due.key for due in reminders.send(today=datetime.date(2023, 1, 23))}

    def test_the_cohort_says_at_the_field_which_reminder_day_to_change_and_shows_the_days(self, cast, cohort):
        coordinator = client_for(cast.coordinator)
        url = reverse("cohort_edit", kwargs={"pk": cohort.pk})
        data = {
            "name": cohort.name,
            "starts_on": "2023-01-09",
            "ends_on": "2023-05-19",
            "agreement_deadline_days": 14,
            "checkin_cadence_days": 14,
            "chaser_days": 5,
            "last_chaser_days": 5,
        }
        html = coordinator.post(url, data).content.decode()
        assert "Sett det høyere enn den andre påminnelsens 5 dager, slik at den kommer etter den." in html
        assert 'value="5"' in html  # nothing typed is lost
        for days, message in ((0, "større enn eller lik 1"), (61, "mindre enn eller lik 60")):
            assert message in coordinator.post(url, {**data, "chaser_days": days}).content.decode()
        coordinator.post(url, {**data, "last_chaser_days": 9})
        page = coordinator.get(reverse("cohort_detail", kwargs={"pk": cohort.pk})).content.decode()
        assert "5 og 9 dager etter fristen" in page

    def test_dry_run_prints_and_sends_nothing(self, cast, placement):
        out = StringIO()
        with time_machine.travel(datetime.datetime(2023, 1, 22, 7), tick=False):
            call_command("send_reminders", "--dry-run", stdout=out)
        assert f"Would remind {cast.student_a.email}" in out.getvalue()
        assert mail.outbox == []
        assert not Reminder.objects.exists()

    def test_agreement_onboarding_and_evaluation_reminders(self, cast, cohort):
        placement = Placement.objects.create(
            cohort=cohort, student=cast.student_b.student, organisation=cast.org_b, starts_on=START, ends_on=END
        )
        with TestCase.captureOnCommitCallbacks(execute=True):
            placements.placement_start_agreement(placement=placement)
        mail.outbox.clear()
        sent = reminders.send(today=START - datetime.timedelta(days=15))  # the agreement is due in a day
        assert {due.key for due in sent} == {
            f"agreement-part:{placement.agreement.pk}:student",
            f"agreement-part:{placement.agreement.pk}:organisation",
        }
        assert {due.recipient for due in sent} == {cast.student_b, cast.supervisor_b}


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_each_reminder_exactly_once(cast, cohort):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL, the production database")
    started(cast, cohort)
    started(cast, cohort, cast.student_b, cast.org_b, cast.supervisor_b)
    today = datetime.date(2023, 3, 1)  # several check-ins and onboarding-free dues per person
    expected = {(due.key, due.recipient.pk) for due in reminders.collect(today)}
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(reminders.send(today=today))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    sent = [(due.key, due.recipient.pk) for result in results for due in result]
    assert len(sent) == len(set(sent)) == len(expected) >= 4  # each side of both placements
    assert set(sent) == expected
    mailed = [line for message in mail.outbox for line in message.body.splitlines() if line.startswith("- ")]
    assert len(mailed) == len(expected)


@pytest.mark.django_db(transaction=True)
def test_two_answers_sent_at_once_are_saved_once(cast, cohort):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL, the production database")
    placement = started(cast, cohort)
    checkin = first(placement)
    barrier = threading.Barrier(2)
    statuses, errors = [], []

    def send(client, workload):
        try:
            barrier.wait()
            statuses.append(answer(client, checkin, {**STUDENT_ANSWER, "workload": workload}).status_code)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    with time_machine.travel(datetime.datetime(2023, 1, 23, 12), tick=False):
        threads = [threading.Thread(target=send, args=(client_for(cast.student_a), n)) for n in ("2", "4")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    # The second waits for the first and then finds the check-in answered: refused, not saved over it.
    assert sorted(statuses) == [302, 403]
    checkin.refresh_from_db()
    assert checkin.workload in (2, 4)  # whichever came first
    assert checkin.history.filter(student_answered_at__isnull=False).count() == 1


class TestQueryCounts:
    def test_the_follow_up_page_does_not_grow_with_check_ins_and_entries(self, cast, cohort, placement):
        client = client_for(cast.coordinator)
        url = reverse("checkin_list", kwargs={"pk": placement.pk})
        counts = []
        for extra in (1, 10):
            for number in range(extra):
                FollowUp.objects.create(
                    placement=placement, author=cast.supervisor_a, kind="other", happened_on=START, note=f"n{number}"
                )
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
        assert counts == [EXPECTED_CHECKIN_LIST_QUERIES] * 2

    def test_a_check_in_and_its_answer_do_not_grow_with_the_cohort(self, cast, cohort, placement):
        client = client_for(cast.student_a)
        checkins = list(placement.checkins.order_by("due_on")[:3])
        counts = []
        with time_machine.travel(datetime.datetime(2023, 2, 20, 12), tick=False):  # three are open
            answer(client, checkins[0], STUDENT_ANSWER)
            for size, checkin in ((10, checkins[1]), (4_990, checkins[2])):
                bulk_placements(cohort, cast.org_a, size)
                with CaptureQueriesContext(connection) as form:
                    assert client.get(checkin_url(checkin)).status_code == 200
                with CaptureQueriesContext(connection) as answering:
                    assert answer(client, checkin, STUDENT_ANSWER).status_code == 302
                statements = [query for query in answering if not query["sql"].startswith(TRANSACTION)]
                counts.append((len(form), len(statements)))
        assert Placement.objects.count() == 5_001
        assert counts == [(EXPECTED_CHECKIN_FORM_QUERIES, EXPECTED_CHECKIN_ANSWER_QUERIES)] * 2


# The check-in form: session, user, the check-in with its placement, the student's note. Its answer: session,
# user, the check-in (locked), the update, its history, earlier check-ins closed as missed; the placement's
# check-ins and follow-ups read, its status written and its cohort's cached dashboard figures cleared.
EXPECTED_CHECKIN_FORM_QUERIES = 4
EXPECTED_CHECKIN_ANSWER_QUERIES = 10
# Opening and closing the answer's transaction (a savepoint within each test's own) is not counted.
TRANSACTION = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT")


EXPECTED_CHECKIN_LIST_QUERIES = 7
