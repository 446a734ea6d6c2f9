from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from innopraksis.models import Invitation, InvitationRole, User
from orgs.models import Membership
from students.models import Student
from tests.conftest import client_for, invitation_token


@pytest.fixture
def coordinator_client(cast):
    return client_for(cast.coordinator)


def invite(client, django_capture_on_commit_callbacks, **fields):
    data = {"email": "ny.student@example.org", "full_name": "", "role": "student", "organisation": "", "language": "nb"}
    data.update(fields)
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("invitation_create"), data)


def accept(client, token, full_name="Nora Ny", password="a-long-new-password"):
    return client.post(
        reverse("invitation_accept", kwargs={"token": token}),
        {"full_name": full_name, "password1": password, "password2": password},
    )


def test_coordinator_invites_a_student_who_sets_a_password_and_lands_home(
    client, coordinator_client, django_capture_on_commit_callbacks
):
    response = invite(coordinator_client, django_capture_on_commit_callbacks, email="Ny.Student@Example.org")
    assert response.url == reverse("invitation_list")
    (message,) = mail.outbox
    assert message.to == ["ny.student@example.org"]
    assert message.subject == "Du er invitert til InnoPraksis"

    token = invitation_token(message.body)
    page = client.get(reverse("invitation_accept", kwargs={"token": token}))
    assert "Du logger inn med ny.student@example.org" in page.content.decode()

    response = accept(client, token)
    assert response.url == reverse("home")
    assert client.get(reverse("home")).url == reverse("home_student")
    user = User.objects.get(email="ny.student@example.org")
    assert user.full_name == "Nora Ny"
    assert user.check_password("a-long-new-password")
    assert Student.objects.filter(user=user).exists()


def test_supervisor_invitation_makes_the_person_a_member_of_the_organisation(
    client, cast, coordinator_client, django_capture_on_commit_callbacks
):
    invite(
        coordinator_client,
        django_capture_on_commit_callbacks,
        email="ny.veileder@example.org",
        role="supervisor",
        organisation=cast.org_b.pk,
        language="en",
    )
    (message,) = mail.outbox
    assert message.subject == "You are invited to InnoPraksis"
    assert "supervisor for Nordvik kommune" in message.body
    accept(client, invitation_token(message.body))
    membership = Membership.objects.get(user__email="ny.veileder@example.org")
    assert membership.organisation == cast.org_b
    assert client.get(reverse("home")).url == reverse("home_supervisor")


def test_supervisor_invitation_without_organisation_says_to_choose_one_and_keeps_the_input(
    coordinator_client, django_capture_on_commit_callbacks
):
    response = invite(
        coordinator_client,
        django_capture_on_commit_callbacks,
        email="ny.veileder@example.org",
        full_name="Vera Veileder",
        role="supervisor",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Velg organisasjonen denne veilederen hører til" in html
    assert 'value="ny.veileder@example.org"' in html
    assert 'value="Vera Veileder"' in html
    assert "utløper etter 14 dager" in html
    assert mail.outbox == []


def test_a_used_link_says_so_and_points_to_sign_in(client, coordinator_client, django_capture_on_commit_callbacks):
    invite(coordinator_client, django_capture_on_commit_callbacks)
    token = invitation_token(mail.outbox[0].body)
    accept(client, token)
    client.post(reverse("logout"))
    response = client.get(reverse("invitation_accept", kwargs={"token": token}))
    assert response.status_code == 410
    assert "Denne invitasjonen er allerede brukt" in response.content.decode()
    assert accept(client, token).status_code == 410


def test_an_expired_link_says_so_and_how_to_get_a_new_one(
    client, coordinator_client, django_capture_on_commit_callbacks
):
    invite(coordinator_client, django_capture_on_commit_callbacks)
    token = invitation_token(mail.outbox[0].body)
    with time_machine.travel(timezone.now() + timedelta(days=14, minutes=1)):
        response = client.get(reverse("invitation_accept", kwargs={"token": token}))
    assert response.status_code == 410
    html = response.content.decode()
    assert "Denne invitasjonen er utløpt" in html
    assert "koordinatoren" in html
    assert not User.objects.filter(email="ny.student@example.org").exists()


def test_resending_makes_a_new_link_and_the_old_one_stops_working(
    client, coordinator_client, django_capture_on_commit_callbacks
):
    invite(coordinator_client, django_capture_on_commit_callbacks)
    old_token = invitation_token(mail.outbox[0].body)
    invitation = Invitation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(reverse("invitation_resend", kwargs={"pk": invitation.pk}))
    assert response.url == reverse("invitation_list")
    new_token = invitation_token(mail.outbox[1].body)
    assert new_token != old_token

    old = client.get(reverse("invitation_accept", kwargs={"token": old_token}))
    assert old.status_code == 410
    assert "Denne invitasjonen er erstattet" in old.content.decode()
    assert accept(client, new_token).url == reverse("home")


def test_an_unknown_link_is_not_found(client, db):
    response = client.get(reverse("invitation_accept", kwargs={"token": "no-such-token"}))
    assert response.status_code == 404
    assert "Vi kjenner ikke igjen denne invitasjonslenken" in response.content.decode()


def test_mismatched_passwords_are_refused_and_the_name_is_kept(
    client, coordinator_client, django_capture_on_commit_callbacks
):
    invite(coordinator_client, django_capture_on_commit_callbacks, full_name="Nora Ny")
    token = invitation_token(mail.outbox[0].body)
    response = client.post(
        reverse("invitation_accept", kwargs={"token": token}),
        {"full_name": "Nora Ny", "password1": "a-long-new-password", "password2": "another-long-password"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "De to passordene er ulike" in html
    assert 'value="Nora Ny"' in html
    assert not User.objects.filter(email="ny.student@example.org").exists()


def test_a_weak_password_is_refused_with_the_reason(client, coordinator_client, django_capture_on_commit_callbacks):
    invite(coordinator_client, django_capture_on_commit_callbacks)
    token = invitation_token(mail.outbox[0].body)
    response = accept(client, token, password="12345")
    assert response.status_code == 200
    assert "Passordet er for kort" in response.content.decode()


def test_inviting_an_existing_person_adds_the_role_without_a_second_account(
    client, cast, coordinator_client, django_capture_on_commit_callbacks
):
    invite(
        coordinator_client,
        django_capture_on_commit_callbacks,
        email=cast.student_a.email.upper(),
        role="supervisor",
        organisation=cast.org_a.pk,
    )
    accept(client, invitation_token(mail.outbox[0].body), full_name="Siri Student")
    assert User.objects.filter(email__iexact=cast.student_a.email).count() == 1
    assert Membership.objects.filter(user=cast.student_a, organisation=cast.org_a).exists()


def test_invitation_list_searches_and_shows_the_status(cast, coordinator_client, django_capture_on_commit_callbacks):
    invite(coordinator_client, django_capture_on_commit_callbacks, email="first@example.org")
    invite(
        coordinator_client,
        django_capture_on_commit_callbacks,
        email="second@example.org",
        role="supervisor",
        organisation=cast.org_a.pk,
    )
    coordinator_client.get(reverse("invitation_list"))  # shows and clears the "sent" messages
    html = coordinator_client.get(reverse("invitation_list"), {"q": "solberg"}).content.decode()
    assert "<td>second@example.org</td>" in html
    assert "first@example.org" not in html
    assert "Venter på å bli brukt" in html


def test_invitation_list_with_no_match_says_what_to_try(coordinator_client):
    html = coordinator_client.get(reverse("invitation_list"), {"q": "zzz"}).content.decode()
    assert "Ingen invitasjoner passer til «zzz»" in html


def _make_invitations(cast, count):
    for number in range(count):
        Invitation.objects.create(
            email=f"person{number}@example.org",
            role=InvitationRole.SUPERVISOR,
            organisation=cast.org_a if number % 2 else cast.org_b,
            token_hash=f"{number:064d}",
            invited_by=cast.coordinator,
            expires_at=timezone.now() + timedelta(days=1),
        )


# Session, user with roles, count for the paginator, the page of invitations with
# their organisations and senders in one join.
EXPECTED_LIST_QUERIES = 4


def test_invitation_list_query_count_does_not_grow_with_rows(cast, coordinator_client):
    counts = []
    for total in (3, 30):
        Invitation.objects.all().delete()
        _make_invitations(cast, total)
        with CaptureQueriesContext(connection) as queries:
            response = coordinator_client.get(reverse("invitation_list"))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts == [EXPECTED_LIST_QUERIES, EXPECTED_LIST_QUERIES]


def test_invitation_list_is_paginated(cast, coordinator_client):
    _make_invitations(cast, 30)
    first = coordinator_client.get(reverse("invitation_list")).content.decode()
    assert first.count("@example.org</td>") + first.count("@example.org<br>") == 25
    assert "Side 1 av 2" in first
    second = coordinator_client.get(reverse("invitation_list"), {"page": 2}).content.decode()
    assert "Side 2 av 2" in second
