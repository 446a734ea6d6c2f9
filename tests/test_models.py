import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from innopraksis.models import Invitation, User
from orgs.models import Organisation
from orgs.validators import validate_org_number


@pytest.mark.parametrize("number", ["974760673", "974 760 673", "912345602"])
def test_valid_organisation_numbers_pass(number):
    validate_org_number(number)


def test_organisation_number_with_wrong_check_digit_is_refused_with_a_reason():
    with pytest.raises(ValidationError) as error:
        validate_org_number("974760674")
    assert error.value.code == "check_digit"
    assert "check digit" in str(error.value.messages[0]) or "kontrollsifferet" in str(error.value.messages[0])


@pytest.mark.parametrize("number", ["12345678", "1234567890", "97476067A"])
def test_organisation_number_that_is_not_nine_digits_is_refused(number):
    with pytest.raises(ValidationError) as error:
        validate_org_number(number)
    assert error.value.code == "format"


def test_organisation_number_is_stored_without_spaces(db):
    organisation = Organisation(name="Test AS", org_number="974 760 673")
    organisation.full_clean()
    assert organisation.org_number == "974760673"


def test_email_is_unique_whatever_its_case(db):
    User.objects.create_user("Person@Example.org", "x-password-long")
    assert User.objects.get().email == "person@example.org"
    with pytest.raises(ValidationError):
        User.objects.create_user("PERSON@example.org", "x-password-long")


def test_the_database_refuses_an_address_differing_only_in_case(db):
    User.objects.create(email="person@example.org")
    with pytest.raises(IntegrityError):
        User.objects.create(email="Person@example.org")


def test_a_supervisor_invitation_needs_an_organisation(db):
    from datetime import timedelta

    from django.utils import timezone

    invitation = Invitation(
        email="a@example.org", role="supervisor", token_hash="1" * 64, expires_at=timezone.now() + timedelta(days=1)
    )
    with pytest.raises(ValidationError):
        invitation.full_clean()
