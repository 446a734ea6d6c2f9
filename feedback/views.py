"""Check-ins, follow-ups and evaluations of a placement, for the student, its supervisors and coordinators."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from feedback import charts, checkins, conversation, dashboard, flags, reminders, todos
from feedback.dashboard import DashboardFilterForm
from feedback.forms import EvaluationForm, FollowUpForm, MessageForm, StudentCheckInForm, SupervisorCheckInForm
from feedback.models import CheckIn, EvaluationKind, Message
from innopraksis import access, security
from innopraksis.access import role_required
from innopraksis.lists import paginate
from innopraksis.models import Role
from orgs.models import Organisation
from students.models import Cohort, Side


def checkin_list(request, pk: int):
    placement, view = access.get_flagged_placement_for(request.user, pk, today=timezone.localdate())
    side = access.agreement_side_of(request.user, placement)
    is_coordinator = access.has_role(request.user, Role.COORDINATOR)
    today = view.today
    context = {
        "placement": placement,
        "side": side,
        "is_coordinator": is_coordinator,
        "flags": flags.flags_of(placement, view),
        "rows": [
            {
                "checkin": checkin,
                "shown": checkin.sides_shown_to(side, coordinator=is_coordinator),
                "overdue": checkin.is_overdue,
                "due": checkin.due_on <= today,
            }
            for checkin in CheckIn.objects.filter(placement=placement).with_state(today)
        ],
        "evaluations": sorted(placement.evaluations.all(), key=lambda e: (e.due_on, e.side)),
        "followups": access.followups_visible_to(request.user, placement),
        "can_log": side == Side.ORGANISATION,
    }
    return render(request, "feedback/checkin_list.html", context)


def checkin_detail(request, pk: int, checkin_pk: int):
    if request.method != "POST":
        return _checkin_page(request, pk, checkin_pk)
    # An answer is checked and saved under a lock on the check-in taken as it is read: of two answers
    # sent at once, the second finds the first.
    with transaction.atomic():
        return _checkin_page(request, pk, checkin_pk, lock=True)


def _checkin_page(request, pk: int, checkin_pk: int, *, lock: bool = False):
    today = timezone.localdate()
    checkin = access.get_checkin_for(request.user, pk, checkin_pk, today=today, lock=lock)
    placement = checkin.placement
    side = access.agreement_side_of(request.user, placement)
    is_coordinator = access.has_role(request.user, Role.COORDINATOR)
    form_class = {Side.STUDENT: StudentCheckInForm, Side.ORGANISATION: SupervisorCheckInForm}.get(side)
    can_answer = (
        form_class is not None and not checkin.done_by_side(side) and checkin.is_opened and not placement.is_cancelled
    )
    form = form_class(request.POST or None) if can_answer else None
    if request.method == "POST":
        if form is None:
            # 403: the placement is theirs to see, but this side is not theirs to answer, or is answered.
            raise PermissionDenied
        if form.is_valid():
            try:
                if side == Side.STUDENT:
                    checkins.checkin_answer_student(
                        checkin=checkin,
                        user=request.user,
                        answers=form.cleaned_data,
                        note=form.cleaned_data["note"],
                        locked=True,
                    )
                else:
                    checkins.checkin_answer_supervisor(
                        checkin=checkin, user=request.user, answers=form.cleaned_data, locked=True
                    )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Thank you, your answers are saved."))
            return redirect("checkin_detail", pk=pk, checkin_pk=checkin.pk)
    notes = []
    if access.can_read_conversation(request.user, placement):
        notes = list(Message.objects.filter(checkin=checkin, from_student=True))
    show_student, show_supervisor = checkin.sides_shown_to(side, coordinator=is_coordinator)
    context = {
        "placement": placement,
        "checkin": checkin,
        "side": side,
        "form": form,
        "show_student": show_student,
        "show_supervisor": show_supervisor,
        "notes": notes,
        "opens_on": None if checkin.is_opened else checkin.opens_on,
        "missed": side is not None and checkin.missed_by_side(side),
        "today": today,
        # Once this side is done here, the next thing it has to do on the placement, if any.
        "next_todo": _next_todo(placement, side, today) if side and checkin.done_by_side(side) else None,
    }
    return render(request, "feedback/checkin_detail.html", context)


def _next_todo(placement, side: str, today) -> todos.Todo | None:
    todos.load([placement], today)
    return next(iter(todos.todos_for(placement, side, today)), None)


@require_POST
def reminder_send(request, pk: int):
    """A coordinator reminds a party of what it is late with, from the home page."""
    placement = access.get_placement_to_change(request.user, pk)
    side = request.POST.get("side", "")
    if side not in Side.values:
        raise Http404
    try:
        reminders.reminder_send_now(placement=placement, side=side, user=request.user, today=timezone.localdate())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The reminder has been sent to %(party)s.")
            % {
                "party": placement.student.user.get_full_name() if side == Side.STUDENT else placement.organisation.name
            },
        )
    return redirect("home_coordinator")


def conversation_page(request, pk: int):
    """The private conversation between the placement's student and the coordinators: read, and answer."""
    placement = access.get_conversation_for(request.user, pk)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        conversation.message_write(
            placement=placement, user=request.user, text=form.cleaned_data["text"], key=form.cleaned_data.get("once")
        )
        messages.success(request, _("Your message is sent."))
        return redirect("conversation", pk=pk)
    context = {
        "placement": placement,
        "messages_written": list(placement.messages.select_related("author", "checkin")),
        "form": form,
        "is_student": placement.student.user_id == request.user.pk,
    }
    if request.method == "GET":
        conversation.conversation_read(placement=placement, user=request.user)
    return render(request, "feedback/conversation.html", context)


def followup_create(request, pk: int):
    placement = access.get_placement_for_organisation_member(request.user, pk)
    form = FollowUpForm(request.POST or None, initial={"happened_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        checkins.followup_log(
            placement=placement,
            user=request.user,
            kind=data["kind"],
            happened_on=data["happened_on"],
            note=data["note"],
            shared_with_student=data["shared_with_student"],
            key=data.get("once"),
        )
        messages.success(request, _("The follow-up is logged."))
        return redirect("checkin_list", pk=pk)
    return render(request, "feedback/followup_form.html", {"placement": placement, "form": form})


def evaluation_detail(request, pk: int, kind: str):
    if kind not in EvaluationKind.values:
        raise Http404
    placement, by_side = access.get_evaluation_for(request.user, pk, kind)
    side = access.agreement_side_of(request.user, placement)
    is_coordinator = access.has_role(request.user, Role.COORDINATOR)
    mine = by_side.get(side) if side else None
    can_answer = mine is not None and mine.answered_at is None and not placement.is_cancelled
    form = EvaluationForm(request.POST or None, side=side) if can_answer else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                checkins.evaluation_answer(evaluation=mine, user=request.user, answers=form.cleaned_data)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Thank you, your evaluation is saved."))
            return redirect("evaluation_detail", pk=pk, kind=kind)
    today = timezone.localdate()
    both = all(evaluation.answered_at for evaluation in by_side.values())
    revealed = is_coordinator or both or any(evaluation.due_on < today for evaluation in by_side.values())
    context = {
        "placement": placement,
        "kind": EvaluationKind(kind),
        "side": side,
        "form": form,
        "answers": [
            evaluation
            for evaluation_side, evaluation in sorted(by_side.items())
            if evaluation.answered_at and (revealed or evaluation_side == side)
        ],
    }
    return render(request, "feedback/evaluation_detail.html", context)


# The coordinator's dashboard


@dataclass
class _Scope:
    """What a dashboard covers: one cohort's placements (chosen, or the latest started) or one organisation's."""

    placements: QuerySet
    cohort: Cohort | None = None
    organisation: Organisation | None = None
    cohorts: list = field(default_factory=list)  # to choose from, on the cohort dashboard


def _number(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() else None


def _scope(request) -> _Scope:
    user = request.user
    organisation_pk = request.resolver_match.kwargs.get("pk") or _number(request.GET.get("organisation_view", ""))
    if request.resolver_match.url_name == "organisation_dashboard" or organisation_pk is not None:
        organisation = access.get_organisation_for(user, organisation_pk)
        return _Scope(access.placements_visible_to(user).filter(organisation=organisation), organisation=organisation)
    cohorts = list(access.cohorts_visible_to(user).order_by("-starts_on", "-pk"))
    chosen = _number(request.GET.get("cohort", ""))
    today = timezone.localdate()
    cohort = (
        next((cohort for cohort in cohorts if cohort.pk == chosen), None)
        or next((cohort for cohort in cohorts if cohort.starts_on <= today), None)
        or (cohorts[0] if cohorts else None)
    )
    if cohort is None:
        return _Scope(access.placements_visible_to(user).none())
    return _Scope(access.placements_visible_to(user).filter(cohort=cohort), cohort=cohort, cohorts=cohorts)


def _export_form(request, view: flags.Viewpoint) -> DashboardFilterForm:
    """The export's filters: the dashboard's, with only the choices asked for, checked against the user's
    scope, so the export needs no summary."""
    organisation = _number(request.GET.get("organisation", ""))
    organisations = (
        list(access.organisations_visible_to(request.user).filter(pk=organisation).values_list("pk", "name"))
        if organisation is not None
        else []
    )
    course = request.GET.get("internship_course", "")
    return DashboardFilterForm(request.GET, organisations=organisations, courses=[course] if course else [], view=view)


def _dashboard_context(request, scope: _Scope) -> dict:
    view = flags.Viewpoint(timezone.localdate(), reader=request.user.pk)
    summary = dashboard.summary(scope.placements, today=view.today, cohort=scope.cohort)
    filter_form = DashboardFilterForm(
        request.GET, organisations=summary.organisations, courses=summary.courses, view=view
    )
    count = filter_form.filter(scope.placements).count()
    order = dashboard.ordered(scope.placements, filter_form).values_list("pk", flat=True)
    page = paginate(request, order, count=count)
    return {
        "cohort": scope.cohort,
        "organisation": scope.organisation,
        "filter_form": filter_form,
        "page": page,
        "rows": dashboard.rows(scope.placements, list(page.object_list), view),
        "sort": filter_form.sort_key,
        "summary": summary,
        "figures": summary.figures,
        "weeks": summary.weeks,
        "weekly_chart": charts.weekly_chart(summary.weeks),
        "completion": summary.figures.completion,
        "completion_chart": charts.completion_chart(summary.figures.completion),
        "columns": DASHBOARD_COLUMNS,
    }


# (sort key, heading) of the table's sortable columns.
DASHBOARD_COLUMNS = [
    ("student", _lazy("Student")),
    ("organisation", _lazy("Organisation")),
    ("agreement", _lazy("Agreement")),
    ("onboarding", _lazy("Onboarding")),
    ("checkin", _lazy("Last check-in")),
    ("workload", _lazy("Workload")),
    ("resource", _lazy("Resource")),
    ("followup", _lazy("Last follow-up")),
    ("flags", _lazy("Needs attention")),
]


@role_required(Role.COORDINATOR)
def dashboard_view(request):
    scope = _scope(request)
    if scope.cohort is None:
        return render(request, "feedback/dashboard.html", {"cohorts": [], "cohort": None})
    context = _dashboard_context(request, scope)
    context["cohorts"] = scope.cohorts
    return render(request, "feedback/dashboard.html", context)


@role_required(Role.COORDINATOR)
def organisation_dashboard(request, pk: int):
    return render(request, "feedback/dashboard.html", _dashboard_context(request, _scope(request)))


@role_required(Role.COORDINATOR)
def dashboard_export(request):
    """Exactly the filtered view as CSV for Excel: UTF-8 with BOM, semicolons, every page, streamed.

    The students' notes to the coordinator are included only when asked for
    (``notes=1``); like the dashboard, this view is for coordinators only.
    """
    today = timezone.localdate()
    scope = _scope(request)
    # The same rows in the same order as the dashboard's pages.
    view = flags.Viewpoint(today, reader=request.user.pk)
    ordered = dashboard.ordered(scope.placements, _export_form(request, view))
    with_notes = request.GET.get("notes") == "1"
    security.log_event("dashboard_export", request, notes=with_notes, query=request.GET.urlencode() or "-")
    response = StreamingHttpResponse(
        dashboard.csv_lines(ordered, view, with_notes=with_notes),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="innopraksis-{today:%Y-%m-%d}.csv"'
    return response
