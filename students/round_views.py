"""The matching round's pages: coordinators open and run it, students rank, organisations state their places
and rank the students who chose them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from innopraksis import access
from innopraksis.access import role_required
from innopraksis.lists import PAGE_SIZE, paginate
from innopraksis.models import Role
from students import imports, round_imports, rounds
from students.models import MatchRun, PairingKind
from students.round_forms import (
    ApplicantRankForm,
    CompareForm,
    PairingForm,
    ParticipantForm,
    PreferencesImportForm,
    RankingForm,
    RoundDatesForm,
    RoundForm,
    RunForm,
)


def _refused(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _read_only(request, matching_round):
    """The round's page instead of a form that a published round would refuse."""
    messages.info(request, _("The round has been published and can no longer be changed."))
    return redirect("round_detail", pk=matching_round.pk)


# Coordinators


@role_required(Role.COORDINATOR)
def round_list(request):
    matching_rounds = rounds.with_counts(access.rounds_visible_to(request.user))
    cohorts = rounds.cohorts_without_round(access.cohorts_visible_to(request.user), timezone.localdate())
    context = {"page": paginate(request, matching_rounds.order_by("-cohort__starts_on")), "cohorts": cohorts}
    return render(request, "students/round_list.html", context)


@role_required(Role.COORDINATOR)
def round_create(request, pk: int):
    cohort = access.get_cohort_for(request.user, pk)
    if hasattr(cohort, "matching_round"):
        return redirect("round_detail", pk=cohort.matching_round.pk)
    form = RoundForm(request.POST or None, organisations=rounds.organisations_for(cohort))
    form.instance.cohort = cohort
    students = rounds.students_of(cohort).count()
    if request.method == "POST" and form.is_valid():
        try:
            matching_round = rounds.round_open(form=form, user=request.user)
        except ValidationError as error:
            _refused(request, error)
            return redirect("cohort_detail", pk=pk)
        messages.success(
            request,
            _("The matching round for %(cohort)s is open. Its students and organisations have been e-mailed.")
            % {"cohort": cohort},
        )
        return redirect("round_detail", pk=matching_round.pk)
    return render(request, "students/round_form.html", {"form": form, "cohort": cohort, "students": students})


def round_edit(request, pk: int):
    matching_round = access.get_round_to_manage(request.user, pk)
    if matching_round.is_published:
        return _read_only(request, matching_round)
    form = RoundDatesForm(request.POST or None, instance=matching_round)
    if request.method == "POST" and form.is_valid():
        try:
            rounds.round_save(form=form)
        except ValidationError as error:
            _refused(request, error)
            return redirect("round_detail", pk=pk)
        messages.success(request, _("The round's dates have been saved."))
        return redirect("round_detail", pk=pk)
    return render(
        request,
        "students/round_form.html",
        {"form": form, "cohort": matching_round.cohort, "matching_round": matching_round},
    )


def _detail(request, matching_round, *, pairing_form=None, run_form=None):
    """The round's page for coordinators: who has ranked, the organisations' places, pins and ruled-out
    pairs, and the runs."""
    today = timezone.localdate()
    applicants = (
        rounds.with_ranked(matching_round.applicants.select_related("student__user"))
        .annotate(choice_count=Count("choices"))
        .order_by("student__user__full_name", "pk")
    )
    shown = request.GET.get("show")
    if shown in ("waiting", "ranked"):
        applicants = applicants.filter(has_ranked=shown == "ranked")
    page = paginate(request, applicants)
    now = timezone.now()
    may_rank = matching_round.students_may_rank(today)
    for applicant in page.object_list:
        applicant.may_remind = may_rank and not applicant.has_ranked and rounds.may_remind(applicant, now)
    participants = rounds.participants_of(matching_round)
    runs = list(matching_round.runs.select_related("made_by").order_by("-number"))
    context = {
        "matching_round": matching_round,
        "today": today,
        "phase": matching_round.phase(today),
        "progress": rounds.round_progress(matching_round),
        "page": page,
        "shown": shown,
        "participants": participants,
        "pairings": rounds.pairings_of(matching_round),
        "pairing_form": pairing_form or PairingForm(matching_round=matching_round),
        "run_form": run_form or RunForm(),
        "runs": runs,
        "compare_form": CompareForm(runs=runs, initial={"first": runs[0].number, "second": runs[1].number})
        if len(runs) > 1
        else None,
    }
    return render(request, "students/round_detail.html", context)


def round_detail(request, pk: int):
    return _detail(request, access.get_round_to_manage(request.user, pk))


@require_POST
def round_remind(request, pk: int, applicant: int):
    applicant = access.get_round_applicant_to_manage(request.user, pk, applicant)
    try:
        rounds.applicant_remind(applicant=applicant, today=timezone.localdate())
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("%(name)s has been reminded by e-mail.") % {"name": applicant.student})
    # Back to the same list and page the coordinator reminded from.
    kept = QueryDict(mutable=True)
    if request.POST.get("show") in ("waiting", "ranked"):
        kept["show"] = request.POST["show"]
    if request.POST.get("page", "").isdecimal():
        kept["page"] = request.POST["page"]
    query = f"?{kept.urlencode()}" if kept else ""
    return redirect(reverse("round_detail", kwargs={"pk": pk}) + query + "#students")


@require_POST
def pairing_add(request, pk: int):
    matching_round = access.get_round_to_manage(request.user, pk)
    form = PairingForm(request.POST, matching_round=matching_round)
    if form.is_valid():
        try:
            pairing = rounds.pairing_add(
                applicant=form.cleaned_data["applicant"],
                participant=form.cleaned_data["participant"],
                kind=PairingKind(form.cleaned_data["kind"]),
                user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved: %(pairing)s. It counts from the next run.") % {"pairing": pairing})
            return redirect(reverse("round_detail", kwargs={"pk": pk}) + "#pairings")
    return _detail(request, matching_round, pairing_form=form)


def pairing_remove(request, pk: int, pairing: int):
    pairing = access.get_pairing_to_manage(request.user, pk, pairing)
    if pairing.participant.round.is_published:
        return _read_only(request, pairing.participant.round)
    back = reverse("round_detail", kwargs={"pk": pk}) + "#pairings"
    if request.method == "POST":
        try:
            rounds.pairing_remove(pairing=pairing)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Removed: %(pairing)s.") % {"pairing": pairing})
        return redirect(back)
    context = {
        "title": _("Remove a decision"),
        "question": _("Remove “%(pairing)s”?") % {"pairing": pairing},
        "consequence": _("The next run of the match will not take it into account."),
        "confirm_label": _("Remove"),
        "back_url": back,
    }
    return render(request, "_confirm.html", context)


def round_import(request, pk: int):
    matching_round = access.get_round_to_manage(request.user, pk)
    if matching_round.is_published:
        return _read_only(request, matching_round)
    form = PreferencesImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        raw = form.cleaned_data["file"].read(imports.MAX_BYTES + 1)
        try:
            result = round_imports.preferences_import(matching_round=matching_round, raw=raw)
        except imports.ImportFileError as error:
            form.add_error("file", str(error))
        except ValidationError as error:
            _refused(request, error)
            return redirect("round_detail", pk=pk)
        if result and not result.errors:
            messages.success(
                request,
                _("The rankings of %(students)s students have been imported (%(choices)s choices).")
                % {"students": result.students, "choices": result.choices},
            )
            return redirect("round_detail", pk=pk)
    context = {"matching_round": matching_round, "form": form, "result": result}
    return render(request, "students/round_import.html", context)


def round_import_template(request, pk: int):
    access.get_round_to_manage(request.user, pk)
    response = HttpResponse(round_imports.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="rankings.csv"'
    return response


# Runs


def run_make(request, pk: int):
    matching_round = access.get_round_to_manage(request.user, pk)
    if request.method != "POST":
        return redirect("round_detail", pk=pk)
    form = RunForm(request.POST)
    if form.is_valid():
        try:
            run = rounds.run_make(matching_round=matching_round, user=request.user, seed=form.cleaned_data["seed"])
        except ValidationError as error:
            _refused(request, error)
            return redirect("round_detail", pk=pk)
        messages.success(request, _("Run %(number)s is done.") % {"number": run.number})
        return redirect(run)
    return _detail(request, matching_round, run_form=form)


def run_detail(request, pk: int, number: int):
    """A run's figures and every student's result with its explanation, a page at a time; ``?unmatched=1``
    lists the unmatched students with the organisations that still have room."""
    run = access.get_run_for(request.user, pk, number)
    kept = rounds.KeptRun(run)
    unmatched_only = request.GET.get("unmatched") == "1"
    listed = rounds.students_by_name(run.figures["unmatched"] if unmatched_only else kept.placed)
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "run": run,
        "matching_round": run.round,
        "page": page,
        "rows": kept.rows(page.object_list),
        "unmatched_only": unmatched_only,
        "by_choice": kept.by_choice(),
        "unused": kept.unused(),
        "blocking": kept.blocking(),
        "is_published_run": run.round.published_run_id == run.pk,
        "may_publish": run.round.may_publish(timezone.localdate()),
    }
    return render(request, "students/run_detail.html", context)


def run_publish(request, pk: int, number: int):
    run = access.get_run_for(request.user, pk, number)
    if run.round.is_published:
        return _read_only(request, run.round)
    if request.method == "POST":
        try:
            published = rounds.run_publish(run=run, user=request.user)
        except ValidationError as error:
            _refused(request, error)
            return redirect(run)
        messages.success(
            request,
            ngettext(
                "Run %(number)s is published: %(count)s placement has been created and everyone has been e-mailed.",
                "Run %(number)s is published: %(count)s placements have been created and everyone has been e-mailed.",
                len(published.placements),
            )
            % {"number": run.number, "count": len(published.placements)},
        )
        for student in published.placed_already:
            messages.warning(
                request,
                _("%(name)s already had a placement in this cohort, so none was created from the match.")
                % {"name": student},
            )
        return redirect("round_detail", pk=pk)
    consequences = []
    if run.round.organisations_may_rank(timezone.localdate()):
        consequences.append(
            _("Organisations can still rank their students until %(date)s; publishing now closes their ranking.")
            % {"date": formats.date_format(run.round.organisations_until)}
        )
    if not rounds.run_is_current(run):
        consequences.append(
            _(
                "Rankings, places or decisions have changed since this run was made, and it does not hold those "
                "changes. Run the match again to publish them."
            )
        )
    consequences.append(_("The round cannot be changed or run again afterwards."))
    context = {
        "title": _("Publish run %(number)s") % {"number": run.number},
        "question": _(
            "Publish run %(number)s? Its %(count)s placements are created and every student and organisation is "
            "told their result."
        )
        % {"number": run.number, "count": run.figures["placed"]},
        "consequence": " ".join(consequences),
        "confirm_label": _("Publish"),
        "back_url": run.get_absolute_url(),
    }
    return render(request, "_confirm.html", context)


def run_compare(request, pk: int):
    """Two runs side by side: their figures, and the students whose result differs, a page at a time."""
    matching_round = access.get_round_to_manage(request.user, pk)
    runs = list(matching_round.runs.order_by("-number"))
    form = CompareForm(request.GET or None, runs=runs)
    context = {"matching_round": matching_round, "form": form}
    if form.is_valid():
        by_number = {run.number: run for run in runs}
        first = rounds.KeptRun(by_number[form.cleaned_data["first"]])
        second = rounds.KeptRun(by_number[form.cleaned_data["second"]])
        differ = rounds.runs_differ(first, second)
        page = Paginator(differ, PAGE_SIZE).get_page(request.GET.get("page"))
        names = first.names | second.names
        context |= {
            "first": first.run,
            "second": second.run,
            "differ": len(differ),
            "page": page,
            "figures": [_figures_row(first.run), _figures_row(second.run)],
            "choices": sorted({int(c) for run in (first.run, second.run) for c in run.figures["by_choice"]}),
            "rows": [
                (student, names.get(first.placed.get(student.pk)), names.get(second.placed.get(student.pk)))
                for student in rounds.students_listed(page.object_list)
            ],
        }
    return render(request, "students/run_compare.html", context)


def _figures_row(run: MatchRun) -> dict:
    return {
        "run": run,
        "by_choice": {int(choice): count for choice, count in run.figures["by_choice"].items()},
        "unmatched": len(run.figures["unmatched"]),
        "unused": sum(run.figures["unused"].values()),
        "blocking": len(run.figures["blocking"]),
    }


# Students


def round_ranking(request, pk: int):
    """A student's ranking of the round's organisations, saved with every button; after publication, their
    result and why."""
    applicant = access.get_applicant_for(request.user, pk)
    matching_round = applicant.round
    today = timezone.localdate()
    participants = list(matching_round.participants.select_related("organisation"))
    saved = list(applicant.choices.order_by("rank").values_list("participant_id", "motivation"))
    may_rank = matching_round.students_may_rank(today)
    form = RankingForm(
        request.POST if request.method == "POST" else None,
        participants=participants,
        initial={f"motivation_{participant}": motivation for participant, motivation in saved},
    )
    if request.method == "POST" and not may_rank:
        raise PermissionDenied  # 403: their own ranking, shown, but closed
    if request.method == "POST" and form.is_valid():
        try:
            rounds.ranking_save(applicant=applicant, choices=form.choices(), today=today)
        except ValidationError as error:
            _refused(request, error)
            return redirect("round_ranking", pk=pk)
        moved = form.cleaned_data["moved"]
        # Each answer names where the page continues: a redirect without a fragment would keep the one in the
        # address (a card moved earlier), and the browser would scroll there instead.
        if moved is not None:
            return redirect(reverse("round_ranking", kwargs={"pk": pk}) + f"#choice-{moved}")
        if form.cleaned_data["action"][0] == "remove":
            return redirect(reverse("round_ranking", kwargs={"pk": pk}) + "#choices")
        messages.success(
            request,
            _("Your ranking has been saved. You can change it until %(date)s.")
            % {"date": formats.date_format(matching_round.students_until)},
        )
        return redirect(reverse("round_ranking", kwargs={"pk": pk}) + "#messages")
    rows = form.rows([participant for participant, _motivation in saved])
    ranked = {participant.pk for participant, _field in rows}
    context = {
        "matching_round": matching_round,
        "applicant": applicant,
        "form": form,
        "rows": rows,
        "others": [participant for participant in participants if participant.pk not in ranked],
        "may_rank": may_rank,
        "today": today,
        "phase": matching_round.phase(today),
    }
    if matching_round.is_published:
        context["result"] = rounds.KeptRun(matching_round.published_run).result_of(applicant.student_id)
    return render(request, "students/round_ranking.html", context)


# Organisations


def round_organisation(request, pk: int, organisation: int):
    """An organisation's part in a round: its places and what a student would do, and where it stands."""
    participant = access.get_participant_for(request.user, pk, organisation)
    matching_round = participant.round
    today = timezone.localdate()
    is_coordinator = access.has_role(request.user, Role.COORDINATOR)
    may_change = rounds.may_change_places(matching_round, by_coordinator=is_coordinator, today=today)
    form = ParticipantForm(request.POST or None, instance=participant) if may_change else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied  # 403: theirs to see, no longer theirs to change
        if form.is_valid():
            try:
                rounds.participant_save(form=form, by_coordinator=is_coordinator, today=today)
            except ValidationError as error:
                _refused(request, error)
                return redirect("round_organisation", pk=pk, organisation=organisation)
            messages.success(request, _("Your places and the description have been saved."))
            return redirect("round_organisation", pk=pk, organisation=organisation)
    context = {
        "matching_round": matching_round,
        "participant": participant,
        "form": form,
        "today": today,
        "phase": matching_round.phase(today),
        "applicants_shown": matching_round.applicants_shown(today),
        "may_rank": matching_round.organisations_may_rank(today),
        "applicant_count": participant.choices.count(),
        "is_coordinator": is_coordinator,
    }
    return render(request, "students/round_organisation.html", context)


def round_applicants(request, pk: int, organisation: int):
    """The students who ranked an organisation, once the students' last day has passed: the organisation ranks
    them, or marks one as not suitable; after publication, whom it got and, for the others it ranked, why not."""
    participant = access.get_participant_for(request.user, pk, organisation)
    matching_round = participant.round
    today = timezone.localdate()
    applicants = list(access.applicants_shown_to(request.user, participant, today))
    marks = {mark.applicant_id: mark for mark in participant.rankings.all()}
    initial = {}
    for applicant in applicants:
        mark = marks.get(applicant.pk)
        if mark:
            initial[f"rank_{applicant.pk}"] = mark.rank
            initial[f"not_suitable_{applicant.pk}"] = mark.not_suitable
    may_rank = matching_round.organisations_may_rank(today)
    form = ApplicantRankForm(request.POST or None, applicants=applicants, initial=initial)
    if request.method == "POST":
        if not may_rank:
            raise PermissionDenied  # 403: the organisation sees the page, but ranking is closed
        if form.is_valid():
            try:
                rounds.applicants_rank(participant=participant, marks=form.marks(), today=today)
            except ValidationError as error:
                _refused(request, error)
                return redirect("round_applicants", pk=pk, organisation=organisation)
            messages.success(request, _("Your ranking of the students has been saved."))
            return redirect("round_applicants", pk=pk, organisation=organisation)
    context = {
        "matching_round": matching_round,
        "participant": participant,
        "form": form,
        "applicants": applicants,
        "applicants_shown": matching_round.applicants_shown(today),
        "may_rank": may_rank,
        "today": today,
        "phase": matching_round.phase(today),
    }
    if matching_round.is_published:
        kept = rounds.KeptRun(matching_round.published_run)
        context["got"], context["not_got"] = kept.organisation_result(participant.organisation_id)
    return render(request, "students/round_applicants.html", context)
