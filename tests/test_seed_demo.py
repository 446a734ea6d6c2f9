from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from innopraksis.management.commands.seed_demo import DEMO_PASSWORD
from innopraksis.models import User
from orgs.models import Membership, Organisation
from students.models import Cohort, Placement, PlacementState, Student


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_builds_the_spring_2023_round(db):
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


def test_seed_places_every_student_in_spring_2023_in_varied_states(db):
    seed()
    spring_2023 = Cohort.objects.get(name="Internship våren 2023")
    placements = Placement.objects.filter(cohort=spring_2023)
    assert placements.count() == 30
    assert set(placements.values_list("state", flat=True)) == {
        PlacementState.PLANNED,
        PlacementState.AGREEMENT,
        PlacementState.ACTIVE,
        PlacementState.CANCELLED,
    }
    returning = Organisation.objects.with_returning(spring_2023).filter(is_returning=True)
    assert returning.count() == 3
    assert Organisation.objects.with_returning(spring_2023).filter(is_returning=False).count() == 4


def test_demo_organisation_numbers_are_valid(db):
    seed()
    for organisation in Organisation.objects.all():
        organisation.full_clean()
