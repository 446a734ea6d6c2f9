"""Check-ins, follow-ups and evaluations of a placement, for the student, its supervisors and coordinators."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
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
from innopraksis.templatetags import portal
from orgs.models import Organisation
from students.models import Cohort, Placement, Side

# A check-in can be answered from a week before its due date.
OPEN_BEFORE_DUE = datetime.timedelta(days=7)


def _flagged_placement(request, pk: int) -> Placement:
    placement = access.get_placement_for(request.user, pk)
    placement = (
        Placement.objects.filter(pk=placement.pk)
        .select_related("cohort", "organisation", "student__user", "agreement", "status")
        .prefetch_related("checkins")
        .get()
    )
    is_coordinator = access.has_role(request.user, Role.COORDINATOR)
    return flags.prepare(placement, today=timezone.localdate(), revealed_only=not is_coordinator)


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
    if request.method != "POST":
        return _checkin_page(request, pk, checkin_pk)
    # An answer is checked and saved under a lock on the check-in taken as it is read: of two answers
    # sent at once, the second finds the first.
    with transaction.atomic():
        return _checkin_page(request, pk, checkin_pk, lock=True)


def _checkin_page(request, pk: int, checkin_pk: int, *, lock: bool = False):
    checkin = access.get_checkin_for(request.user, pk, checkin_pk, lock=lock)
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
                        checkin=checkin,
                        user=request.user,
                        answers=form.cleaned_data,
                        note=form.cleaned_data["note"],
                        locked=True,
                    )
                else:
                    services.checkin_answer_supervisor(
                        checkin=checkin, user=request.user, answers=form.cleaned_data, locked=True
                    )
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


@dataclass
class _Scope:
    """What a dashboard covers: one cohort's placements (chosen, or the latest started) or one organisation's."""

    placements: QuerySet
    cohort: Cohort | None = None
    organisation: Organisation | None = None
    cohorts: list = field(default_factory=list)  # to choose from, on the cohort dashboard
    deadlines: list[int] = field(default_factory=list)  # the agreement deadlines of the cohorts covered
    key: str = ""  # names the scope and the state of its data, for the kept summary


def _scope(request) -> _Scope:
    user = request.user
    if (
        request.resolver_match.url_name == "organisation_dashboard"
        or request.GET.get("organisation_view", "").isdigit()
    ):
        pk = request.resolver_match.kwargs.get("pk") or int(request.GET["organisation_view"])
        organisation = access.get_organisation_for(user, pk)
        cohorts = sorted(
            access.cohorts_visible_to(user)
            .filter(placements__organisation=organisation)
            .values_list("pk", "agreement_deadline_days", "dashboard_stamp__token")
            .distinct()
        )
        stamps = ",".join(f"{pk}:{token}" for pk, _days, token in cohorts)
        return _Scope(
            access.placements_visible_to(user).filter(organisation=organisation),
            organisation=organisation,
            deadlines=sorted({days for _pk, days, _token in cohorts}),
            key=f"organisation:{organisation.pk}:{hashlib.sha256(stamps.encode()).hexdigest()[:32]}",
        )
    cohorts = list(access.cohorts_visible_to(user).select_related("dashboard_stamp").order_by("-starts_on", "-pk"))
    chosen = request.GET.get("cohort", "")
    today = timezone.localdate()
    cohort = (
        next((cohort for cohort in cohorts if chosen.isdigit() and cohort.pk == int(chosen)), None)
        or next((cohort for cohort in cohorts if cohort.starts_on <= today), None)
        or (cohorts[0] if cohorts else None)
    )
    if cohort is None:
        return _Scope(access.placements_visible_to(user).none())
    stamp = getattr(cohort, "dashboard_stamp", None)
    return _Scope(
        access.placements_visible_to(user).filter(cohort=cohort),
        cohort=cohort,
        cohorts=cohorts,
        deadlines=[cohort.agreement_deadline_days],
        key=f"cohort:{cohort.pk}:{stamp.token if stamp else '-'}",
    )


def _export_form(request, scope: _Scope) -> DashboardFilterForm:
    """The export's filters: the dashboard's, with only the choices asked for, checked against the
    user's scope, so the export needs no summary."""
    organisation = request.GET.get("organisation", "")
    organisations = (
        list(access.organisations_visible_to(request.user).filter(pk=organisation).values_list("pk", "name"))
        if organisation.isdigit()
        else []
    )
    course = request.GET.get("internship_course", "")
    return DashboardFilterForm(request.GET, organisations=organisations, courses=[course] if course else [])


def _dashboard_context(request, scope: _Scope) -> dict:
    today = timezone.localdate()
    summary = dashboard.summary(scope.placements, key=scope.key, today=today, deadlines=scope.deadlines)
    filter_form = DashboardFilterForm(request.GET, organisations=summary.organisations, courses=summary.courses)
    order = dashboard.order(scope.placements, filter_form, key=scope.key, today=today, deadlines=scope.deadlines)
    page = paginate(request, order)
    return {
        "cohort": scope.cohort,
        "organisation": scope.organisation,
        "filter_form": filter_form,
        "page": page,
        "rows": _page_rows(scope, page.object_list, today),
        "sort": filter_form.sort_key,
        "summary": summary,
        "summary_html": _summary_html(summary, scope.key, today),
        "columns": DASHBOARD_COLUMNS,
    }


def _page_rows(scope: _Scope, ids: list[int], today: datetime.date) -> list[dict]:
    """The page's rows rendered (the cells, and the student's name), kept like the order they come in:
    any change to what a row shows renews the stamp of its cohort, and with it ``scope.key``."""
    digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:32]
    return cache.get_or_set(
        f"dashboard-rows:{scope.key}:{today.isoformat()}:{translation.get_language()}:{digest}",
        lambda: [
            {"name": placement.student.user.get_full_name(), "cells": portal.dashboard_cells(placement, today)}
            for placement in dashboard.page_rows(scope.placements, ids, today=today)
        ],
        dashboard.SUMMARY_SECONDS,
    )


def _summary_html(summary: dashboard.Summary, key: str, today: datetime.date) -> str:
    """The figures and charts, rendered once per scope state, day and language (see ``dashboard.summary``)."""

    def render() -> str:
        context = {
            "figures": summary.figures,
            "weeks": summary.weeks,
            "weekly_chart": charts.weekly_chart(summary.weeks),
            "completion": summary.completion,
            "completion_chart": charts.completion_chart(summary.completion),
        }
        return render_to_string("feedback/_dashboard_summary.html", context)

    cache_key = f"dashboard-summary-html:{key}:{today.isoformat()}:{translation.get_language()}"
    html = cache.get_or_set(cache_key, render, dashboard.SUMMARY_SECONDS)
    return mark_safe(html)  # noqa: S308 (rendered by the template engine, escaped there)


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
    """Exactly the filtered view as CSV for Excel: UTF-8 with BOM, semicolons, every page.

    The students' notes to the coordinator are included only when asked for
    (``notes=1``); like the dashboard, this view is for coordinators only.
    """
    today = timezone.localdate()
    scope = _scope(request)
    # The same rows in the same order as the dashboard's pages, from the same kept order.
    ids = dashboard.order(
        scope.placements, _export_form(request, scope), key=scope.key, today=today, deadlines=scope.deadlines
    )
    with_notes = request.GET.get("notes") == "1"
    security.log_event("dashboard_export", request, notes=with_notes, query=request.GET.urlencode() or "-")
    response = StreamingHttpResponse(
        dashboard.csv_lines(scope.placements, ids, key=scope.key, today=today, with_notes=with_notes),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="innopraksis-{today:%Y-%m-%d}.csv"'
    return response
