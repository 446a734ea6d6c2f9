"""Signing in with Feide, against a real OpenID Connect provider on 127.0.0.1 (tests/oidc_server.py): the
portal's configuration is the one for Feide but for the issuer.

The person's browser is a ``requests`` session at the provider and Django's test client at the portal; the
portal's own requests to the provider (the token, the keys) are real HTTP.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from innopraksis import invitations
from innopraksis.models import InvitationRole, User
from innopraksis.settings import feide_providers
from students.models import Student
from tests.conftest import PASSWORD, client_for, invitation_token, make_user, totp_code
from tests.oidc_server import browser, sign_in


@pytest.fixture
def feide(settings, oidc_provider):
    """Feide set up as a deployment does, by settings, with the test provider's issuer."""
    settings.FEIDE_CLIENT_ID = oidc_provider.client_id
    settings.FEIDE_CLIENT_SECRET = oidc_provider.client_secret
    settings.FEIDE_ISSUER = oidc_provider.issuer
    settings.SOCIALACCOUNT_PROVIDERS = feide_providers(
        oidc_provider.client_id, oidc_provider.client_secret, oidc_provider.issuer
    )
    return oidc_provider


def through_feide(provider, response, username: str, at_provider=None):
    """Follow the portal's redirect to the provider, sign in there as ``username``, and return the address on
    the portal that the provider sends the browser back to."""
    assert response.status_code == 302, response.content[:500]
    assert response.url.startswith(provider.authorization_endpoint)
    query = dict(part.split("=", 1) for part in urlsplit(response.url).query.split("&"))
    assert query["code_challenge_method"] == "S256"  # PKCE
    back = sign_in(provider, at_provider or browser(), response.url, username)
    assert back.status_code == 302, back.text
    location = urlsplit(back.headers["Location"])
    assert location.netloc == "testserver"
    return f"{location.path}?{location.query}"


def feide_sign_in(client, provider, username: str, at_provider=None):
    """Sign in with Feide from the sign-in page; a refusal is followed to the page that explains it."""
    start = client.post(reverse("openid_connect_login", kwargs={"provider_id": "feide"}), {"process": "login"})
    return refusal_followed(client, client.get(through_feide(provider, start, username, at_provider)))


def refusal_followed(client, response):
    if response.status_code == 302 and response.url in REFUSAL_PAGES:
        return client.get(response.url)
    return response


REFUSAL_PAGES = {reverse(name) for name in ("feide_no_access", "feide_realm_refused", "feide_taken")}


@pytest.fixture
def invite(cast, mailoutbox, django_capture_on_commit_callbacks):
    """Invite a student by e-mail; returns the token of the link in the e-mail."""

    def invite(email: str, full_name: str = "") -> str:
        with django_capture_on_commit_callbacks(execute=True):
            invitations.invitation_create(
                email=email,
                full_name=full_name,
                role=InvitationRole.STUDENT,
                organisation=None,
                invited_by=cast.coordinator,
            )
        return invitation_token(mailoutbox[-1].body)

    return invite


class TestWithoutFeide:
    def test_the_sign_in_page_is_as_before_when_feide_is_not_set_up(self, client, db):
        html = client.get(reverse("login")).content.decode()
        assert "Logg inn med Feide" not in html and "E-postadresse" in html


class TestInvitation:
    def test_an_invitation_abandoned_at_feide_goes_to_nobody_else(self, client, cast, feide, invite):
        token = invite("forlatt@example.org")
        client.post(reverse("invitation_accept_feide", kwargs={"token": token}))  # and never comes back
        response = feide_sign_in(client, feide, "ukjent@uni.example")
        assert response.status_code == 403
        assert not User.objects.filter(email="forlatt@example.org").exists()
        assert not SocialAccount.objects.exists()

    def test_a_student_accepts_an_invitation_with_feide_and_signs_in_with_it_again(self, client, cast, feide, invite):
        token = invite("ny.student@example.org", "Nora Ny")
        page = client.get(reverse("invitation_accept", kwargs={"token": token})).content.decode()
        assert "Logg inn med Feide" in page
        start = client.post(reverse("invitation_accept_feide", kwargs={"token": token}))
        at_provider = browser()
        landed = client.get(through_feide(feide, start, "siri@uni.example", at_provider), follow=True)
        assert landed.redirect_chain[-1][0] == reverse("home_student")
        user = User.objects.get(email="ny.student@example.org")
        assert user.full_name == "Nora Ny" and not user.has_usable_password()
        assert Student.objects.filter(user=user).exists()
        identity = SocialAccount.objects.get(user=user)
        assert identity.uid == feide.identities["siri@uni.example"].sub
        # The link is spent.
        again = client.get(reverse("invitation_accept", kwargs={"token": token}))
        assert again.status_code == 410

        client.post(reverse("logout"))
        assert client.get(reverse("home_student")).status_code == 302
        response = feide_sign_in(client, feide, "siri@uni.example", at_provider)
        assert response.status_code == 302 and response.url == reverse("home")
        assert client.get(reverse("home_student")).status_code == 200

    def test_the_name_comes_from_feide_when_the_invitation_gives_none(self, client, cast, feide, invite):
        token = invite("uten.navn@example.org")
        start = client.post(reverse("invitation_accept_feide", kwargs={"token": token}))
        client.get(through_feide(feide, start, "siri@uni.example"))
        assert User.objects.get(email="uten.navn@example.org").full_name == "Siri Student"

    def test_a_used_invitation_does_not_send_anyone_to_feide(self, client, cast, feide, invite):
        token = invite("brukt@example.org")
        client.post(reverse("invitation_accept", kwargs={"token": token}), invitation_form())
        response = client_for(None).post(reverse("invitation_accept_feide", kwargs={"token": token}))
        assert response.status_code == 410


def invitation_form() -> dict:
    return {"full_name": "Bruker Brukt", "password1": "a-long-new-password", "password2": "a-long-new-password"}


class TestNoAccess:
    def test_an_unknown_identity_gets_the_no_access_page_and_nothing_is_created(self, client, cast, feide, caplog):
        users, identities = User.objects.count(), SocialAccount.objects.count()
        with caplog.at_level(logging.INFO, logger="innopraksis.security"):
            response = feide_sign_in(client, feide, "ukjent@uni.example")
        assert response.status_code == 403
        html = response.content.decode()
        assert "Du har ikke tilgang til InnoPraksis ennå" in html and "ukjent@uni.example" in html
        assert "invitasjon på e-post fra programmets koordinator" in html  # whom to ask
        assert (User.objects.count(), SocialAccount.objects.count()) == (users, identities)
        assert client.get(reverse("home")).status_code == 302  # not signed in
        assert "event=feide_refused" in caplog.text and "reason=not_linked" in caplog.text

    def test_an_identity_is_never_linked_by_its_e_mail_address(self, client, cast, feide):
        holder = make_user(feide.identities["ukjent@uni.example"].email, "Samme Adresse")
        response = feide_sign_in(client, feide, "ukjent@uni.example")
        assert response.status_code == 403
        assert not SocialAccount.objects.filter(user=holder).exists()

    def test_a_realm_outside_the_allow_list_is_refused_with_a_message(self, client, feide, settings, invite):
        settings.FEIDE_REALMS = ["uni.example"]
        token = invite("annensted@example.org")
        start = client.post(reverse("invitation_accept_feide", kwargs={"token": token}))
        response = refusal_followed(client, client.get(through_feide(feide, start, "ola@annen.example")))
        assert response.status_code == 403
        assert "Denne Feide-kontoen kan ikke brukes her" in response.content.decode()
        assert not User.objects.filter(email="annensted@example.org").exists()
        # From the realm on the list, the same invitation works.
        start = client.post(reverse("invitation_accept_feide", kwargs={"token": token}))
        client.get(through_feide(feide, start, "siri@uni.example"))
        assert SocialAccount.objects.filter(user__email="annensted@example.org").exists()

    def test_the_allow_list_holds_for_a_linked_identity_and_for_linking_from_the_profile(self, cast, feide, settings):
        client = client_for(cast.student_a)
        client.get(through_feide(feide, client.post(reverse("feide_link")), "ola@annen.example"))
        assert SocialAccount.objects.filter(user=cast.student_a).exists()  # no list yet: any realm
        settings.FEIDE_REALMS = ["uni.example"]
        response = feide_sign_in(client_for(None), feide, "ola@annen.example")
        assert response.status_code == 403
        other = client_for(cast.student_b)
        response = other.get(through_feide(feide, other.post(reverse("feide_link")), "ola@annen.example"))
        assert response.url == reverse("feide_realm_refused")
        assert not SocialAccount.objects.filter(user=cast.student_b).exists()

    def test_an_identity_linked_to_someone_else_does_not_take_another_persons_invitation(
        self, client, cast, feide, invite
    ):
        linked = client_for(cast.student_a)
        linked.get(through_feide(feide, linked.post(reverse("feide_link")), "siri@uni.example"))
        token = invite("ny.person@example.org")
        start = client.post(reverse("invitation_accept_feide", kwargs={"token": token}))
        response = refusal_followed(client, client.get(through_feide(feide, start, "siri@uni.example")))
        assert response.status_code == 403
        assert "Denne Feide-kontoen hører til en annen her" in response.content.decode()
        assert client.get(reverse("home_student")).status_code == 302  # nobody signed in
        assert not User.objects.filter(email="ny.person@example.org").exists()

    def test_the_refusal_page_can_be_reloaded_and_offers_another_feide_account(self, client, cast, feide):
        feide_sign_in(client, feide, "ukjent@uni.example")
        again = client.get(reverse("feide_no_access"))
        html = again.content.decode()
        assert again.status_code == 403 and "ukjent@uni.example" in html
        assert "Logg inn med en annen Feide-konto" in html and "prompt%3Dlogin" in html


class TestProfile:
    def test_a_signed_in_person_links_feide_from_the_profile_and_unlinks_it(self, cast, feide, caplog):
        client = client_for(cast.student_a)
        assert "Koble til Feide" in client.get(reverse("profile")).content.decode()
        with caplog.at_level(logging.INFO, logger="innopraksis.security"):
            start = client.post(reverse("feide_link"))
            back = client.get(through_feide(feide, start, "siri@uni.example"))
        assert back.status_code == 302 and back.url == reverse("profile")
        assert SocialAccount.objects.get(user=cast.student_a).uid == feide.identities["siri@uni.example"].sub
        assert "event=feide_linked" in caplog.text

        exported = client.get(reverse("personal_data_export")).json()
        (sign_in_data,) = [section["data"] for section in exported["sections"] if section["name"] == "sign_in"]
        assert [link["identifier"] for link in sign_in_data["feide"]] == [feide.identities["siri@uni.example"].sub]
        # Feide now signs her in.
        other = client_for(None)
        assert feide_sign_in(other, feide, "siri@uni.example").url == reverse("home")
        assert other.get(reverse("home_student")).status_code == 200

        assert "Koble fra Feide?" in client.get(reverse("feide_unlink")).content.decode()
        with caplog.at_level(logging.INFO, logger="innopraksis.security"):
            response = client.post(reverse("feide_unlink"), follow=True)
        assert "Feide logger deg ikke lenger inn" in response.content.decode()
        assert not SocialAccount.objects.filter(user=cast.student_a).exists()
        assert "event=feide_unlinked" in caplog.text

    def test_unlinking_is_refused_to_someone_with_no_password(self, client, cast, feide, invite):
        token = invite("bare.feide@example.org")
        start = client.post(reverse("invitation_accept_feide", kwargs={"token": token}))
        client.get(through_feide(feide, start, "siri@uni.example"))
        response = client.post(reverse("feide_unlink"), follow=True)
        assert "Du har ikke noe passord ennå" in response.content.decode()
        assert SocialAccount.objects.filter(user__email="bare.feide@example.org").exists()

    def test_an_identity_linked_to_someone_else_is_not_moved(self, cast, feide):
        client_a = client_for(cast.student_a)
        client_a.get(through_feide(feide, client_a.post(reverse("feide_link")), "siri@uni.example"))
        client_b = client_for(cast.student_b)
        client_b.get(through_feide(feide, client_b.post(reverse("feide_link")), "siri@uni.example"))
        assert SocialAccount.objects.get().user == cast.student_a


class TestSecondFactor:
    def test_feide_is_the_first_factor_only_for_a_coordinator(self, cast, feide):
        client = client_for(cast.coordinator)
        client.get(through_feide(feide, client.post(reverse("feide_link")), "kari@uni.example"))
        client.post(reverse("logout"))
        response = feide_sign_in(client, feide, "kari@uni.example")
        assert response.url == reverse("mfa_authenticate")
        assert client.get(reverse("home_coordinator")).status_code == 302  # not signed in yet
        response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
        assert response.url == reverse("home")
        assert client.get(reverse("home_coordinator")).status_code == 200


def test_password_sign_in_still_works_with_feide_set_up(client, cast, feide):
    html = client.get(reverse("login")).content.decode()
    assert html.index("Logg inn med Feide") < html.index("E-postadresse")
    response = client.post(reverse("login"), {"username": cast.student_a.email, "password": PASSWORD})
    assert response.url == reverse("home")
