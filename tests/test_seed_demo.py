import datetime
from io import StringIO

import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from feedback import flags
from feedback.models import CheckIn, ExperienceReport, Gathering, Message
from innopraksis.management.commands.seed_demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, demo_student_email
from innopraksis.models import Mail, MailStatus, User
from orgs.models import Membership, Organisation
from students import rounds
from students.models import (
    AgreementState,
    AgreementVersion,
    Applicant,
    ApplicantRank,
    Choice,
    Cohort,
    ExpectationAgreement,
    MatchingRound,
    MatchRun,
    Pairing,
    PairingKind,
    Placement,
    PlacementState,
    RoundOrganisation,
    Student,
    organisations_returning_in,
)
from tests.conftest import client_for, totp_code


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def current_round() -> Cohort:
    return Cohort.objects.filter(placements__student__user__email="student01@student.innopraksis.example").latest(
        "starts_on"
    )


def test_seed_builds_the_current_round(db):
    output = seed()
    assert Organisation.objects.count() == 7
    # Thirty in the current round, thirty more ranking the organisations for the next one.
    assert Student.objects.filter(user__email__startswith="student").count() == 60
    assert User.objects.filter(is_coordinator=True).count() == 2
    assert Membership.objects.values("organisation").distinct().count() == 7
    assert f"password for all: {DEMO_PASSWORD}" in output
    for email in [
        "koordinator@innopraksis.example",
        "veileder@solbergdahl.example",
        "student01@student.innopraksis.example",
        "student31@student.innopraksis.example",
    ]:
        assert email in output


def test_seed_twice_changes_nothing(db):
    seed()
    counts = (User.objects.count(), Organisation.objects.count(), Student.objects.count(), Membership.objects.count())
    output = seed()
    assert counts == (
        User.objects.count(),
        Organisation.objects.count(),
        Student.objects.count(),
        Membership.objects.count(),
    )
    assert "0 new users" in output


def test_each_printed_demo_login_signs_in_to_its_role_home(client, db):
    seed()
    for email, home in [
        ("koordinator@innopraksis.example", "home_coordinator"),
        ("veileder@solbergdahl.example", "home_supervisor"),
        ("student01@student.innopraksis.example", "home_student"),
        ("student31@student.innopraksis.example", "home_student"),
    ]:
        response = client.post(reverse("login"), {"username": email, "password": DEMO_PASSWORD}, follow=True)
        if home == "home_coordinator":  # the printed key of the authenticator app gives the second factor
            assert response.redirect_chain[-1][0] == reverse("mfa_authenticate")
            code = totp_code(DEMO_TOTP_SECRET)
            response = client.post(reverse("mfa_authenticate"), {"code": code}, follow=True)
        assert response.redirect_chain[-1][0] == reverse(home), email
        client.post(reverse("logout"))


def test_seed_places_every_student_in_the_current_round_in_varied_states(db):
    seed()
    current = current_round()
    assert current.starts_on < timezone.localdate() < current.ends_on
    placements = Placement.objects.filter(cohort=current)
    assert placements.count() == 30
    assert set(placements.values_list("state", flat=True)) == {
        PlacementState.PLANNED,
        PlacementState.AGREEMENT,
        PlacementState.ACTIVE,
        PlacementState.CANCELLED,
    }
    returning = organisations_returning_in(Organisation.objects.all(), current)
    assert returning.filter(is_returning=True).count() == 3
    assert returning.filter(is_returning=False).count() == 4


def test_demo_organisation_numbers_are_valid(db):
    seed()
    for organisation in Organisation.objects.all():
        organisation.full_clean()


def test_seed_has_agreements_in_every_state_some_overdue_and_one_changed_after_signing(db):
    seed()
    agreements = ExpectationAgreement.objects.filter(placement__cohort=current_round())
    assert set(agreements.values_list("state", flat=True)) == set(AgreementState.values)
    placements = Placement.objects.filter(cohort=current_round()).with_agreement_overdue(timezone.localdate())
    overdue = [placement.agreement_overdue for placement in placements]
    assert any(overdue) and not all(overdue)
    assert AgreementVersion.objects.filter(agreement__placement__student__user__email=demo_student_email(1)).exists()
    # Finished, then signed, then approved, in that order, as the printed agreement shows.
    for agreement in agreements.filter(state=AgreementState.APPROVED):
        signed = [moment for moment in (agreement.student_signed_at, agreement.org_signed_at) if moment]
        assert max(agreement.student_completed_at, agreement.org_completed_at) <= min(signed or [agreement.approved_at])
        assert all(moment <= agreement.approved_at for moment in signed)


def test_seed_on_a_later_day_keeps_the_rounds_it_made(db):
    seed()
    before = list(Cohort.objects.values_list("name", "starts_on"))
    with time_machine.travel(timezone.now() + datetime.timedelta(days=90)):
        seed()
    assert list(Cohort.objects.values_list("name", "starts_on")) == before
    assert Placement.objects.count() == 36


def test_seed_has_months_of_check_ins_some_of_them_worrying(db):
    seed()
    today = timezone.localdate()
    assert CheckIn.objects.filter(student_answered_at__isnull=False).count() > 50
    view = flags.Viewpoint(today)
    kinds = {
        flag.kind
        for placement in flags.with_flags(Placement.objects.all(), view)
        for flag in flags.flags_of(placement, view)
    }
    assert kinds >= {"workload", "resource", "delivery", "checkin", "agreement"}
    assert Message.objects.filter(from_student=True, checkin__isnull=False).exists()
    assert Placement.objects.filter(state=PlacementState.COMPLETED, evaluations__answered_at__isnull=False).exists()


def test_seed_has_the_company_gathering_and_its_published_write_up(db):
    seed()
    seed()
    company = Gathering.objects.get(kind="company_gathering")
    # On a Friday, as in the write-up, before the round starts and in its year; the write-up gives that date.
    assert company.held_on.weekday() == 4
    assert company.held_on.year == company.cohort.starts_on.year
    report = ExperienceReport.objects.get(gathering=company)
    with translation.override("nb"):
        assert report.background.startswith(f"Fredag {date_format(company.held_on, 'j. F')} arrangerte vi")
    assert company.invitees.filter(attended=True).count() == 7
    assert report.is_published
    assert "Nøkkelen til et vellykket internship" in report.main_points
    assert report.figures["organisations"] == {"basis": "attended", "total": 7, "returning": 3}


def next_round() -> MatchingRound:
    return MatchingRound.objects.get(cohort__starts_on__gt=current_round().starts_on)


def round_rows() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (MatchingRound, RoundOrganisation, Applicant, Choice, ApplicantRank, Pairing, MatchRun, Placement)
    )


def test_next_rounds_matching_round_is_ready_to_run(db):
    seed()
    matching_round = next_round()
    today = timezone.localdate()
    # The students' ranking has closed; the organisations may still rank; nobody has run or published it.
    assert matching_round.opens_on < matching_round.students_until < today < matching_round.organisations_until
    assert matching_round.cohort.starts_on > matching_round.organisations_until
    assert not matching_round.students_may_rank(today) and matching_round.organisations_may_rank(today)
    assert not matching_round.is_published and not matching_round.runs.exists()

    participants = list(matching_round.participants.all())
    assert len(participants) == 7
    capacities = [participant.capacity for participant in participants]
    assert None not in capacities and 0 in capacities and max(capacities) <= 6 and len(set(capacities)) >= 4
    assert all(participant.tasks and participant.place and participant.days for participant in participants)
    ranked = [participant for participant in participants if participant.ranked_at]
    assert 0 < len(ranked) < 7
    assert ApplicantRank.objects.filter(participant__round=matching_round, not_suitable=True).count() == 1

    applicants = matching_round.applicants.select_related("student__user")
    assert applicants.count() >= 30
    # The main demo student takes part too, so their pages show the round.
    assert applicants.filter(student__user__email=demo_student_email(1)).exists()
    for applicant in applicants:
        choices = list(applicant.choices.all())
        assert 2 <= len(choices) <= 5, applicant
        assert all(choice.motivation for choice in choices)
        assert matching_round.opens_on <= timezone.localdate(applicant.saved_at) <= matching_round.students_until
    assert sorted(Pairing.objects.filter(applicant__round=matching_round).values_list("kind", flat=True)) == [
        PairingKind.FORBID,
        PairingKind.PIN,
    ]

    # A coordinator can run it at once: most students get a place, the pinned one where they were pinned.
    coordinator = User.objects.get(email="koordinator@innopraksis.example")
    run = rounds.run_make(matching_round=matching_round, user=coordinator)
    assert run.figures["placed"] >= 25
    pin = Pairing.objects.get(applicant__round=matching_round, kind=PairingKind.PIN)
    assert rounds.run_placed(run)[pin.applicant.student_id] == pin.participant.organisation_id


def test_current_rounds_placements_came_from_its_published_matching_round(db):
    seed()
    current = current_round()
    matching_round = MatchingRound.objects.get(cohort=current)
    assert matching_round.is_published
    assert matching_round.organisations_until < timezone.localdate(matching_round.published_at) < current.starts_on
    run = matching_round.published_run
    assert run.round == matching_round
    placements = Placement.objects.filter(cohort=current)
    assert rounds.run_placed(run) == dict(placements.values_list("student_id", "organisation_id"))
    # Published without making the placements again: the cancelled one stays cancelled and alone.
    assert placements.count() == 30
    assert placements.filter(state=PlacementState.CANCELLED).count() == 1
    # Most got their first choice; a few their second.
    assert run.figures["by_choice"] == {"1": 26, "2": 4}
    assert matching_round.applicants.count() == 30


def test_seed_again_keeps_the_matching_rounds_even_after_the_next_one_was_published(db):
    seed()
    rows = round_rows()
    published_run = MatchingRound.objects.get(cohort=current_round()).published_run_id
    seed()
    assert round_rows() == rows
    assert MatchingRound.objects.get(cohort=current_round()).published_run_id == published_run

    # Someone tries the demo through: runs and publishes the next round, which places the main demo student.
    coordinator = User.objects.get(email="koordinator@innopraksis.example")
    matching_round = next_round()
    current = current_round()
    rounds.run_publish(run=rounds.run_make(matching_round=matching_round, user=coordinator), user=coordinator)
    assert Placement.objects.filter(cohort=matching_round.cohort, student__user__email=demo_student_email(1)).exists()
    rows = round_rows()
    seed()
    assert round_rows() == rows
    assert Placement.objects.filter(cohort=current).count() == 30
    matching_round.refresh_from_db()
    assert matching_round.is_published


def test_the_demo_mails_nobody_and_shows_an_undelivered_email_with_its_reason(db):
    with TestCase.captureOnCommitCallbacks(execute=True):
        seed()
    assert mail.outbox == []
    assert not Mail.objects.filter(status=MailStatus.QUEUED).exists()  # nothing left for the worker to send
    coordinator = client_for(User.objects.get(email="koordinator@innopraksis.example"))
    assert "1 e-post kunne ikke leveres." in coordinator.get(reverse("home_coordinator")).content.decode()
    page = coordinator.get(reverse("mail_undelivered")).content.decode()
    assert "student05@student.innopraksis.example" in page and "5.1.1 Mailbox unavailable" in page
