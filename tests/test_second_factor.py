"""The second factor: coordinators must have one before any page with personal data opens; others may turn it on;
codes are throttled like passwords; an operator resets it for a lost phone; every step is in the security log."""

from __future__ import annotations

import datetime
import logging
from io import StringIO

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from innopraksis.models import User
from tests.conftest import PASSWORD, client_for, totp_code

TOTP_SESSION_KEY = "mfa.totp.secret"  # where allauth keeps the secret being set up


def sign_in(client, user, password=PASSWORD):
    return client.post(reverse("login"), {"username": user.email, "password": password})


def new_coordinator() -> User:
    user = User.objects.create_user("ny.koordinator@example.org", PASSWORD, full_name="Nina Ny", is_coordinator=True)
    assert not Authenticator.objects.filter(user=user).exists()
    return user


class TestCoordinatorsMustSetOneUp:
    @pytest.mark.parametrize(
        "page", ["home_coordinator", "student_list", "dashboard", "placement_list", "profile", "admin:index"]
    )
    def test_no_page_with_personal_data_opens_before_it_is_set_up(self, db, page):
        client = client_for(new_coordinator())
        response = client.get(reverse(page))
        assert response.status_code == 302 and response.url == reverse("mfa_index")
        html = client.get(response.url).content.decode()
        assert "Sett opp en andre faktor for å gå videre." in html

    def test_a_coordinator_sets_up_an_authenticator_app_sees_the_recovery_codes_once_and_goes_on(
        self, client, db, caplog, django_capture_on_commit_callbacks
    ):
        coordinator = new_coordinator()
        response = sign_in(client, coordinator)
        assert client.get(response.url, follow=True).redirect_chain[-1][0] == reverse("mfa_index")

        page = client.get(reverse("mfa_activate_totp"))
        assert page.status_code == 200
        secret = client.session[TOTP_SESSION_KEY]
        assert secret in page.content.decode()  # typed in by hand when the QR code cannot be scanned
        wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
        assert wrong.status_code == 200 and not Authenticator.objects.filter(user=coordinator).exists()
        with (
            caplog.at_level(logging.INFO, logger="innopraksis.security"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
        assert response.url == reverse("mfa_view_recovery_codes")
        codes = RecoveryCodes(Authenticator.objects.get(user=coordinator, type="recovery_codes")).generate_codes()
        shown = client.get(response.url).content.decode()
        assert all(code in shown for code in codes)
        again = client.get(reverse("mfa_view_recovery_codes")).content.decode()
        assert not any(code in again for code in codes)  # shown once
        assert "event=second_factor_added" in caplog.text and "kind=totp" in caplog.text

        assert client.get(reverse("home_coordinator")).status_code == 200
        # From now on, signing in asks for the code.
        client.post(reverse("logout"))
        assert sign_in(client, coordinator).url == reverse("mfa_authenticate")
        assert client.get(reverse("home_coordinator")).status_code == 302

    def test_the_admin_signs_in_through_the_portal_and_so_asks_for_the_second_factor(self, client, cast):
        response = client.get(reverse("admin:index"), follow=True)
        assert response.redirect_chain[-1][0].startswith(reverse("login") + "?next=")
        response = client.post(
            reverse("login"), {"username": cast.coordinator.email, "password": PASSWORD, "next": reverse("admin:index")}
        )
        assert response.url == reverse("mfa_authenticate")
        assert client.get(reverse("admin:index"), follow=True).redirect_chain[-1][0].startswith(reverse("login"))
        assert client.post(reverse("mfa_authenticate"), {"code": totp_code()}).url == reverse("admin:index")
        assert client.get(reverse("admin:index")).status_code == 200


class TestOthersMayTurnItOn:
    def test_a_student_is_not_made_to_but_may_and_is_then_asked_for_the_code(self, client, cast):
        sign_in(client, cast.student_a)
        assert client.get(reverse("home_student")).status_code == 200
        profile = client.get(reverse("profile")).content.decode()
        assert "Slå på tofaktorautentisering" in profile
        client.get(reverse("mfa_activate_totp"))
        secret = client.session[TOTP_SESSION_KEY]
        client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
        client.post(reverse("logout"))
        assert sign_in(client, cast.student_a).url == reverse("mfa_authenticate")
        response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
        assert response.url == reverse("home")


class TestCodes:
    def test_wrong_codes_are_throttled_like_passwords(self, client, cast, settings, caplog):
        settings.LOGIN_FAILURE_LIMIT = 3
        sign_in(client, cast.coordinator)
        with caplog.at_level(logging.INFO, logger="innopraksis.security"):
            for _attempt in range(3):
                response = client.post(reverse("mfa_authenticate"), {"code": "123456"})
                assert response.status_code == 200
            response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
        assert response.status_code == 200
        assert "For mange feil forsøk. Vent 15 minutter" in response.content.decode()
        assert client.get(reverse("home_coordinator")).status_code == 302
        assert caplog.text.count("event=second_factor_failed") == 3 and "event=second_factor_throttled" in caplog.text
        # The lock holds for the password too, from this address.
        client.post(reverse("logout"))
        assert "For mange mislykkede innlogginger" in sign_in(client, cast.coordinator).content.decode()

    def test_a_recovery_code_works_once_and_its_use_is_logged(self, client, cast, caplog):
        code = RecoveryCodes.activate(cast.coordinator).generate_codes()[0]
        sign_in(client, cast.coordinator)
        with caplog.at_level(logging.INFO, logger="innopraksis.security"):
            assert client.post(reverse("mfa_authenticate"), {"code": code}).url == reverse("home")
        assert "event=recovery_code_used" in caplog.text
        client.post(reverse("logout"))
        sign_in(client, cast.coordinator)
        assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 200

    def test_a_code_is_not_accepted_twice_even_after_its_30_seconds(self, client, cast):
        with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, 5, tzinfo=datetime.UTC), tick=False):
            code = totp_code()
            sign_in(client, cast.coordinator)
            assert client.post(reverse("mfa_authenticate"), {"code": code}).url == reverse("home")
            client.post(reverse("logout"))
        # The next period: the code is still accepted for clock drift, but not a second time.
        with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, 40, tzinfo=datetime.UTC), tick=False):
            sign_in(client, cast.coordinator)
            response = client.post(reverse("mfa_authenticate"), {"code": code})
            assert response.status_code == 200 and "Feil kode." in response.content.decode()
            assert client.post(reverse("mfa_authenticate"), {"code": totp_code()}).url == reverse("home")

    def test_a_right_password_does_not_wipe_the_count_of_wrong_codes(self, client, cast, settings):
        settings.LOGIN_FAILURE_LIMIT = 3
        for _attempt in range(3):
            sign_in(client, cast.coordinator)
            client.post(reverse("mfa_authenticate"), {"code": "123456"})
            client.post(reverse("logout"))
        response = sign_in(client, cast.coordinator)
        assert "For mange mislykkede innlogginger" in response.content.decode()

    def test_giving_the_password_again_is_throttled_too(self, client, cast, settings):
        settings.LOGIN_FAILURE_LIMIT = 3
        client = client_for(cast.student_a)
        for _attempt in range(3):
            client.post(reverse("account_reauthenticate"), {"password": "wrong-password"})
        response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
        assert response.status_code == 200
        assert "For mange mislykkede innlogginger" in response.content.decode()


class TestReset:
    def test_an_operator_resets_a_lost_phone_and_the_person_is_told_in_their_language(
        self, cast, mailoutbox, caplog, django_capture_on_commit_callbacks
    ):
        cast.coordinator.language = "en"
        cast.coordinator.save()
        RecoveryCodes.activate(cast.coordinator)
        out = StringIO()
        with (
            caplog.at_level(logging.INFO, logger="innopraksis.security"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            call_command("reset_second_factor", "Coordinator@Example.org", by="phone call, ID checked", stdout=out)
        assert "Removed 1 second factor(s) and the recovery codes" in out.getvalue()
        assert not Authenticator.objects.filter(user=cast.coordinator).exists()
        (mail,) = mailoutbox
        assert mail.to == [cast.coordinator.email]
        assert mail.subject == "Your two-factor authentication in InnoPraksis was reset"
        assert "event=second_factor_reset" in caplog.text and "phone call, ID checked" in caplog.text
        # At the next page, the coordinator sets up a new one.
        assert client_for(cast.coordinator).get(reverse("home_coordinator")).url == reverse("mfa_index")

    def test_an_unknown_address_is_refused(self, db):
        with pytest.raises(CommandError, match="Nobody has the e-mail address"):
            call_command("reset_second_factor", "ingen@example.org", by="test", stdout=StringIO())


class TestPasskeys:
    def test_nobody_changes_or_removes_another_persons_passkey(self, cast):
        key = Authenticator.objects.create(
            user=cast.student_a, type=Authenticator.Type.WEBAUTHN, data={"name": "Telefonen", "credential": {}}
        )
        client = client_for(cast.student_b)
        client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
        kwargs = {"pk": key.pk}
        assert client.get(reverse("mfa_edit_webauthn", kwargs=kwargs)).status_code == 404
        assert client.post(reverse("mfa_edit_webauthn", kwargs=kwargs), {"name": "Min nå"}).status_code == 404
        assert client.post(reverse("mfa_remove_webauthn", kwargs=kwargs)).status_code == 404
        key.refresh_from_db()
        assert key.data["name"] == "Telefonen"
