"""Check-ins, follow-ups and evaluations of a placement, for the student, its supervisors and coordinators."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from feedback import charts, dashboard, flags, services
from feedback.dashboard import DashboardFilterForm
from feedback.forms import EvaluationForm, FollowUpForm, StudentCheckInForm, SupervisorCheckInForm
from feedback.models import CoordinatorNote, EvaluationKind
from innopraksis import access, security
from innopraksis.access import role_required
from innopraksis.lists import paginate
from innopraksis.models import Role
from students.models import Placement, Side

# A check-in can be answered from a week before its due date.
OPEN_BEFORE_DUE = datetime.timedelta(days=7)


def _flagged_placement(request, pk: int) -> Placement:
    placement = access.get_placement_for(request.user, pk)
    today = timezone.localdate()
    is_coordinator = access.has_role(request.user, Role.COORDINATOR)
    return flags.annotate(
        Placement.objects.filter(pk=placement.pk).select_related(
            "cohort", "organisation", "student__user", "agreement"
        ),
        today=today,
        revealed_only=not is_coordinator,
    ).get()


def checkin_list(request, pk: int):
    placement = _flagged_placement(request, pk)
    side = access.agreement_side_of(request.user, placement)
    is_coordinator = access.has_role(request.user, Role.COORDINATOR)
    today = timezone.localdate()
    checkins = list(placement.checkins.all())
    context = {
        "placement": placement,
        "side": side,
        "is_coordinator": is_coordinator,
        "flags": flags.flags_for(placement, today=today, for_student=side == Side.STUDENT and not is_coordinator),
        "rows": [
            {
                "checkin": checkin,
                "revealed": is_coordinator or checkin.is_revealed(today),
                "mine_answered": checkin.answered_by_side(side) if side else None,
                "overdue": checkin.is_overdue(today),
                "due": checkin.due_on <= today,
            }
            for checkin in checkins
        ],
        "evaluations": sorted(placement.evaluations.all(), key=lambda e: (e.due_on, e.side)),
        "followups": access.followups_visible_to(request.user, placement),
        "can_log": side == Side.ORGANISATION,
    }
    return render(request, "feedback/checkin_list.html", context)


def checkin_detail(request, pk: int, checkin_pk: int):
    checkin = access.get_checkin_for(request.user, pk, checkin_pk)
    placement = checkin.placement
    side = access.agreement_side_of(request.user, placement)
    is_coordinator = access.has_role(request.user, Role.COORDINATOR)
    form_class = {Side.STUDENT: StudentCheckInForm, Side.ORGANISATION: SupervisorCheckInForm}.get(side)
    opens_on = checkin.due_on - OPEN_BEFORE_DUE
    can_answer = form_class is not None and not checkin.answered_by_side(side) and timezone.localdate() >= opens_on
    form = form_class(request.POST or None) if can_answer else None
    if request.method == "POST":
        if form is None:
            # 403: the placement is theirs to see, but this side is not theirs to answer, or is answered.
            raise PermissionDenied
        if form.is_valid():
            try:
                if side == Side.STUDENT:
                    services.checkin_answer_student(
                        checkin=checkin, user=request.user, answers=form.cleaned_data, note=form.cleaned_data["note"]
                    )
                else:
                    services.checkin_answer_supervisor(checkin=checkin, user=request.user, answers=form.cleaned_data)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Thank you, your answers are saved."))
            return redirect("checkin_detail", pk=pk, checkin_pk=checkin.pk)
    today = timezone.localdate()
    note = None
    if access.can_read_coordinator_note(request.user, placement):
        note = CoordinatorNote.objects.filter(checkin=checkin).first()
    context = {
        "placement": placement,
        "checkin": checkin,
        "side": side,
        "form": form,
        "revealed": is_coordinator or checkin.is_revealed(today),
        "show_student": is_coordinator or side == Side.STUDENT or checkin.is_revealed(today),
        "show_supervisor": is_coordinator or side == Side.ORGANISATION or checkin.is_revealed(today),
        "coordinator_note": note,
        "opens_on": opens_on if today < opens_on else None,
    }
    return render(request, "feedback/checkin_detail.html", context)


def followup_create(request, pk: int):
    placement = access.get_placement_for_organisation_member(request.user, pk)
    form = FollowUpForm(request.POST or None, initial={"happened_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        services.followup_log(placement=placement, user=request.user, form=form)
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
    can_answer = mine is not None and mine.answered_at is None
    form = EvaluationForm(request.POST or None, side=side) if can_answer else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.evaluation_answer(evaluation=mine, user=request.user, answers=form.cleaned_data)
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


def _scope(request):
    """The placements a dashboard shows: one cohort's (chosen, or the latest started), or one organisation's."""
    if (
        request.resolver_match.url_name == "organisation_dashboard"
        or request.GET.get("organisation_view", "").isdigit()
    ):
        pk = request.resolver_match.kwargs.get("pk") or int(request.GET["organisation_view"])
        organisation = access.get_organisation_for(request.user, pk)
        return access.placements_visible_to(request.user).filter(organisation=organisation), None, organisation
    cohorts = access.cohorts_visible_to(request.user).order_by("-starts_on")
    cohort = None
    if request.GET.get("cohort", "").isdigit():
        cohort = cohorts.filter(pk=request.GET["cohort"]).first()
    cohort = cohort or cohorts.filter(starts_on__lte=timezone.localdate()).first() or cohorts.first()
    placements = access.placements_visible_to(request.user).filter(cohort=cohort)
    return placements, cohort, None


def _filtered_table(request, placements, today):
    courses = sorted(
        {code for code in placements.order_by().values_list("student__internship_course", flat=True) if code}
    )
    filter_form = DashboardFilterForm(
        request.GET,
        organisations=access.organisations_visible_to(request.user).filter(placements__in=placements).distinct(),
        courses=courses,
    )
    deadlines = flags.agreement_deadlines()
    table = dashboard.ordered(
        filter_form.filter(dashboard.rows(placements, today=today, deadlines=deadlines)), filter_form.sort_key
    )
    return filter_form, table, deadlines


def _dashboard_context(request, placements, *, cohort=None, organisation=None) -> dict:
    today = timezone.localdate()
    filter_form, table, deadlines = _filtered_table(request, placements, today)
    page = paginate(request, table)
    for placement in page.object_list:
        placement.flags = flags.flags_for(placement, today=today)
    completion = dashboard.agreement_completion(placements, today=today)
    weeks = dashboard.weekly_answers(placements)
    return {
        "cohort": cohort,
        "organisation": organisation,
        "filter_form": filter_form,
        "page": page,
        "sort": filter_form.sort_key,
        "figures": dashboard.figures(placements, today=today, deadlines=deadlines),
        "weeks": weeks,
        "weekly_chart": charts.weekly_chart(weeks),
        "completion": completion,
        "completion_chart": charts.completion_chart(completion),
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
    placements, cohort, _organisation = _scope(request)
    cohorts = access.cohorts_visible_to(request.user).order_by("-starts_on")
    if cohort is None:
        return render(request, "feedback/dashboard.html", {"cohorts": cohorts, "cohort": None})
    context = _dashboard_context(request, placements, cohort=cohort)
    context["cohorts"] = cohorts
    return render(request, "feedback/dashboard.html", context)


@role_required(Role.COORDINATOR)
def organisation_dashboard(request, pk: int):
    placements, _cohort, organisation = _scope(request)
    return render(
        request, "feedback/dashboard.html", _dashboard_context(request, placements, organisation=organisation)
    )


@role_required(Role.COORDINATOR)
def dashboard_export(request):
    """Exactly the filtered view as CSV for Excel: UTF-8 with BOM, semicolons, every page.

    The students' notes to the coordinator are included only when asked for
    (``notes=1``); like the dashboard, this view is for coordinators only.
    """
    today = timezone.localdate()
    placements, _cohort, _organisation = _scope(request)
    _filter_form, table, _deadlines = _filtered_table(request, placements, today)
    with_notes = request.GET.get("notes") == "1"
    security.log_event("dashboard_export", request, notes=with_notes, query=request.GET.urlencode() or "-")
    response = StreamingHttpResponse(
        dashboard.csv_lines(table, today=today, with_notes=with_notes), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="innopraksis-{today:%Y-%m-%d}.csv"'
    return response
