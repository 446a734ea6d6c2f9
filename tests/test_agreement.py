"""The expectation agreement: both parts step by step, signatures, versions, approval and the deadline."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feedback import lifecycle
from orgs.models import Membership
from students import agreement_steps, agreements, placements
from students.models import (
    AgreementChange,
    AgreementState,
    AgreementVersion,
    Cohort,
    ExpectationAgreement,
    Placement,
    PlacementState,
    Side,
)
from tests.conftest import client_for, make_user

START = datetime.date(2023, 1, 9)
END = datetime.date(2023, 5, 19)
DUE = START - datetime.timedelta(days=14)

STUDENT_ANSWERS = {
    "student_wants": "Erfaring med budsjett",
    "student_learning_goals": "Lage et budsjett",
    "student_strengths": "Strukturert",
    "student_interests": "Bærekraft",
    "student_unsure": "Å spørre om hjelp",
    "student_weekdays": [2, 4],
    "student_days_hours": "9–16",
    "student_other": "",
}
ORG_ANSWERS = {
    "org_deliverables": "En rapport",
    "org_quality": "Ryddig og etterprøvbar",
    "org_independence": "Selvstendig etter tre uker",
    "org_role": "Del av økonomiteamet",
    "org_tasks": "Budsjett, kundemøter og årsoppgjør",
    "org_feedback_how": "Samtale etter hver leveranse",
    "org_feedback_frequency": "weekly",
    "contact_name": "Ane Veileder",
    "contact_email": "supervisor.a@example.org",
    "contact_phone": "",
    "question_weekday": 2,
    "question_time": datetime.time(14, 0),
    "question_minutes": 30,
    "question_place": "Møterom 2",
}
ANSWERS = {Side.STUDENT: STUDENT_ANSWERS, Side.ORGANISATION: ORG_ANSWERS}


@pytest.fixture
def placement(cast) -> Placement:
    cohort = Cohort.objects.create(name="Internship våren 2023", starts_on=START, ends_on=END)
    placement = Placement.objects.create(
        cohort=cohort, student=cast.student_a.student, organisation=cast.org_a, starts_on=START, ends_on=END
    )
    placement.supervisors.add(cast.supervisor_a)
    return placement


@pytest.fixture
def agreement(placement) -> ExpectationAgreement:
    with TestCase.captureOnCommitCallbacks(execute=True):
        placements.placement_start_agreement(placement=placement)
    mail.outbox.clear()
    return placement.agreement


def person_for(cast, side):
    return cast.student_a if side == Side.STUDENT else cast.supervisor_a


def save_step(agreement, side, step, user, **values):
    return agreements.agreement_save_step(
        agreement=agreement,
        side=side,
        step=step,
        values={**ANSWERS[side], **values},
        base=agreement_steps.fingerprint(agreement_steps.values_of(agreement, step.fields)),
        user=user,
    )


def fill(agreement, side, user, *, complete=True):
    with TestCase.captureOnCommitCallbacks(execute=True):
        for step in agreement_steps.steps_for(side):
            save_step(agreement, side, step, user)
        if complete:
            agreements.agreement_complete_part(agreement=agreement, side=side, user=user)


def sign(agreement, side, user):
    with TestCase.captureOnCommitCallbacks(execute=True):
        agreements.agreement_sign(
            agreement=agreement,
            side=side,
            user=user,
            read_fingerprint=agreement_steps.fingerprint(agreement_steps.values_of(agreement)),
        )


def signed(cast, agreement):
    fill(agreement, Side.STUDENT, cast.student_a)
    fill(agreement, Side.ORGANISATION, cast.supervisor_a)
    sign(agreement, Side.STUDENT, cast.student_a)
    sign(agreement, Side.ORGANISATION, cast.supervisor_a)
    mail.outbox.clear()
    return agreement


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


class TestOpening:
    def test_opening_asks_both_parties_to_fill_in_their_part_in_their_language(self, cast, placement):
        cast.supervisor_a.language = "en"
        cast.supervisor_a.save()
        with TestCase.captureOnCommitCallbacks(execute=True):
            placements.placement_start_agreement(placement=placement)
        assert placement.agreement.state == AgreementState.DRAFT
        by_address = {message.to[0]: message for message in mail.outbox}
        assert set(by_address) == {cast.student_a.email, cast.supervisor_a.email}
        assert by_address[cast.student_a.email].subject.startswith("Forventningsavklaring: fyll ut din del")
        assert by_address[cast.supervisor_a.email].subject.startswith("Expectation agreement: fill in your part")
        assert "/agreement/student/wants/" in by_address[cast.student_a.email].body
        assert "/agreement/organisation/expectations/" in by_address[cast.supervisor_a.email].body


class TestParts:
    def test_each_step_is_saved_and_the_change_is_logged(self, cast, agreement):
        step = agreement_steps.get_step(Side.STUDENT, "wants")
        changed = save_step(agreement, Side.STUDENT, step, cast.student_a)
        assert changed == ["student_wants"]
        agreement.refresh_from_db()
        assert agreement.student_wants == "Erfaring med budsjett"
        change = AgreementChange.objects.get()
        assert (change.changed_by, change.before, change.after) == (
            cast.student_a,
            {"student_wants": ""},
            {"student_wants": "Erfaring med budsjett"},
        )

    def test_a_part_cannot_be_finished_with_steps_unanswered(self, cast, agreement):
        save_step(agreement, Side.STUDENT, agreement_steps.STUDENT_STEPS[0], cast.student_a)
        with pytest.raises(ValidationError) as error:
            agreements.agreement_complete_part(agreement=agreement, side=Side.STUDENT, user=cast.student_a)
        assert "Læringsmål" in error.value.messages[0]
        assert "Hva du ønsker" not in error.value.messages[0]

    def test_finishing_one_part_tells_the_other_party(self, cast, agreement):
        fill(agreement, Side.STUDENT, cast.student_a)
        assert recipients() == [cast.supervisor_a.email]
        assert "Nå er det organisasjonens tur" in mail.outbox[0].body
        assert agreement.state == AgreementState.DRAFT

    def test_finishing_both_parts_asks_both_to_sign(self, cast, agreement):
        fill(agreement, Side.STUDENT, cast.student_a)
        mail.outbox.clear()
        fill(agreement, Side.ORGANISATION, cast.supervisor_a)
        assert agreement.state == AgreementState.SIGNING
        assert recipients() == sorted([cast.student_a.email, cast.supervisor_a.email])

    def test_emptying_a_required_answer_reopens_the_part(self, cast, agreement):
        fill(agreement, Side.STUDENT, cast.student_a)
        save_step(agreement, Side.STUDENT, agreement_steps.STUDENT_STEPS[0], cast.student_a, student_wants="  ")
        agreement.refresh_from_db()
        assert agreement.student_completed_at is None


class TestConcurrentEdits:
    @pytest.fixture
    def second_supervisor(self, cast):
        user = make_user("supervisor.a2@example.org", "Arne Annen")
        Membership.objects.create(user=user, organisation=cast.org_a)
        return user

    def test_the_second_save_of_the_same_step_is_refused_and_shows_the_first(self, cast, agreement, second_supervisor):
        step = agreement_steps.get_step(Side.ORGANISATION, "role")
        base = agreement_steps.fingerprint(agreement_steps.values_of(agreement, step.fields))
        agreements.agreement_save_step(
            agreement=agreement,
            side=Side.ORGANISATION,
            step=step,
            values={"org_role": "Analytiker i teamet"},
            base=base,
            user=cast.supervisor_a,
        )
        with pytest.raises(agreements.AgreementConflict) as conflict:
            agreements.agreement_save_step(
                agreement=ExpectationAgreement.objects.get(pk=agreement.pk),
                side=Side.ORGANISATION,
                step=step,
                values={"org_role": "Prosjektmedarbeider"},
                base=base,
                user=second_supervisor,
            )
        assert conflict.value.current == {"org_role": "Analytiker i teamet"}
        assert conflict.value.changed_by == cast.supervisor_a
        agreement.refresh_from_db()
        assert agreement.org_role == "Analytiker i teamet"

    def test_the_refused_person_sees_the_other_text_keeps_their_own_and_can_save_again(
        self, cast, agreement, second_supervisor
    ):
        url = reverse("agreement_step", kwargs={"pk": agreement.placement_id, "side": "organisation", "step": "role"})
        first, second = client_for(cast.supervisor_a), client_for(second_supervisor)
        page = second.get(url)
        assert '<p class="lesson">«' in page.content.decode()  # the write-up quoted as Norwegian quotes it
        base = page.context["form"]["base"].value()
        first.post(url, {"org_role": "Analytiker i teamet", "base": base, "go": "next"})
        response = second.post(url, {"org_role": "Prosjektmedarbeider", "base": base, "go": "next"})
        html = response.content.decode()
        assert response.status_code == 200
        assert "Ane Veileder lagret dette steget" in html
        assert "Analytiker i teamet" in html  # the other person's text
        assert "Prosjektmedarbeider" in html  # their own, not lost
        agreement.refresh_from_db()
        assert agreement.org_role == "Analytiker i teamet"

        again = second.post(url, {"org_role": "Prosjektmedarbeider", "base": response.context["form"]["base"].value()})
        assert again.status_code == 302
        agreement.refresh_from_db()
        assert agreement.org_role == "Prosjektmedarbeider"

    def test_saving_a_different_step_meanwhile_is_no_conflict(self, cast, agreement, second_supervisor):
        role, tasks = (
            agreement_steps.get_step(Side.ORGANISATION, "role"),
            agreement_steps.get_step(Side.ORGANISATION, "tasks"),
        )
        tasks_base = agreement_steps.fingerprint(agreement_steps.values_of(agreement, tasks.fields))
        save_step(agreement, Side.ORGANISATION, role, cast.supervisor_a)
        agreements.agreement_save_step(
            agreement=agreement,
            side=Side.ORGANISATION,
            step=tasks,
            values={"org_tasks": "Alt"},
            base=tasks_base,
            user=second_supervisor,
        )
        agreement.refresh_from_db()
        assert (agreement.org_role, agreement.org_tasks) == ("Del av økonomiteamet", "Alt")


class TestSigning:
    def test_signing_waits_for_both_parts(self, cast, agreement):
        fill(agreement, Side.STUDENT, cast.student_a)
        with pytest.raises(ValidationError) as error:
            sign(agreement, Side.STUDENT, cast.student_a)
        assert error.value.code == "not_ready"

    def test_the_first_signature_asks_the_other_party_and_the_second_the_coordinator(self, cast, agreement):
        fill(agreement, Side.STUDENT, cast.student_a)
        fill(agreement, Side.ORGANISATION, cast.supervisor_a)
        mail.outbox.clear()
        sign(agreement, Side.STUDENT, cast.student_a)
        assert recipients() == [cast.supervisor_a.email]
        assert "Siri Student har signert" in mail.outbox[0].body
        mail.outbox.clear()
        sign(agreement, Side.ORGANISATION, cast.supervisor_a)
        assert agreement.state == AgreementState.SIGNED
        assert agreement.org_signed_by == cast.supervisor_a
        assert recipients() == [cast.coordinator.email]

    def test_a_signature_on_text_that_changed_while_reading_is_refused(self, cast, agreement):
        fill(agreement, Side.STUDENT, cast.student_a)
        fill(agreement, Side.ORGANISATION, cast.supervisor_a)
        read = agreement_steps.fingerprint(agreement_steps.values_of(agreement))
        save_step(agreement, Side.ORGANISATION, agreement_steps.ORGANISATION_STEPS[1], cast.supervisor_a, org_role="Ny")
        with pytest.raises(ValidationError) as error:
            agreements.agreement_sign(
                agreement=agreement, side=Side.STUDENT, user=cast.student_a, read_fingerprint=read
            )
        assert error.value.code == "changed"

    def test_signing_twice_is_refused(self, cast, agreement):
        signed(cast, agreement)
        with pytest.raises(ValidationError):
            sign(agreement, Side.STUDENT, cast.student_a)


class TestChangeAfterSigning:
    def test_a_change_voids_both_signatures_and_keeps_the_signed_version(self, cast, agreement):
        signed(cast, agreement)
        signed_tasks = agreement.org_tasks
        with TestCase.captureOnCommitCallbacks(execute=True):
            save_step(
                agreement,
                Side.ORGANISATION,
                agreement_steps.get_step(Side.ORGANISATION, "tasks"),
                cast.supervisor_a,
                org_tasks="Bare budsjett",
            )
        agreement.refresh_from_db()
        assert agreement.state == AgreementState.SIGNING
        assert agreement.student_signed_at is None and agreement.org_signed_at is None
        version = AgreementVersion.objects.get()
        assert version.number == 1
        assert version.content["org_tasks"] == signed_tasks
        assert version.student_signed_at is not None and version.org_signed_by_name == "Ane Veileder"
        assert (version.voided_by, version.changed_fields) == (cast.supervisor_a, ["org_tasks"])
        # The student, who had signed, is told; the one who changed it is not.
        assert recipients() == [cast.student_a.email]
        assert "Signaturen din er ugyldig" in mail.outbox[0].body

    def test_the_earlier_version_stays_readable_with_what_changed_and_by_whom(self, cast, agreement):
        signed(cast, agreement)
        save_step(
            agreement,
            Side.ORGANISATION,
            agreement_steps.get_step(Side.ORGANISATION, "tasks"),
            cast.supervisor_a,
            org_tasks="Bare budsjett",
        )
        response = client_for(cast.student_a).get(
            reverse("agreement_version", kwargs={"pk": agreement.placement_id, "number": 1})
        )
        html = response.content.decode()
        assert "Budsjett, kundemøter og årsoppgjør" in html
        assert "Bare budsjett" in html
        assert "Ane Veileder endret avtalen" in html
        detail = client_for(cast.coordinator).get(reverse("agreement_detail", kwargs={"pk": agreement.placement_id}))
        assert "Versjon 1" in detail.content.decode()

    def test_an_unchanged_save_keeps_the_signatures(self, cast, agreement):
        signed(cast, agreement)
        save_step(agreement, Side.ORGANISATION, agreement_steps.get_step(Side.ORGANISATION, "tasks"), cast.supervisor_a)
        agreement.refresh_from_db()
        assert agreement.state == AgreementState.SIGNED
        assert not AgreementVersion.objects.exists()


class TestCoordinator:
    def test_approval_before_the_start_leaves_the_placement_to_start_on_its_date(self, cast, agreement):
        signed(cast, agreement)
        with TestCase.captureOnCommitCallbacks(execute=True):
            lifecycle.agreement_approve_and_start(
                agreement=agreement, user=cast.coordinator, today=START - datetime.timedelta(1)
            )
        placement = Placement.objects.get(pk=agreement.placement_id)
        assert (agreement.state, placement.state) == (AgreementState.APPROVED, PlacementState.AGREEMENT)
        assert recipients() == sorted([cast.student_a.email, cast.supervisor_a.email])

        assert lifecycle.placements_activate_due(today=START - datetime.timedelta(1)) == 0
        assert lifecycle.placements_activate_due(today=START) == 1
        placement.refresh_from_db()
        assert placement.state == PlacementState.ACTIVE

    def test_approval_after_the_start_makes_the_placement_active(self, cast, agreement):
        signed(cast, agreement)
        lifecycle.agreement_approve_and_start(agreement=agreement, user=cast.coordinator, today=START)
        assert Placement.objects.get(pk=agreement.placement_id).state == PlacementState.ACTIVE

    def test_the_daily_command_starts_approved_placements(self, cast, agreement):
        signed(cast, agreement)
        lifecycle.agreement_approve_and_start(
            agreement=agreement, user=cast.coordinator, today=START - datetime.timedelta(1)
        )
        out = StringIO()
        with time_machine.travel(datetime.datetime(2023, 1, 9, 8, 0), tick=False):
            call_command("advance_placements", stdout=out)
        assert "1" in out.getvalue()
        assert Placement.objects.get(pk=agreement.placement_id).state == PlacementState.ACTIVE

    def test_only_a_signed_agreement_can_be_approved(self, cast, agreement):
        fill(agreement, Side.STUDENT, cast.student_a)
        with pytest.raises(ValidationError) as error:
            lifecycle.agreement_approve_and_start(agreement=agreement, user=cast.coordinator)
        assert error.value.code == "not_signed"

    def test_an_approved_agreement_can_no_longer_be_changed(self, cast, agreement):
        signed(cast, agreement)
        lifecycle.agreement_approve_and_start(agreement=agreement, user=cast.coordinator, today=START)
        with pytest.raises(ValidationError) as error:
            save_step(
                agreement, Side.STUDENT, agreement_steps.STUDENT_STEPS[0], cast.student_a, student_wants="Noe nytt"
            )
        assert error.value.code == "approved"
        url = reverse("agreement_step", kwargs={"pk": agreement.placement_id, "side": "student", "step": "wants"})
        response = client_for(cast.student_a).get(url, follow=True)
        assert "Avtalen er godkjent og kan ikke lenger endres" in response.content.decode()

    def test_sending_back_reopens_that_part_voids_signatures_and_mails_the_comment(self, cast, agreement):
        signed(cast, agreement)
        with TestCase.captureOnCommitCallbacks(execute=True):
            agreements.agreement_return(
                agreement=agreement,
                side=Side.ORGANISATION,
                comment="Beskriv oppgavene mer konkret.",
                user=cast.coordinator,
            )
        assert agreement.state == AgreementState.RETURNED
        assert agreement.org_completed_at is None and agreement.student_completed_at is not None
        assert AgreementVersion.objects.get().reason == "returned"
        by_address = {message.to[0]: message for message in mail.outbox}
        assert "Beskriv oppgavene mer konkret." in by_address[cast.supervisor_a.email].body
        assert "Beskriv oppgavene" not in by_address[cast.student_a.email].body  # told only that it changed

        url = reverse("agreement_detail", kwargs={"pk": agreement.placement_id})
        assert "Beskriv oppgavene mer konkret." in client_for(cast.supervisor_a).get(url).content.decode()
        assert "Beskriv oppgavene mer konkret." not in client_for(cast.student_a).get(url).content.decode()

        agreements.agreement_complete_part(agreement=agreement, side=Side.ORGANISATION, user=cast.supervisor_a)
        assert agreement.state == AgreementState.SIGNING

    def test_signatures_made_on_paper_can_be_recorded_and_approved(self, cast, agreement):
        fill(agreement, Side.STUDENT, cast.student_a)
        fill(agreement, Side.ORGANISATION, cast.supervisor_a)
        client = client_for(cast.coordinator)
        url = reverse("agreement_review", kwargs={"pk": agreement.placement_id})
        client.post(url, {"action": "paper"})
        agreement.refresh_from_db()
        assert agreement.state == AgreementState.SIGNED
        assert agreement.signed_on_paper_by == cast.coordinator
        client.post(url, {"action": "approve"})
        agreement.refresh_from_db()
        assert agreement.state == AgreementState.APPROVED

    def test_sending_back_needs_a_comment(self, cast, agreement):
        signed(cast, agreement)
        url = reverse("agreement_review", kwargs={"pk": agreement.placement_id})
        response = client_for(cast.coordinator).post(url, {"action": "return", "side": "student", "comment": ""})
        assert response.status_code == 200
        assert "Feltet er påkrevet." in response.content.decode()
        agreement.refresh_from_db()
        assert agreement.state == AgreementState.SIGNED


class TestPlacementState:
    """The placement's state and next step follow the lifecycle, on every page that shows them."""

    def approve_before_the_start(self, cast, agreement):
        signed(cast, agreement)
        lifecycle.agreement_approve_and_start(
            agreement=agreement, user=cast.coordinator, today=START - datetime.timedelta(10)
        )

    def test_approved_before_the_start_says_when_it_starts_and_offers_starting_only_from_that_day(
        self, cast, agreement
    ):
        self.approve_before_the_start(cast, agreement)
        url = reverse("placement_detail", kwargs={"pk": agreement.placement_id})
        client = client_for(cast.coordinator)
        with time_machine.travel(datetime.datetime(2023, 1, 2, 12, 0), tick=False):
            html = client.get(url).content.decode()
            assert "Godkjent – starter 09.01.2023" in html
            assert "Praksisplassen starter av seg selv 9. januar 2023." in html
            assert "Marker som startet" not in html
            student_home = client_for(cast.student_a).get(reverse("home"), follow=True).content.decode()
            assert "Godkjent – starter 09.01.2023" in student_home
        with time_machine.travel(datetime.datetime(2023, 1, 9, 7, 0), tick=False):
            assert "Marker som startet" in client.get(url).content.decode()

    def test_a_cancelled_placement_says_so_and_offers_nothing(self, cast, agreement):
        fill(agreement, Side.STUDENT, cast.student_a)
        placements.placement_cancel(placement=agreement.placement)
        placement_page = client_for(cast.coordinator).get(
            reverse("placement_detail", kwargs={"pk": agreement.placement_id})
        )
        html = placement_page.content.decode()
        assert "Denne praksisplassen ble avlyst" in html
        assert "Neste steg" not in html and "Avlys praksisplassen" not in html
        detail = reverse("agreement_detail", kwargs={"pk": agreement.placement_id})
        for person in (cast.student_a, cast.supervisor_a, cast.coordinator):
            html = client_for(person).get(detail).content.decode()
            assert "Praksisplassen er avlyst, så avtalen er lukket." in html
            assert "Venter på" not in html and "Fyll ut din del" not in html and "Se eller endre" not in html
        with pytest.raises(ValidationError):
            save_step(agreement, Side.ORGANISATION, agreement_steps.ORGANISATION_STEPS[0], cast.supervisor_a)


def test_nothing_more_is_done_in_a_cancelled_placement(cast, agreement):
    """Every page that changes something answers 403 for a cancelled placement, to everyone who could act."""
    signed(cast, agreement)
    lifecycle.agreement_approve_and_start(agreement=agreement, user=cast.coordinator, today=START)
    placement = Placement.objects.get(pk=agreement.placement_id)
    checkin = placement.checkins.order_by("due_on").first()
    placements.placement_cancel(placement=placement)
    on = {"pk": placement.pk}
    refused = {
        cast.coordinator: ["placement_edit", "placement_cancel", "agreement_review"],
        cast.supervisor_a: ["onboarding_item_add", "office_hour_edit", "followup_create", "agreement_sign"],
        cast.student_a: ["agreement_sign"],
    }
    for person, names in refused.items():
        for name in names:
            assert client_for(person).get(reverse(name, kwargs=on)).status_code == 403, (person, name)
    step = reverse("agreement_step", kwargs={**on, "side": "student", "step": "wants"})
    assert client_for(cast.student_a).post(step, {"student_wants": "Nytt"}).status_code == 403
    answer = reverse("checkin_detail", kwargs={**on, "checkin_pk": checkin.pk})
    with time_machine.travel(datetime.datetime.combine(checkin.due_on, datetime.time(12)), tick=False):
        assert client_for(cast.student_a).post(answer, {"workload": "3"}).status_code == 403
    remind = reverse("reminder_send", kwargs=on)
    assert client_for(cast.coordinator).post(remind, {"side": "student"}).status_code == 403
    checklist = client_for(cast.supervisor_a).get(reverse("onboarding_checklist", kwargs=on)).content.decode()
    assert "Denne praksisplassen ble avlyst" in checklist and "Legg til et eget punkt" not in checklist
    agreement.refresh_from_db()
    assert agreement.student_wants == STUDENT_ANSWERS["student_wants"]


class TestWhoActs:
    def test_a_coordinator_who_signed_for_the_organisation_cannot_approve_it(self, cast, agreement):
        both = make_user("koordinator.og.veileder@example.org", "Kari Begge", is_coordinator=True)
        Membership.objects.create(user=both, organisation=cast.org_a)
        fill(agreement, Side.STUDENT, cast.student_a)
        fill(agreement, Side.ORGANISATION, both)
        sign(agreement, Side.STUDENT, cast.student_a)
        sign(agreement, Side.ORGANISATION, both)
        review = reverse("agreement_review", kwargs={"pk": agreement.placement_id})
        client = client_for(both)
        assert "så en annen koordinator må godkjenne den" in client.get(review).content.decode()
        client.post(review, {"action": "approve"})
        agreement.refresh_from_db()
        assert agreement.state == AgreementState.SIGNED
        client_for(cast.coordinator).post(review, {"action": "approve"})
        agreement.refresh_from_db()
        assert agreement.state == AgreementState.APPROVED and agreement.approved_by == cast.coordinator

    def test_any_member_of_the_organisation_acts_on_its_placements(self, cast, agreement):
        """The organisation acts as one: a colleague not named on the placement can step in."""
        colleague = make_user("kollega@example.org", "Kari Kollega")
        Membership.objects.create(user=colleague, organisation=cast.org_a)
        client = client_for(colleague)
        assert client.get(reverse("placement_detail", kwargs={"pk": agreement.placement_id})).status_code == 200
        fill(agreement, Side.ORGANISATION, colleague)
        agreement.refresh_from_db()
        assert agreement.org_completed_at is not None and agreement.org_updated_by == colleague
        conversation = reverse("conversation", kwargs={"pk": agreement.placement_id})
        assert client.get(conversation).status_code == 404  # never the student's messages


def test_an_optional_answer_left_empty_reads_as_a_dash_not_as_unfinished(cast, agreement):
    fill(agreement, Side.STUDENT, cast.student_a)
    fill(agreement, Side.ORGANISATION, cast.supervisor_a)
    html = client_for(cast.student_a).get(reverse("agreement_sign", kwargs={"pk": agreement.placement_id}))
    page = html.content.decode()
    assert "Ikke besvart ennå" not in page  # both parts are finished; the empty answers are optional ones
    assert page.count('<dd class="col-sm-8 answer">–</dd>') == 2


class TestAskingForAChange:
    def ready(self, cast, agreement):
        fill(agreement, Side.STUDENT, cast.student_a)
        fill(agreement, Side.ORGANISATION, cast.supervisor_a)
        mail.outbox.clear()

    def test_the_student_asks_the_organisation_instead_of_signing(self, cast, agreement):
        self.ready(cast, agreement)
        sign(agreement, Side.ORGANISATION, cast.supervisor_a)  # the organisation signed first
        mail.outbox.clear()
        client = client_for(cast.student_a)
        url = reverse("agreement_sign", kwargs={"pk": agreement.placement_id})
        assert "Noe som bør endres først? Spør Solberg &amp; Dahl Revisjon AS" in client.get(url).content.decode()
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(url, {"action": "change", "comment": "Legg inn at jeg har eksamen i uke 21."})
        assert response.url == reverse("agreement_detail", kwargs={"pk": agreement.placement_id})
        agreement.refresh_from_db()
        assert agreement.state == AgreementState.RETURNED
        assert (agreement.returned_to, agreement.returned_by_side) == (Side.ORGANISATION, Side.STUDENT)
        assert agreement.org_completed_at is None and agreement.org_signed_at is None
        assert AgreementVersion.objects.get().reason == "returned"  # the signed version is kept
        by_address = {message.to[0]: message for message in mail.outbox}
        assert "Siri Student har lest forventningsavklaringen og ber om en endring" in (
            by_address[cast.supervisor_a.email].body
        )
        assert "Legg inn at jeg har eksamen i uke 21." in by_address[cast.coordinator.email].body
        asked = "Siri Student ba om en endring i organisasjonens del før signering:"
        detail = reverse("agreement_detail", kwargs={"pk": agreement.placement_id})
        assert asked in client_for(cast.supervisor_a).get(detail).content.decode()
        assert asked in client.get(detail).content.decode()
        part = reverse("agreement_part", kwargs={"pk": agreement.placement_id, "side": "organisation"})
        assert asked in client_for(cast.supervisor_a).get(part).content.decode()

    def test_asking_needs_a_comment_and_keeps_the_page(self, cast, agreement):
        self.ready(cast, agreement)
        url = reverse("agreement_sign", kwargs={"pk": agreement.placement_id})
        response = client_for(cast.supervisor_a).post(url, {"action": "change", "comment": " "})
        assert response.status_code == 200
        assert 'id="form-errors"' in response.content.decode()
        agreement.refresh_from_db()
        assert agreement.state == AgreementState.SIGNING

    def test_a_request_refused_because_the_other_party_asked_first_keeps_what_was_typed(self, cast, agreement):
        self.ready(cast, agreement)
        url = reverse("agreement_sign", kwargs={"pk": agreement.placement_id})
        student, supervisor = client_for(cast.student_a), client_for(cast.supervisor_a)
        student.get(url)
        supervisor.post(url, {"action": "change", "comment": "Skriv inn eksamensdatoene."})  # first
        response = student.post(url, {"action": "change", "comment": "Legg til at jeg jobber hjemmefra fredager."})
        html = response.content.decode()
        assert response.status_code == 200
        assert html.count("Du kan be om en endring når begge delene er ferdige, før du signerer.") == 1
        assert "Legg til at jeg jobber hjemmefra fredager.</textarea>" in html

    def test_a_party_that_has_not_finished_is_told_at_the_top_and_led_to_its_part(self, cast, agreement):
        fill(agreement, Side.STUDENT, cast.student_a)
        url = reverse("agreement_sign", kwargs={"pk": agreement.placement_id})
        supervisor = client_for(cast.supervisor_a).get(url).content.decode()
        top = supervisor[supervisor.index("<h1>") : supervisor.index("Solberg &amp; Dahl Revisjon AS, ")]
        assert "Begge delene må være ferdige før avtalen kan signeres." in top
        assert reverse("agreement_part", kwargs={"pk": agreement.placement_id, "side": "organisation"}) in top
        student = client_for(cast.student_a).get(url).content.decode()
        assert "Venter på at Solberg &amp; Dahl Revisjon AS gjør ferdig sin del." in student

    @pytest.mark.parametrize("stage", ["draft", "signed_by_me"])
    def test_a_change_is_asked_for_only_before_ones_own_signature(self, cast, agreement, stage):
        if stage == "signed_by_me":
            self.ready(cast, agreement)
            sign(agreement, Side.STUDENT, cast.student_a)
        with pytest.raises(ValidationError):
            agreements.agreement_request_change(
                agreement=agreement, side=Side.STUDENT, comment="Endre noe.", user=cast.student_a
            )


class TestWhatHappensNow:
    def page(self, person, agreement):
        html = client_for(person).get(reverse("agreement_detail", kwargs={"pk": agreement.placement_id}))
        return html.content.decode()

    def test_it_names_who_the_agreement_waits_for_and_offers_only_what_is_possible(self, cast, agreement):
        fill(agreement, Side.STUDENT, cast.student_a)
        student = self.page(cast.student_a, agreement)
        assert "Venter på at Ane Veileder gjør ferdig organisasjonens del." in student
        assert "Fyll ut din del" not in student and "Se eller endre din del" in student
        supervisor = self.page(cast.supervisor_a, agreement)
        assert "Venter på at du gjør ferdig din del." in supervisor and "Fyll ut din del" in supervisor

        fill(agreement, Side.ORGANISATION, cast.supervisor_a)
        sign(agreement, Side.STUDENT, cast.student_a)
        student = self.page(cast.student_a, agreement)
        assert "Venter på at Ane Veileder signerer." in student
        assert "Les og signer" not in student
        assert "Les og signer, eller be om en endring" in self.page(cast.supervisor_a, agreement)

        sign(agreement, Side.ORGANISATION, cast.supervisor_a)
        assert "Venter på at en koordinator godkjenner avtalen." in self.page(cast.student_a, agreement)
        assert "Gå gjennom og godkjenn" in self.page(cast.coordinator, agreement)


class TestStepPages:
    def url(self, agreement, step, side="student"):
        return reverse("agreement_step", kwargs={"pk": agreement.placement_id, "side": side, "step": step})

    def test_the_title_says_which_step_of_how_many(self, cast, agreement):
        html = client_for(cast.student_a).get(self.url(agreement, "goals")).content.decode()
        assert "<title>Steg 2 av 5: Læringsmål – InnoPraksis</title>" in html
        assert "Internship skal være en vinn-vinn-situasjon" in html  # the lesson the step serves

    def test_next_without_an_answer_asks_for_it_and_keeps_what_was_written(self, cast, agreement):
        client = client_for(cast.student_a)
        url = self.url(agreement, "strengths")
        base = client.get(url).context["form"]["base"].value()
        response = client.post(
            url, {"student_strengths": "Strukturert", "student_interests": "", "base": base, "go": "next"}
        )
        assert response.status_code == 200
        assert "Svar på dette før du går videre." in response.content.decode()
        agreement.refresh_from_db()
        assert agreement.student_strengths == "Strukturert"  # saved all the same

    def test_next_back_and_save_later(self, cast, agreement):
        client = client_for(cast.student_a)
        url = self.url(agreement, "wants")
        base = client.get(url).context["form"]["base"].value()
        response = client.post(url, {"student_wants": "Erfaring", "base": base, "go": "next"})
        assert response.url == self.url(agreement, "goals")
        response = client.post(self.url(agreement, "goals"), {"student_learning_goals": "", "base": base, "go": "back"})
        assert response.url == url
        base = client.get(url).context["form"]["base"].value()
        response = client.post(url, {"student_wants": "Erfaring og nettverk", "base": base, "go": "save"})
        assert response.url == reverse("agreement_part", kwargs={"pk": agreement.placement_id, "side": "student"})
        agreement.refresh_from_db()
        assert agreement.student_wants == "Erfaring og nettverk"

    def test_the_last_step_leads_to_the_summary_and_finishing_the_part(self, cast, agreement):
        fill(agreement, Side.STUDENT, cast.student_a, complete=False)
        client = client_for(cast.student_a)
        summary = reverse("agreement_part", kwargs={"pk": agreement.placement_id, "side": "student"})
        html = client.get(summary).content.decode()
        assert "Erfaring med budsjett" in html
        response = client.post(summary, follow=True)
        assert "Din del er ferdig." in response.content.decode()
        agreement.refresh_from_db()
        assert agreement.student_completed_at is not None

    def test_the_organisation_sees_the_student_part_beside_the_tasks_step(self, cast, agreement):
        fill(agreement, Side.STUDENT, cast.student_a)
        html = client_for(cast.supervisor_a).get(self.url(agreement, "tasks", "organisation")).content.decode()
        assert "Studentens egen del, til støtte" in html
        assert "Erfaring med budsjett" in html

    def test_a_question_time_of_five_minutes_is_refused(self, cast, agreement):
        client = client_for(cast.supervisor_a)
        url = self.url(agreement, "question_time", "organisation")
        base = client.get(url).context["form"]["base"].value()
        response = client.post(
            url,
            {
                "question_weekday": "2",
                "question_time": "14:00",
                "question_minutes": "5",
                "question_place": "Rom 2",
                "base": base,
                "go": "next",
            },
        )
        assert "Verdien må være større enn eller lik 15." in response.content.decode()
        agreement.refresh_from_db()
        assert agreement.question_minutes is None

    def test_the_student_ticks_the_weekdays_they_can_be_there(self, cast, agreement):
        client = client_for(cast.student_a)
        url = self.url(agreement, "practical")
        base = client.get(url).context["form"]["base"].value()
        response = client.post(url, {"student_days_hours": "9–16", "base": base, "go": "next"})
        assert "Svar på dette før du går videre." in response.content.decode()  # no day ticked
        base = response.context["form"]["base"].value()
        client.post(url, {"student_weekdays": ["2", "4"], "student_days_hours": "9–16", "base": base, "go": "next"})
        agreement.refresh_from_db()
        assert agreement.student_weekdays == [2, 4]
        summary = client.get(reverse("agreement_part", kwargs={"pk": agreement.placement_id, "side": "student"}))
        assert "tirsdag, torsdag" in summary.content.decode()

    def test_the_question_time_step_shows_the_students_days_and_warns_off_them(self, cast, agreement):
        fill(agreement, Side.STUDENT, cast.student_a)  # Tuesday and Thursday
        client = client_for(cast.supervisor_a)
        url = self.url(agreement, "question_time", "organisation")
        page = client.get(url)
        assert "Studenten kan være i organisasjonen på tirsdag, torsdag." in page.content.decode()
        values = {"question_time": "14:00", "question_minutes": "30", "question_place": "Rom 2", "go": "save"}
        base = page.context["form"]["base"].value()
        client.post(url, {**values, "question_weekday": "1", "base": base})
        warning = "Spørretiden er på mandag, men studenten kan være i organisasjonen på tirsdag, torsdag."
        assert warning in client.get(url).content.decode()
        coordinator = client_for(cast.coordinator)
        review = reverse("agreement_review", kwargs={"pk": agreement.placement_id})
        assert warning in coordinator.get(review).content.decode()
        base = client.get(url).context["form"]["base"].value()
        client.post(url, {**values, "question_weekday": "4", "base": base})
        assert "Spørretiden er på" not in coordinator.get(review).content.decode()

    def test_the_printable_page_has_no_navigation_and_a_print_stylesheet(self, cast, agreement):
        signed(cast, agreement)
        html = client_for(cast.student_a).get(reverse("agreement_print", kwargs={"pk": agreement.placement_id}))
        html = html.content.decode()
        assert "css/print.css" in html
        assert "navbar" not in html
        assert "Budsjett, kundemøter og årsoppgjør" in html
        assert "Signert" in html


class TestDeadline:
    def test_the_agreement_is_due_the_cohorts_days_before_the_start(self, placement):
        assert placement.agreement_due_on == DUE
        assert Placement.objects.with_agreement_due().get(pk=placement.pk).agreement_due == DUE
        Cohort.objects.filter(pk=placement.cohort_id).update(agreement_deadline_days=21)
        placement = Placement.objects.with_agreement_due().select_related("cohort").get(pk=placement.pk)
        assert placement.agreement_due == placement.agreement_due_on == START - datetime.timedelta(days=21)

    @pytest.mark.parametrize(("today", "overdue"), [(DUE, False), (DUE + datetime.timedelta(days=1), True)])
    def test_overdue_from_the_day_after_the_due_date(self, agreement, today, overdue):
        assert (
            Placement.objects.with_agreement_overdue(today).get(pk=agreement.placement_id).agreement_overdue is overdue
        )

    def test_an_approved_agreement_is_never_overdue(self, cast, agreement):
        signed(cast, agreement)
        lifecycle.agreement_approve_and_start(agreement=agreement, user=cast.coordinator, today=DUE)
        today = START - datetime.timedelta(days=1)
        assert not Placement.objects.with_agreement_overdue(today).get(pk=agreement.placement_id).agreement_overdue

    def test_overdue_shows_on_the_pages_of_everyone_involved(self, cast, agreement):
        pages = {
            cast.student_a: [
                reverse("home_student"),
                reverse("agreement_detail", kwargs={"pk": agreement.placement_id}),
            ],
            cast.supervisor_a: [
                reverse("home_supervisor"),
                reverse("placement_detail", kwargs={"pk": agreement.placement_id}),
            ],
            cast.coordinator: [
                reverse("placement_list"),
                reverse("agreement_detail", kwargs={"pk": agreement.placement_id}),
            ],
        }
        with time_machine.travel(datetime.datetime(2022, 12, 27, 12, 0), tick=False):
            for user, urls in pages.items():
                for url in urls:
                    assert "Forsinket" in client_for(user).get(url).content.decode(), (user, url)
        with time_machine.travel(datetime.datetime(2022, 12, 20, 12, 0), tick=False):
            for user, urls in pages.items():
                for url in urls:
                    assert "Forsinket" not in client_for(user).get(url).content.decode(), (user, url)

    def test_a_late_agreement_says_who_it_waits_for_and_the_student_is_not_told_to_act(self, cast, agreement):
        fill(agreement, Side.STUDENT, cast.student_a)
        with time_machine.travel(datetime.datetime(2022, 12, 27, 12, 0), tick=False):
            student = client_for(cast.student_a).get(reverse("home_student")).content.decode()
            supervisor = client_for(cast.supervisor_a).get(reverse("home_supervisor")).content.decode()
        assert "Den venter på en ferdig utfylt del fra organisasjonen." in student
        assert "Ingenting for deg å gjøre nå. Det som trenger oppmerksomhet nedenfor" in student
        assert "Den venter på en ferdig utfylt del fra deg." in supervisor
        assert "Fyll ut din del av forventningsavklaringen" in supervisor


class TestQueryCounts:
    def test_the_agreement_page_does_not_grow_with_its_history(self, cast, agreement):
        url = reverse("agreement_detail", kwargs={"pk": agreement.placement_id})
        client = client_for(cast.coordinator)
        counts = []
        for _round in range(2):
            signed(cast, agreement)
            save_step(
                agreement,
                Side.ORGANISATION,
                agreement_steps.get_step(Side.ORGANISATION, "tasks"),
                cast.supervisor_a,
                org_tasks=f"Oppgaver {_round}",
            )
            for step in agreement_steps.ORGANISATION_STEPS:
                save_step(agreement, Side.ORGANISATION, step, cast.supervisor_a, org_role=f"Rolle {_round}")
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
        assert AgreementVersion.objects.count() == 2
        assert counts == [EXPECTED_DETAIL_QUERIES] * 2


# Session, user with roles, the placement with what the page shows of it, the side check, the supervisors
# the agreement waits for, versions, changes.
EXPECTED_DETAIL_QUERIES = 7


def test_the_coordinator_home_lists_agreements_waiting_for_approval(cast, agreement):
    client = client_for(cast.coordinator)
    html = client.get(reverse("home_coordinator")).content.decode()
    assert "Ingen avtale venter på deg." in html
    signed(cast, agreement)
    html = client.get(reverse("home_coordinator")).content.decode()
    assert reverse("agreement_review", kwargs={"pk": agreement.placement_id}) in html
    assert "Siri Student – Solberg &amp; Dahl Revisjon AS" in html
