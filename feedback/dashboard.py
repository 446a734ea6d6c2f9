"""The coordinator's dashboard: one row per placement with what needs attention, figures and chart data.

Every query here is paged, grouped or aggregated in the database, so the
number of queries and the rows fetched do not grow with the cohort.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache, partial

from django import forms
from django.core.cache import cache
from django.db.models import Aggregate, Count, F, OuterRef, Q, QuerySet, Subquery, Sum, TextField, Value
from django.db.models.functions import Coalesce, NullIf, TruncDate
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from feedback import flags
from feedback.models import CheckIn, CoordinatorNote, overdue_in
from innopraksis.lists import ListFilterForm
from students.models import AgreementState, OnboardingItem, Placement, PlacementState, is_agreement_overdue

# Sort keys in the URL (``?sort=workload`` or ``?sort=-workload``) and what they order by.
SORTS = {
    "flags": ("flag_total", "student__user__full_name"),
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
        label=_("Flag"), choices=[("", _("All placements")), *flags.FlagKind.choices], required=False
    )
    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int, required=False, empty_value=None)
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("All states")), *PlacementState.choices], required=False
    )
    internship_course = forms.ChoiceField(label=_("Internship course"), choices=[], required=False)
    sort = forms.ChoiceField(
        choices=[(key, key) for name in SORTS for key in (name, f"-{name}")], required=False, widget=forms.HiddenInput
    )

    search_fields = ("student__user__full_name", "student__user__email", "organisation__name")
    filter_lookups = {
        "organisation": "organisation",
        "state": "state",
        "internship_course": "student__internship_course__iexact",
    }

    def __init__(self, *args, organisations: list[tuple[int, str]], courses: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", _("All organisations")), *organisations]
        self.fields["internship_course"].choices = [("", _("All courses")), *((code, code) for code in courses)]

    def filter(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter(queryset)
        flag = self.cleaned_data.get("flag") if hasattr(self, "cleaned_data") else ""
        if flag:
            queryset = queryset.filter(**{f"flag_is_{flag}": True})
        return queryset

    @property
    def sort_key(self) -> str:
        data = getattr(self, "cleaned_data", {})
        return data.get("sort") or DEFAULT_SORT


def ordered(queryset: QuerySet, sort: str) -> QuerySet:
    descending = sort.startswith("-")
    fields = SORTS[sort.lstrip("-")]
    first = F(fields[0]).desc(nulls_last=True) if descending else F(fields[0]).asc(nulls_last=True)
    return queryset.order_by(first, *fields[1:], "pk")


def shown(placements: QuerySet[Placement]) -> QuerySet[Placement]:
    """What a row shows: placement, people, agreement, status (with what is overdue), and by subquery
    (run only for the rows fetched) whether the organisation returns. Call ``prepare`` on each row."""
    return placements.for_lists("status").with_organisation_returning()


def rows(placements: QuerySet[Placement], *, today: datetime.date, deadlines=None) -> QuerySet[Placement]:
    """``shown`` with the flag columns, to filter and sort by: one query for any number of rows."""
    return flags.with_flag_columns(shown(placements), today=today, deadlines=deadlines)


def supervisor_names(ids: list[int]) -> dict[int, str]:
    """The names of the supervisors of each of these placements, as text: one query, no user objects."""
    through = Placement.supervisors.through
    names: dict[int, list[str]] = defaultdict(list)
    rows = through.objects.filter(placement_id__in=ids).order_by("user__full_name", "user__email")
    for placement_id, full_name, email in rows.values_list("placement_id", "user__full_name", "user__email"):
        names[placement_id].append(full_name or email)
    return {pk: ", ".join(found) for pk, found in names.items()}


def prepare(placement: Placement, *, today: datetime.date, names: dict[int, str], urls: bool = True) -> Placement:
    """A row of ``rows`` made ready to show: flag inputs and onboarding progress from its status, flags
    (without links when ``urls`` is false), supervisors from ``supervisor_names``."""
    flags.from_status(placement, today)
    status = flags.status_of(placement)
    placement.onboarding_done, placement.onboarding_total = status.onboarding_done, status.onboarding_total
    placement.onboarding_overdue = status.overdue_items(today)
    placement.flags = flags.flags_for(placement, today=today, urls=urls)
    placement.supervisor_names = names.get(placement.pk, "")
    return placement


def order(placements: QuerySet[Placement], form: DashboardFilterForm, *, key: str, today: datetime.date, deadlines):
    """The ids of the filtered placements in the chosen order, kept like the summary: filtering and sorting
    a whole cohort by its flags is done once per change of its data, then each page reads 25 rows by id."""
    form.is_valid()
    chosen = sorted((name, str(value)) for name, value in getattr(form, "cleaned_data", {}).items() if value)
    digest = hashlib.sha256(repr((chosen, form.sort_key)).encode()).hexdigest()[:32]

    def compute() -> list[int]:
        table = ordered(form.filter(rows(placements, today=today, deadlines=deadlines)), form.sort_key)
        return list(table.values_list("pk", flat=True))

    return cache.get_or_set(f"dashboard-order:{key}:{today.isoformat()}:{digest}", compute, SUMMARY_SECONDS)


def page_rows(placements: QuerySet[Placement], ids: list[int], *, today: datetime.date) -> list[Placement]:
    """The placements with these ids, in this order, ready to show (``prepare``): one query and the supervisors'."""
    found = {placement.pk: placement for placement in shown(placements.filter(pk__in=ids).order_by())}
    names = supervisor_names(list(found))
    return [prepare(found[pk], today=today, names=names) for pk in ids if pk in found]


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
    overdue_checkins: int
    overdue_onboarding: int

    @property
    def by_state_labelled(self) -> list[tuple[str, int]]:
        return [(PlacementState(state).label, count) for state, count in self.by_state]

    @property
    def resource_share(self) -> int | None:
        if not self.resource_answered:
            return None
        return round(100 * self.resource_high / self.resource_answered)


def figures(placements: QuerySet[Placement], *, today: datetime.date, deadlines=None) -> Figures:
    """The placements at a glance, in one query whatever their number."""
    overdue_checkins = (
        CheckIn.objects.filter(placement=OuterRef("pk"), due_on__lt=today)
        .filter(Q(student_answered_at__isnull=True) | Q(supervisor_answered_at__isnull=True))
        .order_by()
        .values("placement")
        .annotate(n=Count("pk"))
        .values("n")
    )
    overdue_items = (
        OnboardingItem.objects.filter(placement=OuterRef("pk"), done_at__isnull=True, due_on__lt=today)
        .order_by()
        .values("placement")
        .annotate(n=Count("pk"))
        .values("n")
    )
    is_live = ~Q(state=PlacementState.CANCELLED)
    # Only the columns the figures need; the cancelled placements count only in "by state".
    totals = (
        flags.with_flag_columns(placements, today=today, deadlines=deadlines)
        .annotate(approved_on=TruncDate("agreement__approved_at"))
        .order_by()
        .aggregate(
            total=Count("pk", filter=is_live),
            started=Count("pk", filter=is_live & Q(starts_on__lte=today)),
            approved_before_start=Count("pk", filter=is_live & Q(approved_on__lte=F("starts_on"))),
            resource_high=Count("pk", filter=is_live & Q(status__latest_resource__gte=4)),
            resource_answered=Count("pk", filter=is_live & Q(status__latest_resource__isnull=False)),
            overdue_agreements=Count("pk", filter=is_live & Q(flag_is_agreement=True)),
            overdue_checkins=Sum(
                Subquery(overdue_checkins), filter=is_live & Q(state=PlacementState.ACTIVE), default=0
            ),
            overdue_onboarding=Sum(Subquery(overdue_items), filter=is_live, default=0),
            **{
                f"workload_{value}": Count("pk", filter=is_live & Q(status__latest_workload=value))
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
        CheckIn.objects.filter(placement__in=placements.order_by().values("pk"), student_answered_at__isnull=False)
        .values("due_on", "placement__starts_on")
        .annotate(answers=Count("pk"), workload=Sum("workload"), resource=Sum("resource"))
        .order_by()
    )
    weeks: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in grouped:
        number = (row["due_on"] - row["placement__starts_on"]).days // 7 + 1
        totals = weeks[number]
        totals[0] += row["answers"]
        totals[1] += row["workload"] or 0
        totals[2] += row["resource"] or 0
    return [
        Week(number, answers, round(workload / answers, 1), round(resource / answers, 1))
        for number, (answers, workload, resource) in sorted(weeks.items())
    ]


@dataclass
class Completion:
    on_time: int = 0
    late: int = 0
    after_start: int = 0
    overdue: int = 0
    not_due: int = 0

    def bars(self) -> list[tuple[str, int]]:
        return [
            (str(_("Approved by the deadline")), self.on_time),
            (str(_("Approved after the deadline, before the start")), self.late),
            (str(_("Approved after the start")), self.after_start),
            (str(_("Not approved, past the deadline")), self.overdue),
            (str(_("Not approved, deadline still ahead")), self.not_due),
        ]


def agreement_completion(placements: QuerySet[Placement], *, today: datetime.date) -> Completion:
    """Agreements approved against their deadline; one query, grouped by start date and approval day."""
    grouped = (
        placements.exclude(state=PlacementState.CANCELLED)
        .order_by()
        .values("starts_on", "cohort__agreement_deadline_days", approved_on=TruncDate("agreement__approved_at"))
        .annotate(count=Count("pk"))
    )
    completion = Completion()
    for row in grouped:
        due = row["starts_on"] - datetime.timedelta(days=row["cohort__agreement_deadline_days"])
        approved, count = row["approved_on"], row["count"]
        if approved is None:
            field = "overdue" if today > due else "not_due"
        elif approved <= due:
            field = "on_time"
        elif approved <= row["starts_on"]:
            field = "late"
        else:
            field = "after_start"
        setattr(completion, field, getattr(completion, field) + count)
    return completion


@dataclass
class Summary:
    """What the dashboard shows about its whole scope rather than one page: figures, chart data and the
    filter's choices. Computed in four queries, then kept (``summary``)."""

    figures: Figures
    weeks: list[Week]
    completion: Completion
    organisations: list[tuple[int, str]]
    courses: list[str]


def compute_summary(placements: QuerySet[Placement], *, today: datetime.date, deadlines=None) -> Summary:
    choices = placements.order_by().values_list("organisation_id", "organisation__name", "student__internship_course")
    organisations, courses = {}, set()
    for pk, name, course in choices.distinct():
        organisations[pk] = name
        if course:
            courses.add(course)
    return Summary(
        figures=figures(placements, today=today, deadlines=deadlines),
        weeks=weekly_answers(placements),
        completion=agreement_completion(placements, today=today),
        organisations=sorted(organisations.items(), key=lambda item: (item[1].casefold(), item[0])),
        courses=sorted(courses),
    )


# A summary is kept until the scope's data changes (a new DashboardStamp) or the day does, and at most this long.
SUMMARY_SECONDS = 24 * 3600


def summary(placements: QuerySet[Placement], *, key: str, today: datetime.date, deadlines=None) -> Summary:
    """``compute_summary``, kept in the cache under ``key``: the scope and the stamps of its cohorts.

    The key changes whenever the data behind the figures does, and the stamps live in the
    database, so every app server with its own cache still shows current figures."""
    return cache.get_or_set(
        f"dashboard-summary:{key}:{today.isoformat()}",
        lambda: compute_summary(placements, today=today, deadlines=deadlines),
        SUMMARY_SECONDS,
    )


CSV_HEADER = [
    _("Student"),
    _("E-mail address"),
    _("Organisation"),
    _("Returning organisation"),
    _("Supervisors"),
    _("Cohort"),
    _("State"),
    _("Agreement"),
    _("Agreement due"),
    _("Onboarding done"),
    _("Onboarding items"),
    _("Onboarding overdue"),
    _("Last check-in"),
    _("Workload"),
    _("Resource"),
    _("Last follow-up"),
    _("Needs attention"),
]


class _Line:
    """A file-like sink for csv.writer that hands back each line it is given."""

    def write(self, line: str) -> str:
        return line


CHUNK = 500

# Exports come in bursts (a filter changed, the file taken again), and each chunk's text is large: it is
# kept for a short while rather than as long as the dashboard's own figures.
EXPORT_SECONDS = 15 * 60

# Between the names of a placement's supervisors as the export reads them (a character no name holds).
NAME_SEPARATOR = "\x1f"


class _Joined(Aggregate):
    """Text values joined with NAME_SEPARATOR, in no particular order: string_agg or group_concat."""

    function = "STRING_AGG"
    output_field = TextField()

    def __init__(self, expression, **extra):
        super().__init__(expression, Value(NAME_SEPARATOR), **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra)


def _supervisors_listed() -> Subquery:
    """The names (or addresses) of a placement's supervisors, in the placement's own row."""
    through = Placement.supervisors.through
    return Subquery(
        through.objects.filter(placement_id=OuterRef("pk"))
        .order_by()
        .values("placement_id")
        .annotate(names=_Joined(Coalesce(NullIf("user__full_name", Value("")), "user__email")))
        .values("names")
    )


# What the export reads of each row, as plain values: building model objects for 5,000 rows would
# cost more than the rest of the export together.
CSV_VALUES = (
    "pk",
    "student__user__full_name",
    "student__user__email",
    "organisation__name",
    "organisation_id",
    "cohort__starts_on",
    "cohort__name",
    "cohort__agreement_deadline_days",
    "state",
    "starts_on",
    "agreement__state",
    "status__onboarding_done",
    "status__onboarding_total",
    "status__open_items",
    "status__latest_answer_due",
    "status__latest_workload",
    "status__latest_resource",
    "status__delivery_last",
    "status__delivery_before",
    "status__last_followup",
    "status__last_supervisor_activity",
    "status__open_checkins",
    "supervisors_listed",
)


class _CsvRow:
    """One exported row: what ``flags.flags_for`` reads of a placement, from plain values."""

    __slots__ = (
        "agreement_due_on",
        "agreement_state",
        "flag_delivery_before",
        "flag_delivery_last",
        "flag_last_activity",
        "flag_last_followup",
        "flag_oldest_overdue",
        "flag_overdue_checkins",
        "flag_resource",
        "flag_workload",
        "flag_workload_due",
        "pk",
        "starts_on",
        "state",
    )

    def agreement_is_overdue(self, today: datetime.date) -> bool:
        return is_agreement_overdue(self.state, self.agreement_due_on, self.agreement_state, today)


@lru_cache(maxsize=4096)
def _day(day: datetime.date | None) -> str:
    return f"{day:%d.%m.%Y}" if day else ""


def csv_lines(placements: QuerySet[Placement], ids: list[int], *, key: str, today: datetime.date, with_notes: bool):
    """The rows with these ids (the dashboard's ``order``, every page) as semicolon-separated CSV lines,
    BOM first, streamed CHUNK rows at a time.

    Only one chunk's rows are ever read and written at once. Each chunk's text is kept in the cache
    like the dashboard's rows (``key`` carries the stamps of the cohorts, so any change to what a
    row shows retires it), except with the students' notes to the coordinator, which are never kept.
    """
    writer = csv.writer(_Line(), delimiter=";")
    notes_column = [str(_("Notes to the coordinator"))] if with_notes else []
    yield "\ufeff" + writer.writerow([str(title) for title in CSV_HEADER] + notes_column)
    language = get_language()
    labels: dict = {}

    def written(chunk: list[int]) -> str:
        if not labels:  # only when a chunk is not kept
            labels.update(_csv_labels())
        return "".join(
            _csv_chunk(writer, placements, chunk, today=today, with_notes=with_notes, labels=labels, language=language)
        )

    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        if with_notes:
            yield written(chunk)
            continue
        digest = hashlib.sha256(",".join(map(str, chunk)).encode()).hexdigest()[:32]
        yield cache.get_or_set(
            f"dashboard-csv:{key}:{today.isoformat()}:{language}:{digest}", partial(written, chunk), EXPORT_SECONDS
        )


def _csv_labels() -> dict:
    """The words of the export in the reader's language, translated once rather than on every row, and
    when each organisation first hosted: whether it returns is the same for all its students in a cohort,
    asked once rather than by a subquery per row."""
    return {
        "state": {state: str(label) for state, label in PlacementState.choices},
        "agreement": {state: str(label) for state, label in AgreementState.choices},
        "yes": str(_("Yes")),
        "no": str(_("No")),
        "not_opened": str(_("Not opened yet")),
        "first_hosted": Placement.objects.first_cohort_starts(),
    }


def _csv_chunk(writer, placements, chunk: list[int], *, today: datetime.date, with_notes: bool, labels, language):
    notes: dict[int, list[str]] = defaultdict(list)
    if with_notes:
        rows = (
            CoordinatorNote.objects.filter(checkin__placement__in=chunk)
            .order_by("checkin__due_on")
            .values("checkin__placement", "checkin__due_on", "text")
        )
        for note in rows:
            notes[note["checkin__placement"]].append(f"{note['checkin__due_on']:%d.%m.%Y}: {note['text']}")
    found = {
        values[0]: values
        for values in placements.filter(pk__in=chunk)
        .order_by()
        .annotate(supervisors_listed=_supervisors_listed())
        .values_list(*CSV_VALUES)
    }
    first_hosted = labels["first_hosted"]
    for pk in chunk:
        if pk not in found:
            continue
        (
            pk,
            student,
            email,
            organisation,
            organisation_id,
            cohort_starts_on,
            cohort,
            deadline_days,
            state,
            starts_on,
            agreement_state,
            done,
            total,
            open_items,
            answer_due,
            workload,
            resource,
            delivery_last,
            delivery_before,
            followup,
            activity,
            open_checkins,
            supervisors,
        ) = found[pk]
        row = _CsvRow()
        row.pk, row.state, row.starts_on, row.agreement_state = pk, state, starts_on, agreement_state
        row.agreement_due_on = starts_on - datetime.timedelta(days=deadline_days)
        row.flag_workload, row.flag_resource, row.flag_workload_due = workload, resource, answer_due
        row.flag_delivery_last, row.flag_delivery_before = delivery_last or "", delivery_before or ""
        row.flag_last_followup, row.flag_last_activity = followup, activity
        row.flag_overdue_checkins, row.flag_oldest_overdue = len(overdue_in(open_checkins, today)), None
        line = [
            student or email,
            email,
            organisation,
            labels["yes"] if first_hosted.get(organisation_id, cohort_starts_on) < cohort_starts_on else labels["no"],
            ", ".join(sorted(supervisors.split(NAME_SEPARATOR))) if supervisors else "",
            cohort,
            labels["state"][state],
            labels["agreement"][agreement_state] if agreement_state else labels["not_opened"],
            _day(row.agreement_due_on),
            done or 0,
            total or 0,
            len(overdue_in(open_items, today)),
            _day(answer_due),
            workload or "",
            resource or "",
            _day(followup),
            " | ".join(flag.reason for flag in flags.flags_for(row, today=today, urls=False, language=language)),
        ]
        if with_notes:
            line.append(" | ".join(notes[pk]))
        yield writer.writerow(line)
