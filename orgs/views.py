from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from innopraksis import access
from innopraksis.access import role_required
from innopraksis.invitations import invitation_for_person
from innopraksis.lists import paginate
from innopraksis.models import InvitationRole, Role
from orgs import memberships
from orgs.forms import MembershipAddForm, OrganisationFilterForm, OrganisationForm
from students.models import organisations_returning_in


@role_required(Role.COORDINATOR)
def organisation_list(request):
    filter_form = OrganisationFilterForm(request.GET)
    cohort = access.cohorts_visible_to(request.user).first()  # the newest cohort decides the badge
    organisations = (
        filter_form.filter(access.organisations_visible_to(request.user))
        .annotate(member_count=Count("memberships", distinct=True))
        .order_by("name")
    )
    if cohort is not None:
        organisations = organisations_returning_in(organisations, cohort)
    context = {"page": paginate(request, organisations), "filter_form": filter_form, "cohort": cohort}
    return render(request, "orgs/organisation_list.html", context)


@role_required(Role.COORDINATOR)
def organisation_create(request):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = form.save()
        messages.success(request, _("%(name)s has been added. Add its supervisors next.") % {"name": organisation})
        return redirect("organisation_detail", pk=organisation.pk)
    return render(request, "orgs/organisation_form.html", {"form": form})


def _history(placements) -> list[dict]:
    """Placements grouped by cohort, newest first, each cohort marked returning or first-time (read with
    ``with_organisation_returning``)."""
    by_cohort: dict = {}
    for placement in placements:
        by_cohort.setdefault(placement.cohort, []).append(placement)
    return [
        {"cohort": cohort, "placements": rows, "returning": rows[0].organisation_is_returning}
        for cohort, rows in sorted(by_cohort.items(), key=lambda item: item[0].starts_on, reverse=True)
    ]


def organisation_detail(request, pk: int):
    organisation = access.get_organisation_for(request.user, pk)
    memberships = list(organisation.memberships.select_related("user").order_by("user__full_name"))
    invitations = access.latest_invitations_for(request.user, [m.user.email for m in memberships])
    for membership in memberships:
        membership.invitation = invitations.get(membership.user.email)
    placements = (
        access.placements_visible_to(request.user).filter(organisation=organisation).with_organisation_returning()
    )
    context = {
        "organisation": organisation,
        "memberships": memberships,
        "history": _history(placements),
        "is_coordinator": access.has_role(request.user, Role.COORDINATOR),
        "can_edit": access.has_role(request.user, Role.COORDINATOR)
        or access.is_main_contact(request.user, organisation),
    }
    return render(request, "orgs/organisation_detail.html", context)


def organisation_edit(request, pk: int):
    organisation = access.get_organisation_to_edit(request.user, pk)
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The changes to %(name)s have been saved.") % {"name": organisation})
        return redirect("organisation_detail", pk=organisation.pk)
    return render(request, "orgs/organisation_form.html", {"form": form, "organisation": organisation})


def membership_add(request, pk: int):
    organisation = access.get_organisation_to_manage(request.user, pk)
    form = MembershipAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = memberships.membership_add(
                organisation=organisation, invited_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(person)s is now %(role)s for %(organisation)s.")
                % {
                    "person": membership.user,
                    "role": membership.get_role_display().lower(),
                    "organisation": organisation,
                },
            )
            return redirect("organisation_detail", pk=organisation.pk)
    return render(request, "orgs/membership_form.html", {"form": form, "organisation": organisation})


def membership_remove(request, pk: int, membership_pk: int):
    organisation = access.get_organisation_to_manage(request.user, pk)
    membership = access.get_membership_for(request.user, organisation, membership_pk)
    if request.method == "POST":
        memberships.membership_remove(membership=membership)
        messages.success(
            request,
            _("%(person)s is no longer a member of %(organisation)s.")
            % {"person": membership.user, "organisation": organisation},
        )
        return redirect("organisation_detail", pk=organisation.pk)
    context = {
        "title": _("Remove %(person)s") % {"person": membership.user},
        "question": _("Remove %(person)s from %(organisation)s?")
        % {"person": membership.user, "organisation": organisation},
        "consequence": _(
            "They will no longer see this organisation's students, and are taken off the placements "
            "they supervise here. Their account is kept."
        ),
        "confirm_label": _("Remove from the organisation"),
        "back_url": organisation.get_absolute_url(),
    }
    return render(request, "_confirm.html", context)


@require_POST
def membership_invite(request, pk: int, membership_pk: int):
    organisation = access.get_organisation_to_manage(request.user, pk)
    membership = access.get_membership_for(request.user, organisation, membership_pk)
    invitation_for_person(
        user=membership.user,
        role=InvitationRole.SUPERVISOR,
        organisation=organisation,
        invited_by=request.user,
    )
    messages.success(
        request,
        _("An invitation was sent to %(email)s; earlier links no longer work.") % {"email": membership.user.email},
    )
    return redirect("organisation_detail", pk=organisation.pk)
