from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from feedback import flags, todos
from innopraksis import access, calendar, personal_data, security, services
from innopraksis.access import public, role_required
from innopraksis.forms import InvitationAcceptForm, InvitationFilterForm, InvitationForm, ProfileForm
from innopraksis.lists import paginate
from innopraksis.models import InvitationStatus, Role, User
from innopraksis.templatetags import portal
from students.models import AgreementState, Side


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def home(request):
    role = access.active_role(request)
    if role is None:
        return render(request, "innopraksis/home_no_role.html")
    return redirect(f"home_{role}")


HOME_LIST_LENGTH = 10


@role_required(Role.COORDINATOR)
def home_coordinator(request):
    user = request.user
    invitations = access.invitations_visible_to(user)
    context = {
        "organisation_count": access.organisations_visible_to(user).count(),
        "student_count": access.students_visible_to(user).count(),
        "pending_invitation_count": invitations.pending(timezone.now()).count(),
        "recent_invitations": invitations[:5],
        "awaiting_approval": access.placements_visible_to(user)
        .filter(agreement__state=AgreementState.SIGNED)
        .order_by("starts_on", "student__user__full_name")[:HOME_LIST_LENGTH],
    }
    return render(request, "innopraksis/home_coordinator.html", context)


def _with_flags(placements, *, side: Side) -> list:
    """The placements, each with ``flags`` (what needs attention, as the viewer may see it), ``todos``
    (what the viewer's side has to do next, earliest first) and onboarding progress, all read from
    the rows prefetched here: no query per placement, no subquery per row."""
    today = timezone.localdate()
    placements = list(placements)
    todos.load(placements, today)
    for placement in placements:
        flags.prepare(placement, today=today, revealed_only=True)
        status = flags.status_of(placement)
        placement.onboarding_done, placement.onboarding_total = status.onboarding_done, status.onboarding_total
        placement.onboarding_overdue = sum(item.is_overdue(today) for item in placement.open_onboarding_items)
        placement.flags = flags.flags_for(placement, today=today, for_student=side == Side.STUDENT)
        placement.todos = todos.todos_for(placement, side, today=today)
        placement.next_todo = placement.todos[0] if placement.todos else None
    return placements


# Bumped when the markup of a kept row changes, so that no app server shows rows kept by an older version.
ROW_VERSION = 1
ROW_SECONDS = 24 * 3600


@role_required(Role.SUPERVISOR)
def home_supervisor(request):
    memberships = list(access.memberships_of(request.user))
    rows = _supervisor_rows(memberships, timezone.localdate())
    context = {
        "memberships": memberships,
        "rows": rows,
        "flagged": [row for row in rows if row["flags"]],
    }
    return render(request, "innopraksis/home_supervisor.html", context)


def _supervisor_rows(memberships: list, today) -> list[dict]:
    """The supervisor's placements as rendered rows: the cells, the student's name, the flags."""

    def row(placement) -> dict:
        return {
            "cells": portal.placement_cells(placement, True, today),
            "name": placement.student.user.get_full_name(),
            "flags": portal.flag_list(placement.flags),
        }

    placements = access.placements_for_supervisor_home(memberships)
    return _kept_per_placement(placements, "supervisor-row", Side.ORGANISATION, today, row)


def _kept_per_placement(placements, kind: str, side: Side, today, render) -> list:
    """``render(placement)`` for each of ``placements`` (prepared by ``_with_flags`` for ``side``), each
    kept under its placement's status token, the day and the language.

    Any change to what is rendered gives the placement a new token (``feedback.status``), and the tokens
    are read from the database on every request, so every app server shows current rows; the placements
    whose rendering is not kept are loaded and rendered together, in a fixed number of queries."""
    heads = list(placements.values_list("pk", "status__token"))
    language = translation.get_language()
    keys = {pk: f"{kind}:{ROW_VERSION}:{pk}:{token}:{today}:{language}" for pk, token in heads if token}
    kept = cache.get_many(list(keys.values()))
    missing = [pk for pk, _token in heads if keys.get(pk) not in kept]
    fresh = {}
    if missing:
        fresh = {
            placement.pk: render(placement) for placement in _with_flags(placements.filter(pk__in=missing), side=side)
        }
        cache.set_many({keys[pk]: rendered for pk, rendered in fresh.items() if pk in keys}, ROW_SECONDS)
    rendered = [kept.get(keys.get(pk)) or fresh.get(pk) for pk, _token in heads]
    return [item for item in rendered if item is not None]


@role_required(Role.STUDENT)
def home_student(request):
    today = timezone.localdate()
    cards = _student_cards(request.user, today)
    context = {
        "student": access.get_student_profile(request.user),
        "cards": cards,
        # Every placement's to-dos together, earliest first.
        "todos": [html for _due, _key, html in sorted(todo for card in cards for todo in card["todos"])],
    }
    return render(request, "innopraksis/home_student.html", context)


def _student_cards(user, today) -> list[dict]:
    """The student's placements as rendered cards, each with its to-dos (due date, key, link)."""

    def card(placement) -> dict:
        organisation = escape(placement.organisation.name)
        return {
            "html": render_to_string("innopraksis/_student_placement.html", {"placement": placement}),
            "todos": [
                (
                    todo.due_on,
                    todo.key,
                    mark_safe(  # noqa: S308 (escaped here and in todo_link)
                        f'{portal.todo_link(todo, today)} <span class="text-body-secondary">({organisation})</span>'
                    ),
                )
                for todo in placement.todos
            ],
        }

    placements = access.placements_for_student_home(user)
    return _kept_per_placement(placements, "student-card", Side.STUDENT, today, card)


@require_POST
def switch_role(request):
    role = access.set_active_role(request, request.POST.get("role", ""))
    security.log_event("role_switched", request, role=role.value)
    messages.info(request, _("You are now working as %(role)s.") % {"role": role.label.lower()})
    return redirect("home")


@public
@require_POST
def set_language(request):
    language = request.POST.get("language", "")
    response = redirect(_safe_next(request, "/"))
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
    return response


def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        translation.activate(user.language)  # confirm in the language just chosen
        messages.success(request, _("Your profile has been saved."))
        return redirect("profile")
    feed_path = reverse("calendar_feed", kwargs={"token": services.calendar_token_for(request.user)})
    context = {
        "form": form,
        "roles": access.roles_of(request.user),
        "calendar_url": request.build_absolute_uri(feed_path),
    }
    return render(request, "innopraksis/profile.html", context)


def _personal_data_response(request, person: User) -> HttpResponse:
    security.log_event("personal_data_export", request, person=person.pk)
    body = json.dumps(personal_data.export_for(person), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="innopraksis-data-{person.pk}.json"'
    return response


def personal_data_export(request):
    """Everything the portal holds about the person asking."""
    return _personal_data_response(request, request.user)


@role_required(Role.COORDINATOR)
def person_data_export(request, pk: int):
    """A coordinator answers a person's request for their data."""
    return _personal_data_response(request, access.get_person_for(request.user, pk))


def ping(request):
    """The benchmark's floor: a page that needs a signed-in user and does nothing else."""
    return HttpResponse("ok", content_type="text/plain")


@public
def privacy(request):
    return render(request, "innopraksis/privacy.html", {"retention_months": settings.RETENTION_MONTHS})


def calendar_renew(request):
    if request.method == "POST":
        services.calendar_token_renew(user=request.user)
        messages.success(request, _("Your calendar has a new address. Add it to your calendar app again."))
        return redirect("profile")
    context = {
        "title": _("Renew the calendar address"),
        "question": _("Make a new address for your calendar feed?"),
        "consequence": _(
            "The old address stops working at once: calendars that use it stop updating until you add the new one."
        ),
        "confirm_label": _("Make a new address"),
        "back_url": reverse("profile"),
    }
    return render(request, "_confirm.html", context)


@public
def calendar_feed(request, token: str):
    user = access.user_for_calendar_token(token)
    if user is None:
        raise Http404
    response = HttpResponse(calendar.feed_for(user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="innopraksis.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response


@role_required(Role.COORDINATOR)
def invitation_list(request):
    filter_form = InvitationFilterForm(request.GET)
    invitations = filter_form.filter(access.invitations_visible_to(request.user))
    context = {"page": paginate(request, invitations), "filter_form": filter_form}
    return render(request, "innopraksis/invitation_list.html", context)


@role_required(Role.COORDINATOR)
def invitation_create(request):
    form = InvitationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        invitation = services.invitation_create(
            **form.cleaned_data, invited_by=request.user, base_url=request.build_absolute_uri("/")
        )
        security.log_event("invitation_sent", request, invitation=invitation.pk, role=invitation.role)
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
        return redirect("invitation_list")
    return render(request, "innopraksis/invitation_form.html", {"form": form})


@role_required(Role.COORDINATOR)
@require_POST
def invitation_resend(request, pk: int):
    invitation = access.get_invitation_for(request.user, pk)
    try:
        fresh = services.invitation_resend(
            invitation=invitation, invited_by=request.user, base_url=request.build_absolute_uri("/")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        security.log_event("invitation_resent", request, invitation=fresh.pk)
        messages.success(
            request, _("A new link was sent to %(email)s; earlier links no longer work.") % {"email": fresh.email}
        )
    return redirect("invitation_list")


@public
def invitation_accept(request, token: str):
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "innopraksis/invitation_unusable.html", {"status": None}, status=404)
    status = invitation.status
    if status != InvitationStatus.PENDING:
        return render(request, "innopraksis/invitation_unusable.html", {"status": status}, status=410)
    form = InvitationAcceptForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token, full_name=form.cleaned_data["full_name"], password=form.cleaned_data["password1"]
            )
        except ValidationError:
            return render(
                request, "innopraksis/invitation_unusable.html", {"status": InvitationStatus.USED}, status=410
            )
        security.log_event("invitation_accepted", request, user=user, invitation=invitation.pk)
        login(request, user, backend="innopraksis.backends.SignInBackend")
        request.session[access.ACTIVE_ROLE_SESSION_KEY] = invitation.role
        messages.success(request, _("Welcome to InnoPraksis! Your password is set and you are signed in."))
        return redirect("home")
    return render(request, "innopraksis/invitation_accept.html", {"form": form, "invitation": invitation})
