import datetime
from io import StringIO

import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from feedback import flags
from feedback.models import CheckIn, ExperienceReport, Gathering, Message
from innopraksis.management.commands.seed_demo import DEMO_PASSWORD, demo_student_email
from innopraksis.models import User
from orgs.models import Membership, Organisation
from students.models import (
    AgreementState,
    AgreementVersion,
    Cohort,
    ExpectationAgreement,
    Placement,
    PlacementState,
    Student,
    organisations_returning_in,
)


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
    assert Student.objects.filter(user__email__startswith="student").count() == 30
    assert User.objects.filter(is_coordinator=True).count() == 2
    assert Membership.objects.values("organisation").distinct().count() == 7
    assert f"password for all: {DEMO_PASSWORD}" in output
    for email in [
        "koordinator@innopraksis.example",
        "veileder@solbergdahl.example",
        "student01@student.innopraksis.example",
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
    ]:
        response = client.post(reverse("login"), {"username": email, "password": DEMO_PASSWORD}, follow=True)
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
