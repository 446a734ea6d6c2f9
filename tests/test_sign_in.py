import re
from datetime import timedelta

import time_machine
from django.conf import settings
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from innopraksis import invitations
from innopraksis.models import LoginFailure
from tests.conftest import PASSWORD, client_for, invitation_token, totp_code


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


def test_student_signs_in_with_email_in_any_case_and_lands_on_the_student_home(client, cast):
    response = sign_in(client, "Student.A@Example.ORG", follow=True)
    assert response.redirect_chain[-1][0] == reverse("home_student")
    assert "Mitt internship" in response.content.decode()


def test_each_role_lands_on_its_own_home_page(client, cast):
    for user, home in [
        (cast.supervisor_a, "home_supervisor"),
        (cast.student_b, "home_student"),
    ]:
        response = sign_in(client, user.email, follow=True)
        assert response.redirect_chain[-1][0] == reverse(home)
        client.post(reverse("logout"))
    # A coordinator gives the code of their authenticator app after the password.
    response = sign_in(client, cast.coordinator.email, follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home_coordinator")


def test_wrong_password_says_what_to_check_and_keeps_the_email(client, cast):
    response = sign_in(client, cast.student_a.email, "wrong-password")
    assert response.status_code == 200
    html = response.content.decode()
    assert "E-postadressen eller passordet er feil" in html
    assert 'value="student.a@example.org"' in html


def test_sign_out_ends_the_session(client, cast):
    sign_in(client, cast.student_a.email)
    assert client.get(reverse("home_student")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.url == reverse("login")
    assert client.get(reverse("home_student")).status_code == 302


def test_password_change_needs_the_old_password_and_then_works(client, cast):
    sign_in(client, cast.student_a.email)
    response = client.post(
        reverse("password_change"),
        {"old_password": "not-it", "new_password1": "a-new-long-secret", "new_password2": "a-new-long-secret"},
    )
    assert response.status_code == 200
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "a-new-long-secret", "new_password2": "a-new-long-secret"},
    )
    assert response.url == reverse("password_change_done")
    client.post(reverse("logout"))
    assert sign_in(client, cast.student_a.email, "a-new-long-secret").status_code == 302


def test_a_person_with_several_roles_switches_between_their_homes(client, cast):
    cast.org_a.memberships.create(user=cast.coordinator)
    client = client_for(cast.coordinator)
    assert client.get(reverse("home")).url == reverse("home_coordinator")
    html = client.get(reverse("home_coordinator")).content.decode()
    assert 'name="role"' in html and 'value="supervisor"' in html

    response = client.post(reverse("switch_role"), {"role": "supervisor"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home_supervisor")
    assert "Solberg &amp; Dahl Revisjon AS" in response.content.decode()

    assert client.post(reverse("switch_role"), {"role": "student"}).status_code == 403


def test_a_person_with_one_role_is_not_offered_a_role_switch(cast):
    html = client_for(cast.student_a).get(reverse("home_student")).content.decode()
    assert 'name="role"' not in html


def test_a_signed_in_person_without_a_role_is_told_to_ask_the_coordinator(db):
    from innopraksis.models import User

    user = User.objects.create_user("nobody@example.org", PASSWORD)
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 200
    assert "koordinatoren" in response.content.decode()


class TestThrottling:
    address = {"REMOTE_ADDR": "203.0.113.7"}

    def fail(self, client, email, times):
        for _ in range(times):
            sign_in(client, email, "wrong-password", **self.address)

    def test_five_failures_lock_the_account_from_that_address_with_a_message(self, client, cast):
        self.fail(client, cast.student_a.email, settings.LOGIN_FAILURE_LIMIT)
        response = sign_in(client, cast.student_a.email, PASSWORD, **self.address)
        assert response.status_code == 200
        html = response.content.decode()
        assert "For mange mislykkede innlogginger" in html
        assert "15 minutter" in html

    def test_the_right_password_works_again_after_the_cooloff(self, client, cast):
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            self.fail(client, cast.student_a.email, settings.LOGIN_FAILURE_LIMIT)
            assert sign_in(client, cast.student_a.email, PASSWORD, **self.address).status_code == 200
        with time_machine.travel(start + timedelta(minutes=14), tick=False):
            response = sign_in(client, cast.student_a.email, PASSWORD, **self.address)
            assert "Vent 1 minutt og" in response.content.decode()
        with time_machine.travel(start + settings.LOGIN_COOLOFF + timedelta(seconds=1), tick=False):
            response = sign_in(client, cast.student_a.email, PASSWORD, **self.address)
            assert response.status_code == 302
            assert response.url == reverse("home")

    def test_the_lock_is_per_address_so_another_address_can_still_sign_in(self, client, cast):
        self.fail(client, cast.student_a.email, settings.LOGIN_FAILURE_LIMIT)
        assert sign_in(client, cast.student_a.email, PASSWORD, REMOTE_ADDR="198.51.100.1").status_code == 302

    def test_the_lock_is_per_account_so_others_at_the_address_can_sign_in(self, client, cast):
        self.fail(client, cast.student_a.email, settings.LOGIN_FAILURE_LIMIT)
        assert sign_in(client, cast.student_b.email, PASSWORD, **self.address).status_code == 302

    def test_a_successful_sign_in_clears_earlier_failures(self, client, cast):
        self.fail(client, cast.student_a.email, settings.LOGIN_FAILURE_LIMIT - 1)
        assert sign_in(client, cast.student_a.email, PASSWORD, **self.address).status_code == 302
        assert not LoginFailure.objects.filter(email=cast.student_a.email).exists()

    def test_failures_for_an_unknown_address_are_throttled_too(self, client, db):
        self.fail(client, "ghost@example.org", settings.LOGIN_FAILURE_LIMIT)
        response = sign_in(client, "ghost@example.org", "anything", **self.address)
        assert "For mange mislykkede innlogginger" in response.content.decode()

    def test_one_address_trying_many_accounts_is_stopped_for_every_account(self, client, cast, settings):
        settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
        for number in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
            sign_in(client, f"sprayed{number}@example.org", "Sommer2026!", **self.address)
        response = sign_in(client, cast.student_a.email, PASSWORD, **self.address)
        assert response.status_code == 200
        assert "For mange mislykkede innlogginger fra nettverksadressen din (IP-adressen)" in response.content.decode()
        assert "_auth_user_id" not in client.session
        # Another address is not affected.
        assert sign_in(client, cast.student_a.email, PASSWORD, REMOTE_ADDR="198.51.100.1").status_code == 302

    def test_many_addresses_trying_one_account_lock_that_account_everywhere(self, client, cast, settings):
        settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 8
        for number in range(settings.LOGIN_ACCOUNT_FAILURE_LIMIT):
            sign_in(client, cast.student_a.email, "wrong", REMOTE_ADDR=f"198.51.100.{number + 1}")
        response = sign_in(client, cast.student_a.email, PASSWORD, REMOTE_ADDR="192.0.2.200")
        html = response.content.decode()
        assert "For mange mislykkede innlogginger for denne kontoen." in html
        assert "tilbakestill passordet" in html
        # Other accounts sign in from those addresses as before.
        assert sign_in(client, cast.student_b.email, PASSWORD, REMOTE_ADDR="198.51.100.1").status_code == 302

    def test_a_new_password_from_a_reset_link_opens_a_locked_account(self, client, cast, settings):
        settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 3
        for number in range(settings.LOGIN_ACCOUNT_FAILURE_LIMIT):
            sign_in(client, cast.student_a.email, "wrong", REMOTE_ADDR=f"198.51.100.{number + 1}")
        assert sign_in(client, cast.student_a.email, PASSWORD, **self.address).status_code == 200  # locked
        with TestCase.captureOnCommitCallbacks(execute=True):
            client.post(reverse("password_reset"), {"email": cast.student_a.email})
        link = re.search(r"https?://[^/]+(/password/reset/\S+)", mail.outbox[-1].body).group(1)
        new_password = "Et-nytt-og-langt-passord-2026"
        client.post(client.get(link).url, {"new_password1": new_password, "new_password2": new_password})
        assert sign_in(client, cast.student_a.email, new_password, **self.address).status_code == 302

    def test_a_password_set_from_an_invitation_opens_a_locked_account(self, client, cast, settings):
        settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 3
        for number in range(settings.LOGIN_ACCOUNT_FAILURE_LIMIT):
            sign_in(client, cast.student_a.email, "wrong", REMOTE_ADDR=f"198.51.100.{number + 1}")
        with TestCase.captureOnCommitCallbacks(execute=True):
            invitations.invitation_for_person(user=cast.student_a, role="student", invited_by=cast.coordinator)
        token = invitation_token(mail.outbox[-1].body)
        new_password = "Et-nytt-og-langt-passord-2026"
        fields = {"full_name": cast.student_a.full_name, "password1": new_password, "password2": new_password}
        client_for(None).post(reverse("invitation_accept", kwargs={"token": token}), fields)
        assert sign_in(client, cast.student_a.email, new_password, **self.address).status_code == 302

    def test_an_unknown_account_is_locked_with_the_same_words_as_a_known_one(self, client, cast, settings):
        settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 3
        pages = []
        for email in ("ghost@example.org", cast.student_a.email):
            for number in range(settings.LOGIN_ACCOUNT_FAILURE_LIMIT):
                sign_in(client, email, "wrong", REMOTE_ADDR=f"198.51.100.{number + 1}")
            pages.append(sign_in(client, email, "wrong", REMOTE_ADDR="192.0.2.200").content.decode())
        messages = [re.search(r"For mange[^<]*", page).group(0) for page in pages]
        assert messages[0] == messages[1]

    def test_behind_a_proxy_the_forwarded_client_address_is_throttled(self, client, cast, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        for _ in range(settings.LOGIN_FAILURE_LIMIT):
            sign_in(client, cast.student_a.email, "wrong", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
        assert LoginFailure.objects.filter(ip_address="203.0.113.9").count() == settings.LOGIN_FAILURE_LIMIT
        other_client = sign_in(
            client, cast.student_a.email, PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2"
        )
        assert other_client.status_code == 302
