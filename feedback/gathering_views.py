"""Gatherings, the experiences organisations share before them, and the write-ups after."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from feedback import gatherings
from feedback.forms import AttendanceForm, ExperienceForm, GatheringForm, ReportForm
from feedback.models import ExperienceReport, ExperienceTheme
from innopraksis import access
from innopraksis.access import role_required
from innopraksis.lists import paginate
from innopraksis.models import Role
from orgs.models import Organisation
from students.models import organisations_returning_in


def gathering_list(request):
    access.require_programme_role(request.user)
    gathering_page = paginate(request, access.gatherings_visible_to(request.user).prefetch_related("invitees"))
    context = {"page": gathering_page, "is_coordinator": access.has_role(request.user, Role.COORDINATOR)}
    return render(request, "feedback/gathering_list.html", context)


def _gathering_form(request, instance=None) -> GatheringForm:
    return GatheringForm(
        request.POST or None,
        instance=instance,
        cohorts=access.cohorts_visible_to(request.user),
        organisations=access.organisations_visible_to(request.user).order_by("name"),
    )


@role_required(Role.COORDINATOR)
def gathering_create(request):
    form = _gathering_form(request)
    if request.method == "POST" and form.is_valid():
        gathering = gatherings.gathering_save(form=form, user=request.user)
        messages.success(request, _("The gathering is saved and the invited supervisors have been e-mailed."))
        return redirect("gathering_detail", pk=gathering.pk)
    return render(request, "feedback/gathering_form.html", {"form": form})


def gathering_edit(request, pk: int):
    gathering = access.get_gathering_to_manage(request.user, pk)
    form = _gathering_form(request, instance=gathering)
    if request.method == "POST" and form.is_valid():
        gatherings.gathering_save(form=form, user=request.user)
        messages.success(request, _("The gathering is saved. Newly invited organisations have been e-mailed."))
        return redirect("gathering_detail", pk=gathering.pk)
    return render(request, "feedback/gathering_form.html", {"form": form, "gathering": gathering})


def gathering_detail(request, pk: int):
    gathering = access.get_gathering_for(request.user, pk)
    is_coordinator = access.has_role(request.user, Role.COORDINATOR)
    invitees = organisations_returning_in(Organisation.objects.filter(gatherings=gathering), gathering.cohort).order_by(
        "name"
    )
    attendance = dict(gathering.invitees.values_list("organisation_id", "attended"))
    context = {
        "gathering": gathering,
        "is_coordinator": is_coordinator,
        "invitees": [(organisation, attendance.get(organisation.pk)) for organisation in invitees],
        "can_share": access.invited_organisations_of(request.user, gathering).exists(),
        "my_experiences": [] if is_coordinator else access.experiences_visible_to(request.user, gathering),
        "report": ExperienceReport.objects.filter(gathering=gathering).first(),
    }
    return render(request, "feedback/gathering_detail.html", context)


def gathering_attendance(request, pk: int):
    gathering = access.get_gathering_to_manage(request.user, pk)
    form = AttendanceForm(request.POST or None, gathering=gathering)
    if request.method == "POST" and form.is_valid():
        attended = {organisation.pk for organisation in form.cleaned_data["attended"]}
        gatherings.gathering_record_attendance(gathering=gathering, attended=attended)
        messages.success(request, _("The attendance is recorded."))
        return redirect("gathering_detail", pk=pk)
    return render(request, "feedback/gathering_attendance.html", {"gathering": gathering, "form": form})


def experience_create(request, pk: int):
    gathering, organisations = access.get_gathering_to_share(request.user, pk)
    form = ExperienceForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        gatherings.experience_share(
            gathering=gathering, organisation=form.cleaned_data["organisation"], user=request.user, form=form
        )
        messages.success(request, _("Thank you for sharing. The coordinator gathers the experiences for the day."))
        return redirect("gathering_detail", pk=pk)
    return render(request, "feedback/experience_form.html", {"gathering": gathering, "form": form})


def experience_overview(request, pk: int):
    """The coordinator's view of what organisations shared: by organisation, and by theme."""
    gathering = access.get_gathering_to_manage(request.user, pk)
    experiences = list(access.experiences_visible_to(request.user, gathering))
    returning = set(
        organisations_returning_in(Organisation.objects.filter(gatherings=gathering), gathering.cohort)
        .filter(is_returning=True)
        .values_list("pk", flat=True)
    )
    by_organisation, by_theme = defaultdict(list), defaultdict(list)
    for experience in experiences:
        experience.organisation_is_returning = experience.organisation_id in returning
        by_organisation[experience.organisation].append(experience)
        by_theme[ExperienceTheme(experience.theme).label].append(experience)
    context = {
        "gathering": gathering,
        "by_organisation": sorted(by_organisation.items(), key=lambda item: item[0].name),
        "by_theme": [(label, by_theme[label]) for label in ExperienceTheme.labels if label in by_theme],
        "returning": returning,
    }
    return render(request, "feedback/experience_overview.html", context)


def report_edit(request, pk: int):
    gathering = access.get_gathering_to_manage(request.user, pk)
    report = ExperienceReport.objects.filter(gathering=gathering).first()
    if request.method == "POST" and request.POST.get("action") == "start":
        report = gatherings.report_start(gathering=gathering, user=request.user)
        messages.success(request, _("A draft is ready, starting from what the data says."))
        return redirect("report_edit", pk=pk)
    if report is None:
        raise Http404
    form = ReportForm(request.POST or None, instance=report)
    if request.method == "POST" and form.is_valid():
        form.save()
        if request.POST.get("action") == "publish":
            try:
                gatherings.report_publish(report=report, user=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect("report_edit", pk=pk)
            messages.success(request, _("The write-up is published to the organisations' supervisors."))
            return redirect("report_detail", pk=report.pk)
        messages.success(request, _("The draft is saved."))
        return redirect("report_edit", pk=pk)
    context = {
        "gathering": gathering,
        "report": report,
        "form": form,
        "figure_lines": gatherings.figure_lines(gatherings.report_figures(gathering)),
    }
    return render(request, "feedback/report_form.html", context)


def report_library(request):
    access.require_programme_role(request.user)
    reports = access.reports_visible_to(request.user).order_by("-gathering__held_on")
    return render(request, "feedback/report_library.html", {"page": paginate(request, reports)})


def _report_context(request, pk: int) -> dict:
    report = access.get_report_for(request.user, pk)
    figures = report.figures if report.is_published else gatherings.report_figures(report.gathering)
    return {
        "report": report,
        "gathering": report.gathering,
        "figure_lines": gatherings.figure_lines(figures),
        "main_points": [line for line in report.main_points.splitlines() if line.strip()],
        "onboarding_advice": [line for line in report.onboarding_advice.splitlines() if line.strip()],
        "is_coordinator": access.has_role(request.user, Role.COORDINATOR),
    }


def report_detail(request, pk: int):
    return render(request, "feedback/report_detail.html", _report_context(request, pk))


def report_print(request, pk: int):
    return render(request, "feedback/report_print.html", _report_context(request, pk))
