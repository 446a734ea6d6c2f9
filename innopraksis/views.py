"""Signing in and the person's own settings: roles, language, profile, invitations."""

from __future__ import annotations

from allauth.account.internal.flows.login import record_authentication
from allauth.account.utils import perform_login
from allauth.socialaccount.providers.base import AuthProcess
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from innopraksis import access, accounts, invitations, outbox, second_factor, security, signin
from innopraksis.access import public, role_required
from innopraksis.forms import (
    EmailAuthenticationForm,
    InvitationAcceptForm,
    InvitationFilterForm,
    InvitationForm,
    ProfileForm,
)
from innopraksis.lists import paginate
from innopraksis.models import InvitationStatus, Role
from students import people


def _safe_next(request, fallback: str) -> str:
    """Where to go next: a path on this site, or ``fallback`` for anything else (another site, a bare word
    that ``redirect`` would take for a view's name, an address without a leading slash)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_POST
def switch_role(request):
    role = access.set_active_role(request, request.POST.get("role", ""))
    security.log_event("role_switched", request, role=role.value)
    messages.info(request, _("You are now working as %(role)s.") % {"role": role.label.lower()})
    return redirect("home")


class SignInView(auth_views.LoginView):
    """Sign in by e-mail address and password, or with Feide when it is set up. A person with a second factor
    gives it next (django-allauth's login flow); a language chosen on the sign-in page becomes theirs."""

    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        # The password was just given: for the next few minutes (ACCOUNT_REAUTHENTICATION_TIMEOUT) setting up a
        # second factor does not ask for it again.
        record_authentication(self.request, user, "password", email=user.email, reauthenticated=True)
        return perform_login(self.request, user, redirect_url=self.get_success_url())

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "feide": signin.feide_enabled()}

    def render_to_response(self, context, **response_kwargs):
        return signin.let_forms_go_to_feide(super().render_to_response(context, **response_kwargs))


@public
@require_POST
def set_language(request):
    language = request.POST.get("language", "")
    response = redirect(_safe_next(request, "/"))
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        accounts.user_set_language(user=request.user, language=language)
    else:
        # Chosen before signing in: signing in keeps it (signin.remember_language), over the language saved earlier.
        request.session[signin.LANGUAGE_CHOSEN_KEY] = language
    signin.set_language_cookie(response, language)
    return response


def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        translation.activate(user.language)  # confirm in the language just chosen
        messages.success(request, _("Your profile has been saved."))
        return redirect("profile")
    context = {
        "form": form,
        "roles": access.roles_of(request.user),
        "feide": signin.feide_enabled(),
        "feide_identity": signin.feide_identity_of(request.user),
        "second_factors": list(second_factor.second_factors(request.user)),
        "second_factor_required": second_factor.requires_second_factor(request.user),
    }
    return signin.let_forms_go_to_feide(render(request, "innopraksis/profile.html", context))


@public
def feide_refused(request, reason: str):
    """Why Feide's sign-in was not accepted here, and what to do; another Feide account can be tried."""
    context = {"feide_name": request.session.get(signin.REFUSED_NAME_KEY, ""), "feide": signin.feide_enabled()}
    response = render(request, f"innopraksis/{signin.REFUSAL_PAGES[reason]}.html", context, status=403)
    return signin.let_forms_go_to_feide(response)


@require_POST
def feide_link(request):
    """From the profile: sign in at Feide, and the identity is linked to the signed-in person."""
    return signin.to_feide(request, AuthProcess.CONNECT, next_url=reverse("profile"))


def feide_unlink(request):
    """Unlink Feide, after a confirmation page."""
    if request.method != "POST":
        return render(
            request, "innopraksis/feide_unlink_confirm.html", {"identity": signin.feide_identity_of(request.user)}
        )
    try:
        signin.feide_unlink(user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        security.log_event("feide_unlinked", request)
        messages.success(request, _("Feide no longer signs you in. Use your e-mail address and password."))
    return redirect("profile")


def ping(request):
    """The benchmark's floor: a page that needs a signed-in user and does nothing else."""
    return HttpResponse("ok", content_type="text/plain")


@public
def privacy(request):
    context = {
        "retention_months": settings.RETENTION_MONTHS,
        "import_keep_hours": settings.IMPORT_KEEP_HOURS,
        "mail_keep_days": settings.MAIL_KEEP_DAYS,
    }
    return render(request, "innopraksis/privacy.html", context)


@role_required(Role.COORDINATOR)
def invitation_list(request):
    filter_form = InvitationFilterForm(request.GET)
    listed = filter_form.filter(access.invitations_visible_to(request.user))
    context = {"page": paginate(request, listed), "filter_form": filter_form}
    return render(request, "innopraksis/invitation_list.html", context)


@role_required(Role.COORDINATOR)
def mail_undelivered(request):
    """The e-mail the mail server would not take, with its reason, to fix and send again."""
    page = paginate(request, access.undelivered_mail_visible_to(request.user))
    return render(request, "innopraksis/mail_undelivered.html", {"page": page})


@role_required(Role.COORDINATOR)
@require_POST
def mail_send_again(request, pk: int):
    mail = access.get_undelivered_mail_for(request.user, pk)
    if outbox.mail_send_again(mail=mail):
        security.log_event("mail_sent_again", request, mail=mail.pk)
        messages.success(request, _("The e-mail to %(email)s is being sent again.") % {"email": mail.to})
    else:
        messages.error(request, _("This e-mail is not sent again as it was: send what it was about anew."))
    return redirect("mail_undelivered")


@role_required(Role.COORDINATOR)
def invitation_create(request):
    form = InvitationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        invitation = invitations.invitation_create(**form.cleaned_data, invited_by=request.user)
        security.log_event("invitation_sent", request, invitation=invitation.pk, role=invitation.role)
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
        return redirect("invitation_list")
    return render(request, "innopraksis/invitation_form.html", {"form": form})


@role_required(Role.COORDINATOR)
@require_POST
def invitation_resend(request, pk: int):
    invitation = access.get_invitation_for(request.user, pk)
    try:
        fresh = invitations.invitation_resend(invitation=invitation, invited_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        security.log_event("invitation_resent", request, invitation=fresh.pk)
        messages.success(
            request, _("A new link was sent to %(email)s; earlier links no longer work.") % {"email": fresh.email}
        )
    return redirect("invitation_list")


def _invitation_unusable(request, status):
    """The page for a link that cannot be used (``status`` None: not recognised), with its status code."""
    return render(
        request, "innopraksis/invitation_unusable.html", {"status": status}, status=404 if status is None else 410
    )


def _usable_invitation(request, token: str):
    """The invitation of a link if it can still be used, or the page that says why not."""
    invitation = invitations.invitation_for_token(token)
    if invitation is None:
        return None, _invitation_unusable(request, None)
    if invitation.status != InvitationStatus.PENDING:
        return None, _invitation_unusable(request, invitation.status)
    return invitation, None


@public
def invitation_accept(request, token: str):
    invitation, unusable = _usable_invitation(request, token)
    if unusable:
        return unusable
    form = InvitationAcceptForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            user = people.invitation_accept(
                token=token, full_name=form.cleaned_data["full_name"], password=form.cleaned_data["password1"]
            )
        except ValidationError:
            return _invitation_unusable(request, InvitationStatus.USED)
        security.log_event("invitation_accepted", request, user=user, invitation=invitation.pk)
        response = perform_login(request, user, redirect_url=reverse("home"))
        request.session[access.ACTIVE_ROLE_SESSION_KEY] = invitation.role
        messages.success(request, _("Welcome to InnoPraksis! Your password is set."))
        return response
    context = {"form": form, "invitation": invitation, "feide": signin.feide_enabled()}
    return signin.let_forms_go_to_feide(render(request, "innopraksis/invitation_accept.html", context))


@public
@require_POST
def invitation_accept_feide(request, token: str):
    """Accept an invitation by signing in with Feide: the invitation travels with this one trip to Feide and
    names whom the Feide identity is linked to (innopraksis.signin.FeideAdapter)."""
    invitation, unusable = _usable_invitation(request, token)
    if unusable:
        return unusable
    return signin.to_feide(request, AuthProcess.LOGIN, next_url=reverse("home"), invitation=invitation.token_hash)
