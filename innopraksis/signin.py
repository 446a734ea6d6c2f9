"""Signing in by password or with Feide, through django-allauth's login flow, so that a person who has a second
factor is asked for it whichever way they came; and linking a Feide identity to a person.

A Feide identity is never matched to a person by e-mail address (Feide does not vouch for addresses). It is
linked by opening an invitation and choosing Feide there (the invitation names the person), or by a signed-in
person from their profile; after that, Feide's subject identifier signs that person in. Anyone else is told they
have no access yet, and nothing is created.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialLogin
from allauth.socialaccount.providers.base import AuthProcess
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from innopraksis import accounts, outbox, security, throttle
from innopraksis.access import ACTIVE_ROLE_SESSION_KEY
from innopraksis.models import InvitationStatus, User
from students import people

FEIDE = "feide"  # the provider id of Feide's OpenID Connect app (settings.SOCIALACCOUNT_PROVIDERS)
# The Feide name (user@realm), given with the scope userid-feide.
PRINCIPAL_NAME_CLAIM = "https://n.feide.no/claims/eduPersonPrincipalName"
# A language chosen on the sign-in page, before signing in; signing in makes it the person's language.
LANGUAGE_CHOSEN_KEY = "language_chosen"


def feide_enabled() -> bool:
    return bool(settings.FEIDE_CLIENT_ID)


def let_forms_go_to_feide(response: HttpResponse) -> HttpResponse:
    """A page with a Feide button: its form leads to Feide's sign-in page, which the Content-Security-Policy
    (form-action 'self') must then allow."""
    if feide_enabled():
        issuer = urlsplit(settings.FEIDE_ISSUER)
        response._csp_update = {"form-action": [f"{issuer.scheme}://{issuer.netloc}"]}
    return response


def feide_identity_of(user: User) -> SocialAccount | None:
    return SocialAccount.objects.filter(user=user, provider=FEIDE).first()


def _claims(sociallogin: SocialLogin) -> dict:
    data = sociallogin.account.extra_data or {}
    return {**data.get("id_token", {}), **data.get("userinfo", {})}


def feide_name(sociallogin: SocialLogin) -> str:
    """The Feide name, ``user@realm``; empty when Feide did not give it."""
    return str(_claims(sociallogin).get(PRINCIPAL_NAME_CLAIM, "")).strip().lower()


def realm_allowed(principal_name: str) -> bool:
    """Whether an identity from this realm may sign in (FEIDE_REALMS; empty: any realm)."""
    if not settings.FEIDE_REALMS:
        return True
    _user, _at, realm = principal_name.rpartition("@")
    return bool(_at) and realm in settings.FEIDE_REALMS


def to_feide(request: HttpRequest, process: str, *, next_url: str, **state) -> HttpResponse:
    """Send the browser to Feide to sign in. ``state`` travels with this one trip and comes back with the
    identity (``sociallogin.state``); a trip given up at Feide leaves nothing behind. 404 when Feide is not
    set up."""
    try:
        provider = get_social_adapter().get_provider(request, FEIDE)
    except SocialApp.DoesNotExist:
        raise Http404 from None
    return provider.redirect(request, process, next_url=next_url, **state)


def set_language_cookie(response: HttpResponse, language: str) -> None:
    """The browser remembers the language, so that the page after signing out is in the same language."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )


def remember_language(request: HttpRequest, response: HttpResponse, user: User) -> None:
    """A language chosen on the sign-in page becomes the person's, and the browser remembers theirs."""
    chosen = request.session.pop(LANGUAGE_CHOSEN_KEY, None)
    if chosen in dict(settings.LANGUAGES):
        accounts.user_set_language(user=user, language=chosen)
    set_language_cookie(response, user.language)


@transaction.atomic
def feide_unlink(*, user: User) -> None:
    """Remove the person's Feide identity: Feide no longer signs them in. Refused when they have no password,
    as they could then not sign in at all."""
    if not user.has_usable_password():
        raise ValidationError(
            _(
                "You have no password yet, so you could not sign in without Feide. Set one first with "
                "“Forgotten your password?” on the sign-in page."
            ),
            code="no_password",
        )
    SocialAccount.objects.filter(user=user, provider=FEIDE).delete()


class AccountAdapter(DefaultAccountAdapter):
    """Nobody signs up: people come in through an invitation."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def post_login(self, request: HttpRequest, user, **kwargs) -> HttpResponse:
        """Signing in is complete (both factors, if the person has two): only now do this account's failed
        attempts from this address stop counting, so that a right password cannot hide wrong codes."""
        throttle.clear_failures(user.email, throttle.client_ip(request))
        response = super().post_login(request, user, **kwargs)
        remember_language(request, response, user)
        return response

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Any e-mail of the sign-in library is written for the background worker, as every e-mail."""
        message = self.render_mail(template_prefix, email, context)
        outbox.enqueue([outbox.Message(email, message.subject, message.body, template_prefix)])

    def reauthenticate(self, user, password: str) -> bool:
        """Giving the password again (before changing the second factor) is throttled like signing in."""
        request = context.request
        address = throttle.client_ip(request)
        lock = throttle.lock_for(user.email, address)
        if lock is not None:
            security.log_event("sign_in_throttled", request, user=user, scope=lock.scope, again=True)
            raise ValidationError(throttle.throttled_message(lock, throttle.minutes_until(lock.until)))
        if super().reauthenticate(user, password):
            return True
        throttle.record_failure(user.email, address)
        return False


class FeideAdapter(DefaultSocialAccountAdapter):
    """Decides what a Feide identity that has just signed in at Feide may do here."""

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def authenticate_by_email(self, login: SocialLogin):
        return None  # never: Feide does not vouch for e-mail addresses

    def get_connect_redirect_url(self, request: HttpRequest, socialaccount) -> str:
        return reverse("profile")

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        invitation_hash = sociallogin.state.get("invitation")
        principal_name = feide_name(sociallogin)
        if not realm_allowed(principal_name):
            _refuse(request, "realm", principal_name)
        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            return  # linked to the signed-in person (allauth refuses an identity linked to someone else)
        if sociallogin.is_existing:
            if invitation_hash and not people.invitation_is_for(token_hash=invitation_hash, user=sociallogin.user):
                _refuse(request, "taken", principal_name)  # the invitation names someone else
            return  # signs in the person it is linked to
        if invitation_hash:
            try:
                with transaction.atomic():  # the invitation is spent only with the identity linked
                    user, invitation = people.invitation_accept_with_feide(
                        token_hash=invitation_hash, name_from_feide=str(_claims(sociallogin).get("name", ""))
                    )
                    sociallogin.connect(request, user)  # writes the SocialAccount
            except ValidationError:
                raise ImmediateHttpResponse(
                    render(
                        request, "innopraksis/invitation_unusable.html", {"status": InvitationStatus.USED}, status=410
                    )
                ) from None
            security.log_event("invitation_accepted", request, user=user, invitation=invitation.pk, with_feide=True)
            request.session[ACTIVE_ROLE_SESSION_KEY] = invitation.role
            messages.success(request, _("Welcome to InnoPraksis! Feide signs you in from now on."))
            return
        _refuse(request, "not_linked", principal_name)


# Why a Feide identity was refused, and the page that says so, by URL name and template name (a page of its
# own, so that reloading it or changing its language does not send Feide's one-time answer again).
REFUSAL_PAGES = {"not_linked": "feide_no_access", "realm": "feide_realm_refused", "taken": "feide_taken"}
REFUSED_NAME_KEY = "feide_refused_name"


def _refuse(request: HttpRequest, reason: str, principal_name: str) -> None:
    security.log_event("feide_refused", request, reason=reason, feide_name=principal_name or "-")
    request.session[REFUSED_NAME_KEY] = principal_name
    raise ImmediateHttpResponse(redirect(REFUSAL_PAGES[reason]))
