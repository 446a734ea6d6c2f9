from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from feedback import flags, history, lifecycle
from innopraksis import access
from innopraksis.access import role_required
from innopraksis.invitations import invitation_for_person
from innopraksis.lists import paginate
from innopraksis.models import InvitationRole, Role
from students import imports, onboarding, people, placements
from students.forms import (
    CohortFilterForm,
    CohortForm,
    ImportForm,
    PlacementFilterForm,
    PlacementForm,
    StudentCreateForm,
    StudentFilterForm,
    StudentForm,
)
from students.models import ImportBatch, ImportKind, PlacementState, Side, cohort_may_get_round

# Cohorts


@role_required(Role.COORDINATOR)
def cohort_list(request):
    filter_form = CohortFilterForm(request.GET)
    cohorts = filter_form.filter(access.cohorts_visible_to(request.user)).annotate(placement_count=Count("placements"))
    cohorts = cohorts.order_by("-starts_on", "name")  # GROUP BY drops the model's default ordering
    return render(
        request, "students/cohort_list.html", {"page": paginate(request, cohorts), "filter_form": filter_form}
    )


@role_required(Role.COORDINATOR)
def cohort_create(request):
    form = CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cohort = onboarding.cohort_create(form=form)
        messages.success(request, _("%(name)s has been created. Place its students next.") % {"name": cohort})
        return redirect("cohort_detail", pk=cohort.pk)
    return render(request, "students/cohort_form.html", {"form": form})


@role_required(Role.COORDINATOR)
def cohort_detail(request, pk: int):
    cohort = access.get_cohort_for(request.user, pk)
    listed = (
        access.placements_visible_to(request.user)
        .filter(cohort=cohort)
        .with_organisation_returning()
        .with_agreement_overdue(timezone.localdate())
        .order_by("organisation__name", "student__user__full_name")
    )
    context = {
        "cohort": cohort,
        "matching_round": access.rounds_visible_to(request.user).filter(cohort=cohort).first(),
        "may_open_round": cohort_may_get_round(cohort, timezone.localdate()),
        "page": paginate(request, listed),
        "states": [
            (PlacementState(row["state"]).label, row["count"])
            for row in cohort.placements.values("state").annotate(count=Count("pk")).order_by("state")
        ],
    }
    return render(request, "students/cohort_detail.html", context)


@role_required(Role.COORDINATOR)
def cohort_edit(request, pk: int):
    cohort = access.get_cohort_for(request.user, pk)
    form = CohortForm(request.POST or None, instance=cohort)
    if request.method == "POST" and form.is_valid():
        lifecycle.cohort_save(form=form)
        messages.success(request, _("The changes to %(name)s have been saved.") % {"name": cohort})
        return redirect("cohort_detail", pk=cohort.pk)
    return render(request, "students/cohort_form.html", {"form": form, "cohort": cohort})


# Students


@role_required(Role.COORDINATOR)
def student_list(request):
    cohorts = access.cohorts_visible_to(request.user)
    filter_form = StudentFilterForm(request.GET, cohorts=cohorts)
    students = filter_form.filter(access.students_visible_to(request.user)).distinct().order_by("user__full_name")
    context = {"page": paginate(request, students), "filter_form": filter_form}
    return render(request, "students/student_list.html", context)


@role_required(Role.COORDINATOR)
def student_create(request):
    form = StudentCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        student = people.student_save(form=form, invite=form.cleaned_data["invite"], invited_by=request.user)
        if form.cleaned_data["invite"]:
            messages.success(request, _("%(name)s has been added and invited.") % {"name": student})
        else:
            messages.success(request, _("%(name)s has been added.") % {"name": student})
        return redirect("student_detail", pk=student.pk)
    return render(request, "students/student_form.html", {"form": form})


@role_required(Role.COORDINATOR)
def student_detail(request, pk: int):
    student = access.get_student_for(request.user, pk)
    context = {
        "student": student,
        "placements": access.placements_visible_to(request.user)
        .filter(student=student)
        .with_organisation_returning()
        .with_agreement_overdue(timezone.localdate())
        .order_by("-cohort__starts_on"),
        "invitation": access.latest_invitations_for(request.user, [student.user.email]).get(student.user.email),
    }
    return render(request, "students/student_detail.html", context)


@role_required(Role.COORDINATOR)
def student_edit(request, pk: int):
    student = access.get_student_for(request.user, pk)
    form = StudentForm(request.POST or None, instance=student)
    if request.method == "POST" and form.is_valid():
        people.student_save(form=form)
        messages.success(request, _("The changes to %(name)s have been saved.") % {"name": student})
        return redirect("student_detail", pk=student.pk)
    return render(request, "students/student_form.html", {"form": form, "student": student})


@role_required(Role.COORDINATOR)
@require_POST
def student_invite(request, pk: int):
    student = access.get_student_for(request.user, pk)
    invitation_for_person(user=student.user, role=InvitationRole.STUDENT, invited_by=request.user)
    messages.success(
        request, _("An invitation was sent to %(email)s; earlier links no longer work.") % {"email": student.user.email}
    )
    return redirect("student_detail", pk=student.pk)


# Placements


def _placement_form(request, instance=None) -> PlacementForm:
    user = request.user
    return PlacementForm(
        request.POST or None,
        instance=instance,
        students=access.students_visible_to(user).order_by("user__full_name"),
        organisations=access.organisations_visible_to(user),
        cohorts=access.cohorts_visible_to(user),
        initial={"cohort": request.GET.get("cohort"), "student": request.GET.get("student")},
    )


@role_required(Role.COORDINATOR)
def placement_list(request):
    user = request.user
    filter_form = PlacementFilterForm(
        request.GET, cohorts=access.cohorts_visible_to(user), organisations=access.organisations_visible_to(user)
    )
    listed = (
        filter_form.filter(access.placements_visible_to(user))
        .with_organisation_returning()
        .with_agreement_overdue(timezone.localdate())
        .order_by("-cohort__starts_on", "student__user__full_name")
    )
    return render(
        request, "students/placement_list.html", {"page": paginate(request, listed), "filter_form": filter_form}
    )


@role_required(Role.COORDINATOR)
def placement_create(request):
    form = _placement_form(request)
    if request.method == "POST" and form.is_valid():
        placement = placements.placement_create(form=form)
        messages.success(
            request,
            _("%(student)s is placed with %(organisation)s.")
            % {"student": placement.student, "organisation": placement.organisation},
        )
        return redirect("placement_detail", pk=placement.pk)
    return render(request, "students/placement_form.html", {"form": form})


def placement_detail(request, pk: int):
    today = timezone.localdate()
    placement, view = access.get_flagged_placement_for(request.user, pk, today=today)
    is_coordinator = access.has_role(request.user, Role.COORDINATOR)
    side = access.agreement_side_of(request.user, placement)
    context = {
        "placement": placement,
        "flags": flags.flags_of(placement, view),
        "is_coordinator": is_coordinator,
        "actions": lifecycle.available_actions(placement, today),
        "today": today,
        "is_organisation_member": side == Side.ORGANISATION,
        "history": history.placement_history(placement) if is_coordinator else [],
        # The conversation is the student's and the coordinators': the organisation does not learn of it.
        "conversation": access.can_read_conversation(request.user, placement),
        "conversation_unread": access.has_unread_messages(request.user, placement),
    }
    return render(request, "students/placement_detail.html", context)


def placement_edit(request, pk: int):
    placement = access.get_placement_to_change(request.user, pk)
    form = _placement_form(request, instance=placement)
    if request.method == "POST" and form.is_valid():
        lifecycle.placement_save(form=form)
        messages.success(request, _("The placement has been saved."))
        return redirect("placement_detail", pk=placement.pk)
    return render(request, "students/placement_form.html", {"form": form, "placement": placement})


@require_POST
def placement_transition(request, pk: int):
    placement = access.get_placement_to_change(request.user, pk)
    action = lifecycle.ACTIONS.get(request.POST.get("action", ""))
    if action is None or action.target == PlacementState.CANCELLED:
        # Cancelling has its own confirmation page.
        messages.error(request, _("Choose one of the actions offered on the placement's page."))
        return redirect("placement_detail", pk=placement.pk)
    try:
        action.run(placement=placement)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The placement is now %(state)s.") % {"state": placement.get_state_display().lower()}
        )
    return redirect("placement_detail", pk=placement.pk)


def placement_cancel(request, pk: int):
    placement = access.get_placement_to_change(request.user, pk)
    if request.method == "POST":
        try:
            placements.placement_cancel(placement=placement)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The placement has been cancelled."))
        return redirect("placement_detail", pk=placement.pk)
    context = {
        "title": _("Cancel the placement"),
        "question": _("Cancel %(student)s's placement with %(organisation)s?")
        % {"student": placement.student, "organisation": placement.organisation},
        "consequence": _(
            "A cancelled placement cannot be resumed; the student can be placed again in the same cohort. "
            "Everything recorded so far is kept."
        ),
        "confirm_label": _("Cancel the placement"),
        "back_url": placement.get_absolute_url(),
    }
    return render(request, "_confirm.html", context)


# CSV import

IMPORT_DESTINATIONS = {
    ImportKind.ORGANISATIONS: "organisation_list",
    ImportKind.SUPERVISORS: "organisation_list",
    ImportKind.STUDENTS: "student_list",
    ImportKind.PLACEMENTS: "placement_list",
}


@role_required(Role.COORDINATOR)
def import_start(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        kind = form.cleaned_data["kind"]
        try:
            text = imports.decode(upload.read(imports.MAX_BYTES + 1))
            result = imports.preview(kind, text)
        except imports.ImportFileError as error:
            form.add_error("file", str(error))
        else:
            if not result.errors:
                batch = ImportBatch.objects.create(
                    kind=kind,
                    filename=upload.name[:255],
                    content=text,
                    invite=form.cleaned_data["invite"],
                    created_by=request.user,
                )
                return redirect("import_preview", pk=batch.pk)
    context = {"form": form, "result": result, "specs": imports.SPECS, "kinds": ImportKind.choices}
    return render(request, "students/import_start.html", context)


@role_required(Role.COORDINATOR)
def import_preview(request, pk: int):
    batch = access.get_import_for(request.user, pk)
    if request.method == "POST" and request.POST.get("action") == "cancel":
        if imports.import_abandon(batch=batch):
            messages.success(request, _("The import was cancelled and the uploaded file deleted."))
        else:
            messages.info(request, _("This file had already been imported, so there was nothing to cancel."))
        return redirect("import_start")
    if request.method == "POST":
        try:
            counts = imports.import_confirm(batch=batch, invited_by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("import_preview", pk=batch.pk)
        messages.success(
            request,
            _("Imported %(file)s: %(create)s new, %(update)s updated, %(unchanged)s unchanged.")
            % {"file": batch.filename, **counts},
        )
        return redirect(IMPORT_DESTINATIONS[batch.kind])
    result = None if batch.applied_at else imports.preview(batch.kind, batch.content)
    return render(request, "students/import_preview.html", {"batch": batch, "result": result})


@role_required(Role.COORDINATOR)
def import_template(request, kind: str):
    if kind not in imports.SPECS:
        raise Http404
    response = HttpResponse(imports.template_csv(kind), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="innopraksis-{kind}.csv"'
    return response
