"""The role home pages, a person's calendar feed and their personal data: pages that gather every app's data."""

from __future__ import annotations

import json

from django.db.models import Max, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback import flags, reminders, todos
from feedback.models import ReminderNow, unread_messages
from innopraksis import access, accounts, security
from innopraksis.access import public, role_required
from innopraksis.mail import absolute_url
from innopraksis.models import Role, User
from innopraksis.overview import calendar, personal_data
from students.models import AgreementState, Placement, PlacementState, Side

HOME_LIST_LENGTH = 10
# The placements a supervisor works with now; the others (completed or cancelled) are their earlier students.
CURRENT_STATES = (PlacementState.PLANNED, PlacementState.AGREEMENT, PlacementState.ACTIVE)


def home(request):
    role = access.active_role(request)
    if role is None:
        return render(request, "innopraksis/home_no_role.html")
    return redirect(f"home_{role}")


@role_required(Role.COORDINATOR)
def home_coordinator(request):
    user = request.user
    invitations = access.invitations_visible_to(user)
    today = timezone.localdate()
    context = {
        "organisation_count": access.organisations_visible_to(user).count(),
        **_student_counts(user, today),
        "pending_invitation_count": invitations.pending(timezone.now()).count(),
        "undelivered_mail_count": access.undelivered_mail_visible_to(user).count(),
        "recent_invitations": invitations[:5],
        "new_messages": access.placements_visible_to(user)
        .filter(unread_messages(user.pk, from_student=True))
        .annotate(last_message=Max("messages__written_at", filter=Q(messages__from_student=True)))
        .order_by("-last_message")[:HOME_LIST_LENGTH],
        "awaiting_approval": access.placements_visible_to(user)
        .filter(agreement__state=AgreementState.SIGNED)
        .with_agreement_overdue(today)
        .order_by("starts_on", "student__user__full_name")[:HOME_LIST_LENGTH],
        "attention": _needing_attention(user, today),
    }
    return render(request, "innopraksis/home_coordinator.html", context)


def _student_counts(user: User, today) -> dict[str, int]:
    """The current students (in a cohort not yet over, or not placed yet) and the alumni, whose every cohort
    has ended."""
    students = access.students_visible_to(user)
    alumni = students.filter(placements__isnull=False).exclude(placements__cohort__ends_on__gte=today)
    alumni_count = alumni.distinct().count()
    return {"student_count": students.count() - alumni_count, "alumni_count": alumni_count}


def _needing_attention(user: User, today) -> list[Placement]:
    """The flagged placements, the most flags first, each with its ``flags`` and what each party is ``late``
    with, with the reminder a coordinator last sent that party by hand: a fixed number of queries."""
    view = flags.Viewpoint(today)
    placements = list(
        flags.with_flags(access.placements_visible_to(user), view)
        .annotate(flag_total=flags.count(view))
        .filter(flag_total__gt=0)
        .order_by("-flag_total", "agreement_due", "student__user__full_name")[:HOME_LIST_LENGTH]
    )
    todos.load(placements, today)
    sent = {}
    for reminder in ReminderNow.objects.filter(placement__in=placements).select_related("sent_by"):
        sent.setdefault((reminder.placement_id, reminder.side), reminder)  # the latest first
    now = timezone.now()
    for placement in placements:
        placement.flags = flags.flags_of(placement, view)
        placement.late = [
            {
                "side": side,
                "todos": late,
                "reminded": sent.get((placement.pk, side)),
                "may_remind": reminders.may_remind_again(sent.get((placement.pk, side)), now),
            }
            for side, late in reminders.late_todos(placement, today).items()
        ]
    return placements


def _with_flags_and_todos(placements, view: flags.Viewpoint, side: Side) -> list[Placement]:
    """The placements, each with its ``flags`` as the viewer may see them and its ``todos`` (what the viewer's
    side has to do next, earliest first): a fixed number of queries, whatever their number."""
    placements = list(
        flags.with_flags(placements, view)
        .with_organisation_returning()
        .with_agreement_overdue(view.today)
        .with_onboarding_overdue(view.today)
    )
    todos.load(placements, view.today)
    for placement in placements:
        placement.flags = flags.flags_of(placement, view)
        placement.flags_yours = any(flag.yours for flag in placement.flags)
        placement.todos = todos.todos_for(placement, side, view.today)
        placement.next_todo = placement.todos[0] if placement.todos else None
    return placements


@role_required(Role.SUPERVISOR)
def home_supervisor(request):
    memberships = list(access.memberships_of(request.user))
    view = flags.Viewpoint(timezone.localdate(), organisation=True)
    placements = access.placements_for_supervisor_home(memberships).order_by(
        "-cohort__starts_on", "student__user__full_name"
    )
    placements = _with_flags_and_todos(placements, view, Side.ORGANISATION)
    rounds = list(access.round_entries_for_supervisor_home(request.user, view.today))
    for entry in rounds:
        entry.phase = entry.round.phase(view.today)
        entry.may_describe = entry.round.organisations_may_describe(view.today)
        entry.may_rank = entry.round.organisations_may_rank(view.today)
    context = {
        "memberships": memberships,
        "rounds": rounds,
        "current": [placement for placement in placements if placement.state in CURRENT_STATES],
        "earlier": [placement for placement in placements if placement.state not in CURRENT_STATES],
        "today": view.today,
    }
    return render(request, "innopraksis/home_supervisor.html", context)


@role_required(Role.STUDENT)
def home_student(request):
    view = flags.Viewpoint(timezone.localdate(), student=True)
    placements = (
        access.placements_for_student_home(request.user)
        .annotate(unread_answers=unread_messages(request.user.pk, from_student=False))
        .order_by("-cohort__starts_on")
    )
    placements = _with_flags_and_todos(placements, view, Side.STUDENT)
    rounds = list(access.round_entries_for_student_home(request.user, view.today))
    for entry in rounds:
        entry.phase = entry.round.phase(view.today)
        entry.may_rank = entry.round.students_may_rank(view.today)
    context = {
        "student": access.get_student_profile(request.user),
        "rounds": rounds,
        "placements": placements,
        # Every placement's to-dos together, earliest first.
        "todos": sorted(
            (todo for placement in placements for todo in placement.todos), key=lambda todo: (todo.due_on, todo.key)
        ),
        # Flags up, and none of them the student's to act on: what they wait for is someone else's.
        "flagged": any(placement.flags for placement in placements)
        and not any(placement.flags_yours for placement in placements),
        "today": view.today,
    }
    return render(request, "innopraksis/home_student.html", context)


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


def calendar_renew(request):
    """Make the person's calendar address; replacing one that is in use is confirmed first. The address is
    shown on the answer to the POST, once, and stored nowhere but as a hash (not in the session either)."""
    had_one = bool(request.user.calendar_token_hash)
    if request.method == "POST":
        token = accounts.calendar_token_renew(user=request.user)
        context = {
            "calendar_url": absolute_url(reverse("calendar_feed", kwargs={"token": token})),
            "renewed": had_one,
        }
        response = render(request, "innopraksis/calendar_address.html", context)
        response["Cache-Control"] = "no-store"
        return response
    if not had_one:
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
