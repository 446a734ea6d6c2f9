"""Onboarding: each placement's checklist, its weekly question time, and the cohort's checklist template."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from innopraksis import access
from innopraksis.access import role_required
from innopraksis.models import Role
from students import onboarding
from students.forms import OfficeHourForm, OnboardingItemForm, OnboardingTickForm, TemplateItemFormSet
from students.models import Side


def onboarding_checklist(request, pk: int):
    """The checklist, and the one form in which its owners tick items and write notes: saving it saves every
    change at once, and a form sent back with errors keeps everything typed."""
    today = timezone.localdate()
    placement = access.get_placement_page_for(request.user, pk, today=today)
    side = access.agreement_side_of(request.user, placement)
    items = list(placement.onboarding_items.select_related("done_by", "added_by").with_overdue(today))
    data = request.POST if request.method == "POST" else None
    rows = [
        {
            "item": item,
            "overdue": item.is_overdue,
            "form": OnboardingTickForm(
                data,
                initial={
                    "done": item.is_done,
                    "note": item.note,
                    "seen": OnboardingTickForm.state(item.is_done, item.note),
                },
                prefix=f"item{item.pk}",
            )
            if access.can_tick(side, item)
            else None,
        }
        for item in items
    ]
    forms = [row["form"] for row in rows if row["form"] is not None]
    if request.method == "POST":
        if not forms:
            raise PermissionDenied  # 403: theirs to read, with no item of theirs to tick
        if all([form.is_valid() for form in forms]):
            changes = {
                row["item"].pk: row["form"].changed_state for row in rows if row["form"] and row["form"].changed_state
            }
            if changes:
                onboarding.onboarding_items_update(placement_id=placement.pk, user=request.user, changes=changes)
                messages.success(request, _("The checklist is saved."))
            else:
                messages.info(request, _("Nothing was changed on the checklist."))
            return redirect("onboarding_checklist", pk=pk)
    context = {
        "placement": placement,
        "rows": rows,
        "forms": forms,
        "errors": [form for form in forms if form.is_bound and form.errors],
        "side": side,
        "can_add": side == Side.ORGANISATION and not placement.is_cancelled,
    }
    return render(request, "students/onboarding_checklist.html", context)


def onboarding_item_add(request, pk: int):
    placement = access.get_placement_for_organisation_member(request.user, pk)
    form = OnboardingItemForm(request.POST or None, initial={"due_on": max(placement.starts_on, timezone.localdate())})
    if request.method == "POST" and form.is_valid():
        item = onboarding.onboarding_item_add(placement=placement, user=request.user, form=form)
        messages.success(request, _("“%(item)s” is added to the checklist.") % {"item": item.display_title})
        return redirect("onboarding_checklist", pk=pk)
    return render(request, "students/onboarding_item_form.html", {"placement": placement, "form": form})


def office_hour_edit(request, pk: int):
    office_hour = access.get_office_hour_to_change(request.user, pk)
    form = OfficeHourForm(request.POST or None, instance=office_hour)
    if request.method == "POST" and form.is_valid():
        onboarding.office_hour_change(office_hour=office_hour, user=request.user, form=form)
        messages.success(request, _("The question time is changed. The student has been told by e-mail."))
        return redirect("placement_detail", pk=pk)
    return render(request, "students/office_hour_form.html", {"placement": office_hour.placement, "form": form})


@role_required(Role.COORDINATOR)
def cohort_onboarding(request, pk: int):
    """The cohort's checklist template: edit, add (at the end) and remove items, and move one up or down; every
    button saves the whole form, so nothing typed is lost."""
    cohort = access.get_cohort_for(request.user, pk)
    items = cohort.onboarding_template.all()
    after_last = max((item.position for item in items), default=0) + 1
    formset = TemplateItemFormSet(request.POST or None, queryset=items, initial=[{"position": after_last}])
    if request.method == "POST" and formset.is_valid():
        item_pk, _sep, direction = request.POST.get("move", "").partition(":")
        moving = item_pk.isascii() and item_pk.isdigit() and direction in ("up", "down")
        move = (int(item_pk), -1 if direction == "up" else 1) if moving else None
        moved = onboarding.cohort_template_save(cohort=cohort, formset=formset, move=move)
        if moved is not None:
            messages.success(request, _("“%(item)s” is moved. The checklist is saved.") % {"item": moved.display_title})
            return redirect(reverse("cohort_onboarding", kwargs={"pk": pk}) + f"#template-item-{moved.pk}")
        messages.success(request, _("The checklist template is saved. Placements approved from now on get it."))
        return redirect("cohort_onboarding", pk=pk)
    return render(request, "students/cohort_onboarding.html", {"cohort": cohort, "formset": formset})
