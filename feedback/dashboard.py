"""The coordinator's dashboard: one row per placement with what needs attention, figures and chart data, and
the same rows as CSV.

Rows are read as plain values with their flags decided by the database (``flags.with_flags``), from the
placement and its PlacementStatus; every other query is grouped or aggregated, so the number of queries does
not grow with the cohort.
"""

from __future__ import annotations

import csv
import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from django import forms
from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback import flags
from feedback.models import Message
from innopraksis.lists import ListFilterForm
from innopraksis.spreadsheet import SafeWriter
from students.models import AgreementState, CachedFigures, Cohort, Placement, PlacementState

# Sort keys in the URL (``?sort=workload`` or ``?sort=-workload``) and what they order by.
SORTS = {
    "flags": ("flag_count", "student__user__full_name"),
    "student": ("student__user__full_name",),
    "organisation": ("organisation__name", "student__user__full_name"),
    "state": ("state", "student__user__full_name"),
    "agreement": ("agreement__state", "student__user__full_name"),
    "onboarding": ("status__onboarding_done", "student__user__full_name"),
    "checkin": ("status__latest_answer_due", "student__user__full_name"),
    "workload": ("status__latest_workload", "student__user__full_name"),
    "resource": ("status__latest_resource", "student__user__full_name"),
    "followup": ("status__last_followup", "student__user__full_name"),
}
DEFAULT_SORT = "-flags"


class DashboardFilterForm(ListFilterForm):
    flag = forms.ChoiceField(
        label=gettext_lazy("Flag"),
        choices=[("", gettext_lazy("All placements")), *flags.FlagKind.choices],
        required=False,
    )
    organisation = forms.TypedChoiceField(
        label=gettext_lazy("Organisation"), coerce=int, required=False, empty_value=None
    )
    state = forms.ChoiceField(
        label=gettext_lazy("State"), choices=[("", gettext_lazy("All states")), *PlacementState.choices], required=False
    )
    internship_course = forms.ChoiceField(label=gettext_lazy("Internship course"), choices=[], required=False)
    sort = forms.ChoiceField(
        choices=[(key, key) for name in SORTS for key in (name, f"-{name}")], required=False, widget=forms.HiddenInput
    )

    search_fields = ("student__user__full_name", "student__user__email", "organisation__name")
    filter_lookups = {
        "organisation": "organisation",
        "state": "state",
        "internship_course": "student__internship_course__iexact",
    }

    def __init__(
        self, *args, organisations: list[tuple[int, str]], courses: list[str], view: flags.Viewpoint, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.view = view
        self.fields["organisation"].choices = [("", gettext_lazy("All organisations")), *organisations]
        self.fields["internship_course"].choices = [
            ("", gettext_lazy("All courses")),
            *((code, code) for code in courses),
        ]

    def filter(self, queryset: QuerySet) -> QuerySet:
        """The placements the filters choose; a flag is decided by its condition (``flags.condition``)."""
        queryset = super().filter(queryset)
        flag = self.cleaned_data.get("flag") if hasattr(self, "cleaned_data") else ""
        if flag:
            queryset = queryset.with_agreement_due().filter(flags.condition(flags.FlagKind(flag), self.view))
        return queryset

    @property
    def sort_key(self) -> str:
        data = getattr(self, "cleaned_data", {})
        return data.get("sort") or DEFAULT_SORT


# What a row shows, read as plain values.
ROW_VALUES = (
    *flags.READS,
    "student__user__full_name",
    "student__user__email",
    "organisation_id",
    "organisation__name",
    "organisation_is_returning",
    "cohort__name",
    "state",
    "agreement__state",
    "status__onboarding_done",
    "status__onboarding_total",
    "status__open_item_due",
    "onboarding_overdue",
    "status__latest_answer_due",
    "status__latest_workload",
    "status__latest_resource",
    "status__last_followup",
)


def ordered(placements: QuerySet[Placement], filter_form: DashboardFilterForm) -> QuerySet:
    """The filtered placements in the chosen order, joining only what filtering and sorting read. (Count them
    with ``filter_form.filter(placements).count()``.)"""
    chosen = filter_form.filter(placements)
    key = filter_form.sort_key.lstrip("-")
    if key == "flags":
        chosen = chosen.with_agreement_due().alias(flag_count=flags.count(filter_form.view))
    fields = SORTS[key]
    first = (
        F(fields[0]).desc(nulls_last=True)
        if filter_form.sort_key.startswith("-")
        else F(fields[0]).asc(nulls_last=True)
    )
    return chosen.order_by(first, *fields[1:], "pk")


def _values(placements: QuerySet[Placement], view: flags.Viewpoint) -> QuerySet:
    """Each placement as the values its row shows, with its flags."""
    return (
        flags.with_flags(placements, view)
        .with_organisation_returning()
        .with_onboarding_overdue(view.today)
        .values(*ROW_VALUES)
    )


def rows(placements: QuerySet[Placement], ids: list[int], view: flags.Viewpoint) -> list[dict]:
    """The placements with these ids (a page of ``ordered``), in this order, each as the values its row shows,
    with its flags as ``view`` sees them and its supervisors' names: two queries."""
    by_id = {row["pk"]: row for row in _values(placements.filter(pk__in=ids).order_by(), view)}
    return _shown([by_id[pk] for pk in ids if pk in by_id], view, urls=True)


def _shown(rows: list[dict], view: flags.Viewpoint, *, urls: bool) -> list[dict]:
    names = supervisor_names([row["pk"] for row in rows])
    agreement_states = {state: str(label) for state, label in AgreementState.choices}
    for row in rows:
        row["flags"] = flags.flags_of(row, view, urls=urls)
        row["supervisors"] = names.get(row["pk"], "")
        row["agreement_state_label"] = agreement_states.get(row["agreement__state"], "")
    return rows


def supervisor_names(ids: list[int]) -> dict[int, str]:
    """The names of the supervisors of each of these placements, as text: one query."""
    through = Placement.supervisors.through
    names: dict[int, list[str]] = defaultdict(list)
    listed = through.objects.filter(placement_id__in=ids).order_by("user__full_name", "user__email")
    for placement_id, full_name, email in listed.values_list("placement_id", "user__full_name", "user__email"):
        names[placement_id].append(full_name or email)
    return {pk: ", ".join(found) for pk, found in names.items()}


@dataclass
class Completion:
    """The agreements (of placements not cancelled) against their deadline."""

    on_time: int = 0
    late: int = 0
    after_start: int = 0
    overdue: int = 0
    not_due: int = 0

    def bars(self) -> list[tuple[str, int]]:
        return [
            (_("Approved by the deadline"), self.on_time),
            (_("Approved after the deadline, before the start"), self.late),
            (_("Approved after the start"), self.after_start),
            (_("Not approved, past the deadline"), self.overdue),
            (_("Not approved, deadline still ahead"), self.not_due),
        ]


@dataclass
class Figures:
    total: int
    by_state: list[tuple[str, int]]  # (state, number); labelled when shown, in the reader's language
    approved_before_start: int
    started: int
    resource_high: int
    resource_answered: int
    workload_spread: list[tuple[int, int]]
    overdue_agreements: int
    overdue_checkins: int  # placements with a check-in overdue
    overdue_onboarding: int  # placements with an onboarding item overdue
    completion: Completion

    @property
    def by_state_labelled(self) -> list[tuple[str, int]]:
        return [(PlacementState(state).label, count) for state, count in self.by_state]

    @property
    def resource_share(self) -> int | None:
        if not self.resource_answered:
            return None
        return round(100 * self.resource_high / self.resource_answered)


def figures(placements: QuerySet[Placement], *, today: datetime.date) -> Figures:
    """The placements at a glance, from their status, agreements and flags: one query whatever their number.
    Cancelled placements count only in "by state"."""
    view = flags.Viewpoint(today)
    live = ~Q(state=PlacementState.CANCELLED)
    approved = Q(approved_on__isnull=False)
    totals = (
        placements.with_agreement_due()
        .with_onboarding_overdue(today)
        .annotate(approved_on=TruncDate("agreement__approved_at"))
        .order_by()
        .aggregate(
            total=Count("pk", filter=live),
            started=Count("pk", filter=live & Q(starts_on__lte=today)),
            approved_before_start=Count("pk", filter=live & Q(approved_on__lte=F("starts_on"))),
            resource_high=Count("pk", filter=live & Q(status__latest_resource__gte=4)),
            resource_answered=Count("pk", filter=live & Q(status__latest_resource__isnull=False)),
            overdue_agreements=Count("pk", filter=live & flags.condition(flags.FlagKind.AGREEMENT_OVERDUE, view)),
            overdue_checkins=Count("pk", filter=live & flags.condition(flags.FlagKind.CHECKIN_OVERDUE, view)),
            overdue_onboarding=Count("pk", filter=live & Q(onboarding_overdue=True)),
            on_time=Count("pk", filter=live & approved & Q(approved_on__lte=F("agreement_due"))),
            late=Count(
                "pk", filter=live & approved & Q(approved_on__gt=F("agreement_due"), approved_on__lte=F("starts_on"))
            ),
            after_start=Count("pk", filter=live & approved & Q(approved_on__gt=F("starts_on"))),
            overdue=Count("pk", filter=live & ~approved & Q(agreement_due__lt=today)),
            not_due=Count("pk", filter=live & ~approved & Q(agreement_due__gte=today)),
            **{
                f"workload_{value}": Count("pk", filter=live & Q(status__latest_workload=value))
                for value in range(1, 6)
            },
            **{f"state_{state}": Count("pk", filter=Q(state=state)) for state in PlacementState.values},
        )
    )
    return Figures(
        total=totals["total"],
        by_state=[(state, totals[f"state_{state}"]) for state in PlacementState.values if totals[f"state_{state}"]],
        approved_before_start=totals["approved_before_start"],
        started=totals["started"],
        resource_high=totals["resource_high"],
        resource_answered=totals["resource_answered"],
        workload_spread=[(value, totals[f"workload_{value}"]) for value in range(1, 6)],
        overdue_agreements=totals["overdue_agreements"],
        overdue_checkins=totals["overdue_checkins"],
        overdue_onboarding=totals["overdue_onboarding"],
        completion=Completion(
            **{name: totals[name] for name in ("on_time", "late", "after_start", "overdue", "not_due")}
        ),
    )


@dataclass
class Week:
    number: int
    answers: int
    workload: float
    resource: float


def weekly_answers(placements: QuerySet[Placement]) -> list[Week]:
    """The students' average workload and resource answers per week of their internship; one query."""
    grouped = (
        placements.filter(checkins__student_answered_at__isnull=False)
        .order_by()
        .values("checkins__due_on", "starts_on")
        .annotate(answers=Count("checkins"), workload=Sum("checkins__workload"), resource=Sum("checkins__resource"))
    )
    weeks: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in grouped:
        number = (row["checkins__due_on"] - row["starts_on"]).days // 7 + 1
        totals = weeks[number]
        totals[0] += row["answers"]
        totals[1] += row["workload"] or 0
        totals[2] += row["resource"] or 0
    return [
        Week(number, answers, round(workload / answers, 1), round(resource / answers, 1))
        for number, (answers, workload, resource) in sorted(weeks.items())
    ]


@dataclass
class Summary:
    """What the dashboard shows about its whole scope rather than one page: figures, chart data and the
    filter's choices, in three queries."""

    figures: Figures
    weeks: list[Week]
    organisations: list[tuple[int, str]]
    courses: list[str]


def summary(placements: QuerySet[Placement], *, today: datetime.date, cohort: Cohort | None = None) -> Summary:
    """The summary of these placements; for a whole ``cohort`` (placements is all of them), its figures and
    chart data as cached (``cohort_figures``)."""
    choices = placements.order_by().values_list("organisation_id", "organisation__name", "student__internship_course")
    organisations, courses = {}, set()
    for pk, name, course in choices.distinct():
        organisations[pk] = name
        if course:
            courses.add(course)
    if cohort is None or not settings.CACHE_DASHBOARD_FIGURES:
        computed, weeks = figures(placements, today=today), weekly_answers(placements)
    else:
        computed, weeks = cohort_figures(cohort, placements, today=today)
    return Summary(
        figures=computed,
        weeks=weeks,
        organisations=sorted(organisations.items(), key=lambda item: (item[1].casefold(), item[0])),
        courses=sorted(courses),
    )


def cohort_figures(cohort: Cohort, placements: QuerySet[Placement], *, today: datetime.date):
    """The figures and weeks of a cohort's ``placements``: as cached today (one query), else computed and cached
    unless the services cleared them meanwhile (``CachedFigures``)."""
    cached, _created = CachedFigures.objects.get_or_create(cohort=cohort)
    if cached.computed_on == today and cached.figures is not None:
        return _figures_from(cached.figures["figures"]), [Week(**week) for week in cached.figures["weeks"]]
    computed, weeks = figures(placements, today=today), weekly_answers(placements)
    stored = {"figures": asdict(computed), "weeks": [asdict(week) for week in weeks]}
    CachedFigures.objects.filter(cohort=cohort, version=cached.version).update(figures=stored, computed_on=today)
    return computed, weeks


def _figures_from(stored: dict) -> Figures:
    return Figures(
        **{
            **stored,
            "by_state": [tuple(pair) for pair in stored["by_state"]],
            "workload_spread": [tuple(pair) for pair in stored["workload_spread"]],
            "completion": Completion(**stored["completion"]),
        }
    )


# The CSV export


CSV_HEADER = [
    gettext_lazy("Student"),
    gettext_lazy("E-mail address"),
    gettext_lazy("Organisation"),
    gettext_lazy("Returning organisation"),
    gettext_lazy("Supervisors"),
    gettext_lazy("Cohort"),
    gettext_lazy("State"),
    gettext_lazy("Agreement"),
    gettext_lazy("Agreement due"),
    gettext_lazy("Onboarding done"),
    gettext_lazy("Onboarding items"),
    gettext_lazy("Onboarding overdue since"),
    gettext_lazy("Last check-in"),
    gettext_lazy("Workload"),
    gettext_lazy("Resource"),
    gettext_lazy("Last follow-up"),
    gettext_lazy("Needs attention"),
]

# Rows are read and written this many at a time, so that memory stays flat whatever the number of rows.
CHUNK = 500


class _Line:
    """A file-like sink for csv.writer that hands back each line it is given."""

    def write(self, line: str) -> str:
        return line


def _date(day: datetime.date | None) -> str:
    """A date as Excel in Norway reads it, whatever the reader's language."""
    return f"{day:%d.%m.%Y}" if day else ""


def csv_lines(placements: QuerySet[Placement], view: flags.Viewpoint, *, with_notes: bool) -> Iterator[str]:
    """These placements (the dashboard's ``ordered``, every page) as semicolon-separated CSV lines, BOM first,
    as Excel in Norway reads them; read from one query and written CHUNK rows at a time, so that memory stays
    flat. The students' messages to the coordinators only ``with_notes``."""
    writer = SafeWriter(csv.writer(_Line(), delimiter=";"))
    yield "\ufeff" + writer.writerow(
        [str(title) for title in CSV_HEADER] + ([_("Messages to the coordinator")] if with_notes else [])
    )
    chunk: list[dict] = []
    for row in _values(placements, view).iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield "".join(_csv_chunk(writer, _shown(chunk, view, urls=False), with_notes=with_notes))
            chunk = []
    if chunk:
        yield "".join(_csv_chunk(writer, _shown(chunk, view, urls=False), with_notes=with_notes))


def _notes(ids: list[int]) -> dict[int, list[str]]:
    """The students' messages to the coordinators on these placements, dated: one query."""
    notes: dict[int, list[str]] = defaultdict(list)
    rows = (
        Message.objects.filter(placement__in=ids, from_student=True)
        .order_by("written_at", "pk")
        .values_list("placement", "written_at", "text")
    )
    for placement, written_at, text in rows:
        notes[placement].append(f"{_date(timezone.localdate(written_at))}: {text}")
    return notes


def _csv_chunk(writer, chunk: list[dict], *, with_notes: bool) -> Iterator[str]:
    notes = _notes([row["pk"] for row in chunk]) if with_notes else {}
    returning = {True: _("Yes"), False: _("No")}
    states = {state: str(label) for state, label in PlacementState.choices}
    not_opened = _("Not opened yet")
    for row in chunk:
        line = [
            row["student__user__full_name"] or row["student__user__email"],
            row["student__user__email"],
            row["organisation__name"],
            returning[row["organisation_is_returning"]],
            row["supervisors"],
            row["cohort__name"],
            states[row["state"]],
            row["agreement_state_label"] or not_opened,
            _date(row["agreement_due"]),
            row["status__onboarding_done"] or 0,
            row["status__onboarding_total"] or 0,
            _date(row["status__open_item_due"]) if row["onboarding_overdue"] else "",
            _date(row["status__latest_answer_due"]),
            row["status__latest_workload"] or "",
            row["status__latest_resource"] or "",
            _date(row["status__last_followup"]),
            " | ".join(flag.reason for flag in row["flags"]),
        ]
        if with_notes:
            line.append(" | ".join(notes.get(row["pk"], [])))
        yield writer.writerow(line)
