"""The private conversation between a student and the coordinators, which the organisation never sees."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from feedback import lifecycle
from feedback.models import Message, MessageRead
from students.models import AgreementState, Cohort, ExpectationAgreement, Placement, PlacementState
from tests.conftest import client_for, make_user

START = datetime.date(2023, 1, 9)
END = datetime.date(2023, 5, 19)
NOW = datetime.datetime(2023, 1, 24, 12, 0)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def placement(cast) -> Placement:
    cohort = Cohort.objects.create(name="Internship våren 2023", starts_on=START, ends_on=END)
    placement = Placement.objects.create(
        cohort=cohort, student=cast.student_a.student, organisation=cast.org_a, starts_on=START, ends_on=END
    )
    placement.supervisors.add(cast.supervisor_a)
    Placement.objects.filter(pk=placement.pk).update(state=PlacementState.AGREEMENT)
    ExpectationAgreement.objects.create(placement=placement, state=AgreementState.APPROVED)
    placement.refresh_from_db()
    lifecycle.placement_activate(placement=placement, today=START)
    return placement


SECRET = "Jeg tør ikke si fra om arbeidsmengden."


def conversation_url(placement) -> str:
    return reverse("conversation", kwargs={"pk": placement.pk})


def write(client, placement, text):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(conversation_url(placement), {"text": text})


def coordinator_home(user) -> str:
    return client_for(user).get(reverse("home_coordinator")).content.decode()


def dashboard_flags(user) -> set[str]:
    rows = client_for(user).get(reverse("dashboard")).context["rows"]
    return {flag.kind.value for row in rows for flag in row["flags"]}


class TestConversation:
    def test_a_check_in_note_shows_on_the_coordinators_home_and_as_a_flag_until_read(self, cast, placement):
        checkin = placement.checkins.order_by("due_on").first()
        answers = {"workload": "5", "resource": "3", "learning": "4", "safe_to_ask": "no", "note": SECRET}
        client_for(cast.student_a).post(
            reverse("checkin_detail", kwargs={"pk": placement.pk, "checkin_pk": checkin.pk}), answers
        )
        assert Message.objects.get().checkin == checkin
        assert conversation_url(placement) in coordinator_home(cast.coordinator)
        assert "message" in dashboard_flags(cast.coordinator)
        page = client_for(cast.coordinator).get(conversation_url(placement)).content.decode()
        assert SECRET in page
        assert conversation_url(placement) not in coordinator_home(cast.coordinator)
        assert "message" not in dashboard_flags(cast.coordinator)

    def test_read_and_unread_are_each_coordinators_own(self, cast, placement):
        other = make_user("coordinator2@example.org", "Ola Koordinator", is_coordinator=True)
        write(client_for(cast.student_a), placement, SECRET)
        client_for(cast.coordinator).get(conversation_url(placement))
        assert conversation_url(placement) not in coordinator_home(cast.coordinator)
        assert conversation_url(placement) in coordinator_home(other)
        assert MessageRead.objects.filter(user=other).count() == 0

    def test_the_coordinator_answers_and_the_student_reads_it_on_the_placement_and_by_e_mail(self, cast, placement):
        cast.student_a.language = "en"
        cast.student_a.save(update_fields=["language"])
        write(client_for(cast.student_a), placement, SECRET)
        with time_machine.travel(NOW + datetime.timedelta(minutes=10), tick=False):
            response = write(client_for(cast.coordinator), placement, "Takk for at du sier fra. Vi tar en prat.")
        assert response.status_code == 302
        (message,) = mail.outbox
        assert message.to == [cast.student_a.email]
        assert "The coordinator has answered you" in message.subject
        assert "Takk for at du sier fra" not in message.body  # the text stays in the portal
        assert conversation_url(placement) in message.body
        student = client_for(cast.student_a)
        with time_machine.travel(NOW + datetime.timedelta(minutes=20), tick=False):
            for url in (reverse("home_student"), reverse("placement_detail", kwargs={"pk": placement.pk})):
                html = student.get(url).content.decode()
                assert conversation_url(placement) in html and ("New answer" in html or "Unread" in html), url
            assert "Takk for at du sier fra" in student.get(conversation_url(placement)).content.decode()
            assert "New answer" not in student.get(reverse("home_student")).content.decode()  # read now

    def test_who_wrote_what_and_when_is_kept(self, cast, placement):
        write(client_for(cast.student_a), placement, SECRET)
        write(client_for(cast.coordinator), placement, "Vi tar en prat.")
        rows = list(Message.objects.values_list("author", "from_student", "written_at", "text"))
        written = datetime.datetime(2023, 1, 24, 12, 0, tzinfo=datetime.UTC)
        assert rows == [
            (cast.student_a.pk, True, written, SECRET),
            (cast.coordinator.pk, False, written, "Vi tar en prat."),
        ]
        html = client_for(cast.coordinator).get(conversation_url(placement)).content.decode()
        assert "Siri Student (studenten)" in html and "Kari Koordinator (koordinator)" in html

    def test_an_empty_or_too_long_message_is_refused_and_kept(self, cast, placement):
        response = client_for(cast.student_a).post(conversation_url(placement), {"text": "x" * 4001})
        assert response.status_code == 200 and 'id="form-errors"' in response.content.decode()
        assert "x" * 4001 in response.content.decode()
        assert client_for(cast.student_a).post(conversation_url(placement), {"text": "  "}).status_code == 200
        assert not Message.objects.exists()

    def test_the_organisation_never_learns_of_it(self, cast, placement):
        write(client_for(cast.student_a), placement, SECRET)
        write(client_for(cast.coordinator), placement, "Vi tar en prat.")
        supervisor = client_for(cast.supervisor_a)
        assert supervisor.get(conversation_url(placement)).status_code == 404
        assert write(supervisor, placement, "Hva står det her?").status_code == 404
        for url in (
            reverse("home_supervisor"),
            reverse("placement_detail", kwargs={"pk": placement.pk}),
            reverse("checkin_list", kwargs={"pk": placement.pk}),
        ):
            html = supervisor.get(url).content.decode()
            assert SECRET not in html and conversation_url(placement) not in html, url
        assert all(cast.supervisor_a.email not in message.to for message in mail.outbox)
