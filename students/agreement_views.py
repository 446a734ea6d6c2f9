"""The expectation agreement's pages: overview, each party's steps, signing, review and print."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback import lifecycle
from innopraksis import access
from innopraksis.models import Role
from students import agreement_steps, agreements
from students.forms import AgreementChangeRequestForm, AgreementReturnForm, AgreementSignForm, AgreementStepForm
from students.models import AgreementState, ExpectationAgreement, PlacementState, Side

CHANGES_SHOWN = 20


def _progress(agreement: ExpectationAgreement, side: str, current: str = "") -> list[dict]:
    return [
        {"step": step, "number": number, "complete": step.is_complete(agreement), "current": step.key == current}
        for number, step in enumerate(agreement_steps.steps_for(side), start=1)
    ]


def _refuse_edit_if_approved(request, agreement: ExpectationAgreement):
    if agreement.state == AgreementState.APPROVED:
        messages.info(
            request,
            _("The agreement is approved and can no longer be changed. Ask your coordinator if something must change."),
        )
        return redirect("agreement_detail", pk=agreement.placement_id)
    return None


def agreement_detail(request, pk: int):
    placement = access.get_placement_page_for(request.user, pk, today=timezone.localdate())
    agreement = getattr(placement, "agreement", None)
    side = access.agreement_side_of(request.user, placement)
    context = {
        "placement": placement,
        "agreement": agreement,
        "side": side,
        "is_coordinator": access.has_role(request.user, Role.COORDINATOR),
    }
    if agreement is not None:
        state = agreement.state
        own_signature = agreement.student_signed_at if side == Side.STUDENT else agreement.org_signed_at
        # An approved agreement, or any agreement of a cancelled placement, offers nothing more to do.
        is_open = state != AgreementState.APPROVED and placement.state != PlacementState.CANCELLED
        is_coordinator = context["is_coordinator"]
        context.update(
            waiting=agreements.waiting_for(agreement, side=side, coordinator=is_coordinator),
            actions={
                "fill_in": is_open
                and side
                and state in (AgreementState.DRAFT, AgreementState.RETURNED)
                and not agreement.completed_at(side),
                "change": is_open and side and agreement.completed_at(side),
                "sign": is_open and side and state == AgreementState.SIGNING and not own_signature,
                "approve": is_open and is_coordinator and state == AgreementState.SIGNED,
                "review": is_open and is_coordinator and state == AgreementState.SIGNING,
            },
            sections=agreement_steps.sections(agreement_steps.values_of(agreement)),
            parts=[
                {"side": part, "label": Side(part).label, "progress": _progress(agreement, part)}
                for part in (Side.STUDENT, Side.ORGANISATION)
            ],
            versions=agreement.versions.select_related("voided_by"),
            changes=agreement.changes.select_related("changed_by")[:CHANGES_SHOWN],
            field_labels={name: agreement_steps.field_label(name) for name in agreement_steps.CONTENT_FIELDS},
        )
    return render(request, "students/agreement_detail.html", context)


def agreement_part(request, pk: int, side: str):
    """A party's own part: where each step stands, and the button that finishes the part."""
    agreement = access.get_agreement_to_edit(request.user, pk, side)
    if request.method == "POST":
        try:
            agreements.agreement_complete_part(agreement=agreement, side=side, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("agreement_part", pk=pk, side=side)
        if agreement.state == AgreementState.SIGNING:
            messages.success(request, _("Your part is finished. Both parts are done: read the agreement and sign it."))
        else:
            messages.success(request, _("Your part is finished. We have told the other party it is their turn."))
        return redirect("agreement_detail", pk=pk)
    values = agreement_steps.values_of(agreement)
    section = next(section for section in agreement_steps.sections(values) if section.side == side)
    progress = _progress(agreement, side)
    context = {
        "agreement": agreement,
        "placement": agreement.placement,
        "side": side,
        "side_label": Side(side).label,
        "section": section,
        "progress": progress,
        "next_step": next((item["step"] for item in progress if not item["complete"]), None),
        "is_done": agreement.completed_at(side) is not None,
        "returned": agreement.returned_to == side,
    }
    return render(request, "students/agreement_part.html", context)


def agreement_step(request, pk: int, side: str, step: str):
    agreement = access.get_agreement_to_edit(request.user, pk, side)
    current = agreement_steps.get_step(side, step)
    if current is None:
        raise Http404
    refused = _refuse_edit_if_approved(request, agreement)
    if refused:
        return refused
    steps = agreement_steps.steps_for(side)
    index = steps.index(current)
    conflict = None
    form = AgreementStepForm(request.POST or None, step=current, agreement=agreement)
    if request.method == "POST" and form.is_valid():
        try:
            agreements.agreement_save_step(
                agreement=agreement,
                side=side,
                step=current,
                values=form.answers(),
                base=form.cleaned_data["base"],
                user=request.user,
            )
        except agreements.AgreementConflict as error:
            conflict = error
            # The next save is a deliberate choice made with the other person's text in view.
            data = request.POST.copy()
            data["base"] = agreement_steps.fingerprint(error.current)
            form = AgreementStepForm(data, step=current, agreement=agreement)
            form.is_valid()
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("agreement_detail", pk=pk)
        else:
            direction = request.POST.get("go", "next")
            if direction == "back":
                target = steps[index - 1] if index > 0 else None
                return redirect(_step_or_part(pk, side, target))
            if direction.startswith("step:"):  # another step chosen from the list of steps
                target = next((step for step in steps if step.key == direction.removeprefix("step:")), current)
                return redirect(_step_or_part(pk, side, target))
            if direction == "next":
                data = request.POST.copy()
                data["base"] = agreement_steps.fingerprint(agreement_steps.values_of(agreement, current.fields))
                form = AgreementStepForm(data, step=current, agreement=agreement)
                form.is_valid()
                if form.require_answers():
                    target = steps[index + 1] if index + 1 < len(steps) else None
                    return redirect(_step_or_part(pk, side, target))
                messages.info(request, _("Your answers are saved. Fill in what is missing to go on."))
            else:
                messages.success(request, _("Your answers are saved. You can come back and go on at any time."))
                return redirect("agreement_part", pk=pk, side=side)
    context = {
        "agreement": agreement,
        "placement": agreement.placement,
        "side": side,
        "side_label": Side(side).label,
        "step": current,
        "number": index + 1,
        "total": len(steps),
        "progress": _progress(agreement, side, current.key),
        "form": form,
        "conflict": conflict,
        "conflict_rows": [
            (agreement_steps.field_label(name), agreement_steps.display_value(name, value))
            for name, value in (conflict.current.items() if conflict else [])
        ],
        "has_previous": index > 0,
        "is_last": index + 1 == len(steps),
        "returned": agreement.returned_to == side,
    }
    if side == Side.ORGANISATION and current.key == "tasks":
        values = agreement_steps.values_of(agreement)
        context["student_section"] = next(s for s in agreement_steps.sections(values) if s.side == Side.STUDENT)
    return render(request, "students/agreement_step.html", context)


def _step_or_part(pk: int, side: str, step: agreement_steps.Step | None) -> str:
    """The given step's page, or the part's summary when there is no step to go to."""
    if step is None:
        return reverse("agreement_part", kwargs={"pk": pk, "side": side})
    return reverse("agreement_step", kwargs={"pk": pk, "side": side, "step": step.key})


def agreement_sign(request, pk: int):
    """Read the whole agreement, then sign it or ask the other party for a change."""
    agreement, side = access.get_agreement_to_sign(request.user, pk)
    asking = request.method == "POST" and request.POST.get("action") == "change"
    form = AgreementSignForm(request.POST if request.method == "POST" and not asking else None)
    change_form = AgreementChangeRequestForm(request.POST if asking else None)
    try:
        if form.is_valid():
            agreements.agreement_sign(
                agreement=agreement, side=side, user=request.user, read_fingerprint=form.cleaned_data["read"]
            )
            messages.success(request, _("You have signed the expectation agreement."))
            return redirect("agreement_detail", pk=pk)
        if change_form.is_valid():
            agreements.agreement_request_change(
                agreement=agreement, side=side, comment=change_form.cleaned_data["comment"], user=request.user
            )
            messages.success(
                request, _("Your request is sent. The agreement comes back to you to sign when it is done.")
            )
            return redirect("agreement_detail", pk=pk)
    except ValidationError as error:
        if not asking:  # the agreement changed under the reader: they read it again before signing
            messages.error(request, " ".join(error.messages))
            return redirect("agreement_sign", pk=pk)
        change_form.add_error(None, error)  # the request stays on the page as typed
        agreement.refresh_from_db()  # and the page shows the agreement as it stands now
    values = agreement_steps.values_of(agreement)
    already = agreement.student_signed_at if side == Side.STUDENT else agreement.org_signed_at
    other = Side.ORGANISATION if side == Side.STUDENT else Side.STUDENT
    context = {
        "agreement": agreement,
        "placement": agreement.placement,
        "side": side,
        "sections": agreement_steps.sections(values),
        "read": agreement_steps.fingerprint(values),
        "ready": agreement.state in (AgreementState.SIGNING, AgreementState.SIGNED),
        "already": already,
        "can_ask_for_change": agreement.state == AgreementState.SIGNING and not already,
        "own_part_finished": agreement.completed_at(side) is not None,
        "change_form": change_form,
        "other_party": agreements.party_name(agreement.placement, other),
    }
    return render(request, "students/agreement_sign.html", context)


def agreement_review(request, pk: int):
    """The coordinator's page: approve, send back to one party, or record signatures made on paper."""
    agreement = access.get_agreement_to_review(request.user, pk)
    return_form = AgreementReturnForm(request.POST if request.POST.get("action") == "return" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve":
                lifecycle.agreement_approve_and_start(agreement=agreement, user=request.user)
                messages.success(request, _("The agreement is approved. Both parties have been told."))
                return redirect("agreement_detail", pk=pk)
            if action == "paper":
                agreements.agreement_record_paper(agreement=agreement, user=request.user)
                messages.success(request, _("The signatures on paper are recorded. You can approve the agreement now."))
                return redirect("agreement_review", pk=pk)
            if action == "return" and return_form.is_valid():
                agreements.agreement_return(
                    agreement=agreement,
                    side=return_form.cleaned_data["side"],
                    comment=return_form.cleaned_data["comment"],
                    user=request.user,
                )
                messages.success(request, _("The agreement is sent back with your comment."))
                return redirect("agreement_detail", pk=pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("agreement_review", pk=pk)
    context = {
        "agreement": agreement,
        "placement": access.get_placement_page_for(request.user, pk, today=timezone.localdate()),
        "sections": agreement_steps.sections(agreement_steps.values_of(agreement)),
        "return_form": return_form,
        "can_return": agreement.state in (AgreementState.SIGNING, AgreementState.SIGNED),
        "can_record_paper": agreement.state == AgreementState.SIGNING,
        "can_approve": agreement.state == AgreementState.SIGNED
        and not agreements.signed_as_party(agreement, request.user),
        "signed_by_me": agreements.signed_as_party(agreement, request.user),
    }
    return render(request, "students/agreement_review.html", context)


def agreement_print(request, pk: int):
    agreement = access.get_agreement_for(request.user, pk)
    context = {
        "agreement": agreement,
        "placement": agreement.placement,
        "sections": agreement_steps.sections(agreement_steps.values_of(agreement)),
    }
    return render(request, "students/agreement_print.html", context)


def agreement_version(request, pk: int, number: int):
    agreement = access.get_agreement_for(request.user, pk)
    version = agreement.versions.select_related("voided_by").filter(number=number).first()
    if version is None:
        raise Http404
    now = agreement_steps.values_of(agreement)
    context = {
        "agreement": agreement,
        "placement": agreement.placement,
        "version": version,
        "sections": agreement_steps.sections(version.content),
        "differences": [
            (
                agreement_steps.field_label(name),
                agreement_steps.display_value(name, version.content.get(name)),
                agreement_steps.display_value(name, now[name]),
            )
            for name in agreement_steps.CONTENT_FIELDS
            if version.content.get(name) != now[name]
        ],
    }
    return render(request, "students/agreement_version.html", context)
