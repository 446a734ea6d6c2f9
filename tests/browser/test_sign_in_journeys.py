"""Signing in as people do: with Feide after an invitation, with an authenticator app a coordinator is made to
set up, and with a passkey (Chromium's virtual authenticator, through the DevTools protocol's WebAuthn domain)."""

from __future__ import annotations

import re

from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse
from playwright.sync_api import expect

from innopraksis import invitations
from innopraksis.models import InvitationRole, User
from innopraksis.settings import feide_providers
from tests.browser.test_journeys import sign_in, sign_out
from tests.conftest import PASSWORD, totp_code
from tests.oidc_server import FEIDE_CALLBACK_PATH, allow_redirect_uri


def feide_at(settings, provider, live_server) -> None:
    """Feide set up by settings, as in a deployment, with the test provider's issuer."""
    settings.FEIDE_CLIENT_ID = provider.client_id
    settings.FEIDE_CLIENT_SECRET = provider.client_secret
    settings.FEIDE_ISSUER = provider.issuer
    settings.SOCIALACCOUNT_PROVIDERS = feide_providers(provider.client_id, provider.client_secret, provider.issuer)
    allow_redirect_uri(provider, live_server.url + FEIDE_CALLBACK_PATH)


def sign_in_at_feide(page, provider, username: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(provider.login_url)))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(provider.identities[username].password)
    page.get_by_role("button", name="Sign in").click()


def test_a_student_accepts_an_invitation_with_feide_signs_out_and_in_again(
    page, cast, settings, oidc_provider, live_server, mailoutbox, django_capture_on_commit_callbacks
):
    feide_at(settings, oidc_provider, live_server)
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitation_create(
            email="nora@example.org",
            full_name="Nora Ny",
            role=InvitationRole.STUDENT,
            organisation=None,
            invited_by=cast.coordinator,
        )
    link = re.search(r"/invitation/[A-Za-z0-9_-]+/", mailoutbox[0].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Logg inn med Feide").click()
    sign_in_at_feide(page, oidc_provider, "siri@uni.example")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mitt internship")
    assert (
        SocialAccount.objects.get(user__email="nora@example.org").uid
        == oidc_provider.identities["siri@uni.example"].sub
    )

    sign_out(page)
    page.get_by_role("button", name="Logg inn med Feide").click()
    # Still signed in at Feide: straight back, and in.
    expect(page.get_by_role("heading", level=1)).to_have_text("Mitt internship")


def test_an_unknown_feide_identity_gets_the_no_access_page(page, cast, settings, oidc_provider, live_server):
    feide_at(settings, oidc_provider, live_server)
    users = User.objects.count()
    page.goto(reverse("login"))
    page.get_by_role("button", name="Logg inn med Feide").click()
    sign_in_at_feide(page, oidc_provider, "ukjent@uni.example")
    expect(page.get_by_role("heading", level=1)).to_have_text("Du har ikke tilgang til InnoPraksis ennå")
    expect(page.get_by_text("ukjent@uni.example")).to_be_visible()
    assert User.objects.count() == users and not SocialAccount.objects.exists()


def test_a_coordinator_is_made_to_set_up_an_authenticator_app_and_then_signs_in_with_it(page, db):
    coordinator = User.objects.create_user(
        "ny.koordinator@example.org", PASSWORD, full_name="Nina Ny", is_coordinator=True
    )
    sign_in(page, coordinator.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tofaktorautentisering")
    expect(page.get_by_text("Sett opp en andre faktor for å gå videre.")).to_be_visible()
    # Nothing else opens yet.
    page.goto(reverse("student_list"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tofaktorautentisering")

    page.get_by_role("link", name="Sett opp en autentiseringsapp").click()
    secret = page.get_by_label("Autentiseringshemmelighet").input_value()
    page.get_by_label("Autentiseringskode").fill(totp_code(secret))
    page.get_by_role("button", name="Aktiver").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gjenopprettingskoder")
    codes = page.get_by_label("Ubrukte koder").input_value().split()
    assert len(codes) == 10
    page.get_by_role("link", name="Fortsett").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trenger oppmerksomhet nå")

    sign_out(page)
    sign_in(page, coordinator.email)  # the password, then the app's code
    expect(page.get_by_role("heading", level=1)).to_have_text("Trenger oppmerksomhet nå")

    # A recovery code works instead, once.
    sign_out(page)
    page.get_by_label("E-postadresse").fill(coordinator.email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.get_by_label("Kode").fill(codes[0])
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trenger oppmerksomhet nå")


def test_a_student_adds_a_passkey_and_signs_in_with_it(page, cast):
    refused = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    sign_in(page, cast.student_a.email)
    page.goto(reverse("profile"))
    page.get_by_role("link", name="Slå på tofaktorautentisering").click()
    page.get_by_role("link", name="Legg til en passnøkkel eller sikkerhetsnøkkel").click()
    page.get_by_label("Navn på nøkkelen").fill("Bærbar")
    page.get_by_role("button", name="Legg til").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gjenopprettingskoder")
    assert Authenticator.objects.filter(user=cast.student_a, type=Authenticator.Type.WEBAUTHN).exists()

    sign_out(page)
    page.get_by_label("E-postadresse").fill(cast.student_a.email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.get_by_role("button", name="Bruk passnøkkelen eller sikkerhetsnøkkelen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mitt internship")
    assert refused == []  # the passkey's scripts run under the strict Content-Security-Policy
