"""Privacy: the audit trail, a person's data export, anonymisation after the retention period, the privacy page."""

from __future__ import annotations

import datetime
import json
from io import StringIO

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.core.management import call_command
from django.db.models import F
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from feedback.conversation import message_write
from feedback.models import CheckIn, FollowUp, Message
from innopraksis.models import Mail
from innopraksis.overview import retention
from students import agreement_steps, placements
from students.models import AgreementState, Cohort, ExpectationAgreement, Placement, PlacementState, Side
from tests.conftest import client_for, give_authenticator_app
from tests.test_agreement import fill

START, END = datetime.date(2022, 1, 10), datetime.date(2022, 5, 20)


@pytest.fixture
def placement(cast):
    cohort = Cohort.objects.create(name="Internship våren 2022", starts_on=START, ends_on=END)
    placement = Placement.objects.create(
        cohort=cohort, student=cast.student_a.student, organisation=cast.org_a, starts_on=START, ends_on=END
    )
    placement.supervisors.add(cast.supervisor_a)
    placements.placement_start_agreement(placement=placement)
    return placement


class TestAuditTrail:
    def test_every_saved_step_is_recorded_with_who_and_what(self, cast, placement):
        agreement = placement.agreement
        fill(agreement, Side.STUDENT, cast.student_a, complete=False)
        history = ExpectationAgreement.history.filter(id=agreement.pk)
        assert history.count() == 1 + len(agreement_steps.STUDENT_STEPS)  # created, then one record per step

    def test_coordinators_read_the_history_on_the_placement_page_and_supervisors_do_not(self, cast, placement):
        client = client_for(cast.coordinator)
        student = client_for(cast.student_a)
        url = reverse("agreement_step", kwargs={"pk": placement.pk, "side": "student", "step": "wants"})
        base = student.get(url).context["form"]["base"].value()
        student.post(url, {"student_wants": "Erfaring", "base": base, "go": "save"})
        html = client.get(reverse("placement_detail", kwargs={"pk": placement.pk})).content.decode()
        title = html[html.index("<title>") : html.index("</title>")]
        main = html[html.index("<main") : html.index("</main>")]
        assert "<" not in title[len("<title>") :]  # the page's name only, not the history
        assert '<h2 class="h5" id="history-heading">Endringshistorikk</h2>' in main
        assert "Siri Student" in main and "Hva jeg ønsker å få ut av internshipet" in main
        supervisor_html = client_for(cast.supervisor_a).get(reverse("placement_detail", kwargs={"pk": placement.pk}))
        assert "Endringshistorikk" not in supervisor_html.content.decode()

    def test_a_bulk_update_leaves_its_trace(self, placement):
        before = Placement.history.filter(id=placement.pk).count()
        Placement.objects.filter(pk=placement.pk).update(work_days=[2, 4])
        assert Placement.history.filter(id=placement.pk).count() == before + 1
        with pytest.raises(TypeError):
            Placement.objects.filter(pk=placement.pk).update(starts_on=F("starts_on"))


class TestPersonalData:
    def test_a_person_downloads_everything_about_them_with_where_it_came_from(self, cast, placement):
        fill(placement.agreement, Side.STUDENT, cast.student_a)
        checkin = CheckIn.objects.create(
            placement=placement, due_on=datetime.date(2022, 1, 24), workload=4, student_answered_at=timezone.now()
        )
        message_write(placement=placement, user=cast.student_a, text="Bare til koordinatoren", checkin=checkin)
        message_write(placement=placement, user=cast.coordinator, text="Takk, vi tar en prat.")
        response = client_for(cast.student_a).get(reverse("personal_data_export"))
        assert response["Content-Type"] == "application/json; charset=utf-8"
        data = json.loads(response.content)
        sections = {section["name"]: section for section in data["sections"]}
        assert data["person"] == cast.student_a.email
        assert sections["account"]["data"]["full_name"] == "Siri Student"
        assert sections["expectation_agreements"]["data"][0]["student_wants"] == "Erfaring med budsjett"
        assert [(row["text"], row["from_you"], row["check_in_due_on"]) for row in sections["messages"]["data"]] == [
            ("Bare til koordinatoren", True, "2022-01-24"),
            ("Takk, vi tar en prat.", False, None),
        ]
        assert all(section["source"] and section["visible_to"] for section in data["sections"])

    def test_the_export_holds_the_emails_sent_lately_and_anonymisation_removes_them(self, cast, placement):
        with TestCase.captureOnCommitCallbacks(execute=True):
            message_write(placement=placement, user=cast.coordinator, text="Hei Siri")
        data = json.loads(client_for(cast.student_a).get(reverse("personal_data_export")).content)
        (emails,) = [section["data"] for section in data["sections"] if section["name"] == "emails"]
        # The agreement's e-mail still waits for the worker here, with its text; the message's was sent, without.
        assert [(row["status"], bool(row["body"])) for row in emails] == [("queued", True), ("sent", False)]
        assert retention.anonymise(placement.cohort) and not Mail.objects.filter(to=cast.student_a.email).exists()

    def test_the_export_hides_the_supervisors_answers_as_the_check_in_page_does(self, cast, placement):
        checkin = CheckIn.objects.create(
            placement=placement,
            due_on=datetime.date(2022, 1, 24),
            supervisor_answered_at=timezone.now(),
            delivery="below",
            feedback_given="Må levere tydeligere.",
        )
        client = client_for(cast.student_a)

        def exported():
            data = json.loads(client.get(reverse("personal_data_export")).content)
            return next(section for section in data["sections"] if section["name"] == "check_ins")["data"][0]

        page = reverse("checkin_detail", kwargs={"pk": placement.pk, "checkin_pk": checkin.pk})
        with time_machine.travel(datetime.datetime(2022, 1, 20, 12), tick=False):  # before the due date
            assert "Må levere tydeligere." not in client.get(page).content.decode()
            assert "feedback_given" not in exported() and "delivery" not in exported()
        with time_machine.travel(datetime.datetime(2022, 1, 25, 12), tick=False):  # the due date has passed
            assert "Må levere tydeligere." in client.get(page).content.decode()
            assert exported()["feedback_given"] == "Må levere tydeligere."

    def test_a_coordinator_exports_any_person_and_nobody_else_can(self, cast, placement):
        url = reverse("person_data_export", kwargs={"pk": cast.student_a.pk})
        assert json.loads(client_for(cast.coordinator).get(url).content)["person"] == cast.student_a.email
        assert client_for(cast.supervisor_a).get(url).status_code == 403


class TestAnonymisation:
    def finished(self, cast, placement):
        agreement = placement.agreement
        fill(agreement, Side.STUDENT, cast.student_a)
        ExpectationAgreement.objects.filter(pk=agreement.pk).update(state=AgreementState.APPROVED)
        Placement.objects.filter(pk=placement.pk).update(state=PlacementState.COMPLETED)
        checkin = CheckIn.objects.create(
            placement=placement,
            due_on=datetime.date(2022, 1, 24),
            workload=4,
            resource=2,
            goes_well="Godt team, særlig Kari",
            student_answered_at=timezone.now(),
        )
        message_write(placement=placement, user=cast.student_a, text="Privat", checkin=checkin)
        FollowUp.objects.create(
            placement=placement, author=cast.supervisor_a, kind="meeting", happened_on=START, note="Snakket med Siri"
        )
        return checkin

    def test_dry_run_changes_nothing(self, cast, placement):
        self.finished(cast, placement)
        out = StringIO()
        with time_machine.travel(datetime.datetime(2025, 6, 1, 12), tick=False):
            call_command("anonymise_cohorts", "--dry-run", stdout=out)
        assert "Would anonymise Internship våren 2022: 1 placement(s), 1 student(s)." in out.getvalue()
        cast.student_a.refresh_from_db()
        assert cast.student_a.full_name == "Siri Student"

    def test_not_before_the_retention_period_has_passed(self, cast, placement):
        self.finished(cast, placement)
        out = StringIO()
        with time_machine.travel(datetime.datetime(2025, 5, 1, 12), tick=False):  # 35 months after the end
            call_command("anonymise_cohorts", stdout=out)
        assert "nothing to do" in out.getvalue()

    def test_names_contacts_and_texts_go_the_numbers_stay_history_included(self, cast, placement):
        checkin = self.finished(cast, placement)
        SocialAccount.objects.create(
            user=cast.student_a, provider="feide", uid="feide-subject", extra_data={"userinfo": {"name": "Siri"}}
        )
        give_authenticator_app(cast.student_a)
        with time_machine.travel(datetime.datetime(2025, 6, 1, 12), tick=False):
            call_command("anonymise_cohorts", stdout=StringIO())
        user = cast.student_a
        user.refresh_from_db()
        assert user.full_name.startswith("Anonymised student") and user.email.endswith("@invalid.example")
        assert not user.is_active and not user.has_usable_password()
        # The Feide link, with the name it holds, and the second factor go with the person's name.
        assert not SocialAccount.objects.filter(user=user).exists()
        assert not Authenticator.objects.filter(user=user).exists()
        checkin.refresh_from_db()
        assert (checkin.workload, checkin.resource, checkin.goes_well) == (4, 2, "")
        assert not Message.objects.exists()
        assert FollowUp.objects.get().note == ""
        agreement = ExpectationAgreement.objects.get(placement=placement)
        assert agreement.student_wants == "" and agreement.state == AgreementState.APPROVED
        texts = ExpectationAgreement.history.filter(id=agreement.pk).values_list("student_wants", flat=True)
        assert set(texts) == {""}
        assert set(CheckIn.history.filter(id=checkin.pk).values_list("goes_well", flat=True)) == {""}
        assert set(FollowUp.history.values_list("note", flat=True)) == {""}
        assert Cohort.objects.get().anonymised_at is not None

    def test_a_student_in_a_later_cohort_keeps_their_name(self, cast, placement):
        self.finished(cast, placement)
        later = Cohort.objects.create(
            name="Internship våren 2025", starts_on=datetime.date(2025, 1, 6), ends_on=datetime.date(2025, 5, 16)
        )
        Placement.objects.create(
            cohort=later,
            student=cast.student_a.student,
            organisation=cast.org_b,
            starts_on=later.starts_on,
            ends_on=later.ends_on,
        )
        with time_machine.travel(datetime.datetime(2025, 6, 1, 12), tick=False):
            call_command("anonymise_cohorts", stdout=StringIO())
        cast.student_a.refresh_from_db()
        assert cast.student_a.full_name == "Siri Student"
        assert CheckIn.objects.get().goes_well == ""  # the old cohort's answers still go


def test_the_privacy_page_is_public_and_says_how_long(settings, db):
    settings.RETENTION_MONTHS, settings.MAIL_KEEP_DAYS = 36, 30
    html = Client().get(reverse("privacy")).content.decode()
    assert "36 måneder etter at kullet er slutt" in html
    assert "hvem den gikk til, emnet og når, beholdes i 30 dager" in html
    assert "aldri en students melding til koordinatoren" in html
