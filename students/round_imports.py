"""Import of the students' rankings in a matching round from a CSV file: what was collected on paper at the
career day and typed into a spreadsheet.

One row per choice: the student's e-mail address, the organisation number, the choice (1 for the student's
first) and, if written, the motivation. The file replaces the whole ranking of each student in it, as if the
student had saved it on their own page, and leaves everyone else's as it is. Like the other imports
(``students.imports``, whose file rules, messages and error table this one shares), the file is checked whole,
every problem is reported by line and column, and it is imported whole or not at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from innopraksis.models import normalize_email
from orgs.validators import normalize_org_number, validate_org_number
from students import imports
from students.imports import RowChecker, RowError, Spec
from students.models import (
    Applicant,
    ApplicantRank,
    Choice,
    MatchingRound,
    Placement,
    PlacementState,
    RoundOrganisation,
    Student,
)
from students.rounds import refuse_if_published

COLUMNS = ("student_email", "org_number", "choice", "motivation")
REQUIRED = frozenset({"student_email", "org_number", "choice"})

# The template's example row: the motivation is data, so it is written in the reader's language, not translated.
SPEC = Spec(
    columns=COLUMNS,
    required=REQUIRED,
    example=("emma.student@example.org", "956789044", "1", "I would like to see how an audit is planned."),
    example_nb=("emma.student@example.org", "956789044", "1", "Jeg vil gjerne se hvordan en revisjon planlegges."),
    description="",
)

MOTIVATION = Choice._meta.get_field("motivation")
# A choice only orders a student's rows (gaps are closed up), so any whole number is accepted; the length limit
# keeps a stray cell of digits from becoming an integer Python refuses to read.
CHOICE_NUMBER = re.compile(r"[0-9]{1,9}")


@dataclass
class PreferencesResult:
    """What an import did, or why it did nothing: ``errors`` empty means the file was imported."""

    errors: list[RowError] = field(default_factory=list)
    students: int = 0  # students whose ranking the file replaced
    choices: int = 0  # choices saved
    added: int = 0  # students who were not in the round before


@dataclass
class _Row:
    line: int
    student: Student
    participant: RoundOrganisation
    number: int  # the choice as the file gives it; the saved rank closes up gaps
    motivation: str


def template_csv() -> str:
    return imports.template_csv(SPEC)


@transaction.atomic
def preferences_import(*, matching_round: MatchingRound, raw: bytes) -> PreferencesResult:
    """Replace the rankings of the students in the file with the file's rows, or, if any row has a problem,
    change nothing and return every problem.

    Each student's rows are ordered by their choice numbers, with gaps closed up (1, 3, 4 is saved as 1, 2, 3),
    and their ranking counts as saved now. A registered student who is not yet in the round is added to it.
    The round is locked while the file is imported, so a run of the match or a publication waits for it.

    Raises ValidationError if the round has been published, and ImportFileError for a file that cannot be read
    as a whole (empty, not UTF-8, a header that does not fit), as ``students.imports`` does. Reads and writes in
    a constant number of queries, whatever the length of the file."""
    locked = MatchingRound.objects.select_for_update().get(pk=matching_round.pk)
    refuse_if_published(locked)
    rows, errors = _check(locked, imports.read_rows(imports.decode(raw), SPEC))
    if errors:
        return PreferencesResult(errors=errors)
    return _save(locked, rows)


def _check(matching_round: MatchingRound, rows: list[tuple[int, dict[str, str]]]) -> tuple[list[_Row], list[RowError]]:
    """Every row checked against what the round and the register hold, loaded in two queries."""
    participants = {
        participant.organisation.org_number: participant
        for participant in matching_round.participants.select_related("organisation")
    }
    emails = {normalize_email(values["student_email"]) for _line, values in rows}
    # Only students the round could be for: active, and not placed yet (the rule of rounds.students_of,
    # whatever their course: a paper form from the career day is evidence enough of wanting a place).
    placed = Placement.objects.filter(student=OuterRef("pk")).exclude(state=PlacementState.CANCELLED)
    students = {
        student.user.email: student
        for student in Student.objects.filter(user__email__in=emails)
        .select_related("user")
        .annotate(is_placed=Exists(placed))
    }
    checked: list[_Row] = []
    errors: list[RowError] = []
    # The first line of each (student, organisation) and (student, choice), to name it when a later row repeats it.
    organisation_lines: dict[tuple[int, int], int] = {}
    number_lines: dict[tuple[int, int], int] = {}
    for line, values in rows:
        check = RowChecker(line)
        student = _student(check, values["student_email"], students)
        participant = _participant(check, values["org_number"], participants)
        number = _number(check, values["choice"])
        motivation = values["motivation"]
        try:
            MOTIVATION.run_validators(motivation)
        except ValidationError as error:
            for message in error.messages:
                check.add("motivation", message)
        if student is not None and participant is not None:
            first = organisation_lines.setdefault((student.pk, participant.pk), line)
            if first != line:
                check.add(
                    "org_number",
                    _("%(organisation)s is on line %(line)s for this student too. Keep one of the two rows.")
                    % {"organisation": participant.organisation.name, "line": first},
                )
        if student is not None and number is not None:
            first = number_lines.setdefault((student.pk, number), line)
            if first != line:
                check.add(
                    "choice",
                    _(
                        "Choice %(number)s is on line %(line)s for this student too. "
                        "Give each organisation its own number."
                    )
                    % {"number": number, "line": first},
                )
        errors.extend(check.errors)
        if not check.errors:
            checked.append(_Row(line, student, participant, number, motivation))
    errors.sort(key=lambda error: (error.line, COLUMNS.index(error.column)))
    return checked, errors


def _student(check: RowChecker, value: str, students: dict[str, Student]) -> Student | None:
    email = check.email("student_email", value)
    if email is None:
        return None
    student = students.get(email)
    if student is None:
        check.add(
            "student_email",
            _("No student has the address %(email)s. Import or add the student first.") % {"email": value},
        )
    elif not student.user.is_active or student.is_placed:
        check.add(
            "student_email",
            _("%(name)s has a placement already, or can no longer sign in: leave them out of the file.")
            % {"name": student},
        )
        return None
    return student


def _participant(check: RowChecker, value: str, participants: dict[str, RoundOrganisation]) -> RoundOrganisation | None:
    if not value:
        check.add("org_number", _("The organisation number is required."))
        return None
    try:
        validate_org_number(value)
    except ValidationError as error:
        for message in error.messages:
            check.add("org_number", message)
        return None
    participant = participants.get(normalize_org_number(value))
    if participant is None:
        check.add(
            "org_number",
            _("The organisation with the number %(number)s does not take part in this round. Check the number.")
            % {"number": value},
        )
    return participant


def _number(check: RowChecker, value: str) -> int | None:
    if not value:
        check.add("choice", _("The choice is required: 1 for the student's first choice, 2 for the second, and so on."))
        return None
    if not CHOICE_NUMBER.fullmatch(value) or int(value) < 1:
        check.add(
            "choice",
            _("“%(value)s” is not a choice. Write a whole number: 1 for the student's first choice, 2 for the second.")
            % {"value": value},
        )
        return None
    return int(value)


def _save(matching_round: MatchingRound, rows: list[_Row]) -> PreferencesResult:
    """Replace the rankings of the file's students: at most six queries, whatever the number of rows."""
    now = timezone.now()
    by_student: dict[int, list[_Row]] = {}
    for row in rows:
        by_student.setdefault(row.student.pk, []).append(row)
    existing = {
        applicant.student_id: applicant
        for applicant in Applicant.objects.filter(round=matching_round, student_id__in=by_student)
    }
    new = [
        Applicant(round=matching_round, student_id=student, saved_at=now)
        for student in by_student
        if student not in existing
    ]
    Applicant.objects.bulk_create(new)
    Applicant.objects.filter(pk__in=[applicant.pk for applicant in existing.values()]).update(saved_at=now)
    Choice.objects.filter(applicant__in=list(existing.values())).delete()
    applicants = {**existing, **{applicant.student_id: applicant for applicant in new}}
    choices = [
        Choice(applicant=applicants[student], participant=row.participant, rank=rank, motivation=row.motivation)
        for student, student_rows in by_student.items()
        for rank, row in enumerate(sorted(student_rows, key=lambda row: row.number), start=1)
    ]
    for choice in choices:
        # The rules _check applied, once more on what is saved (ranks closed up); no queries.
        choice.full_clean(exclude=["applicant", "participant"], validate_unique=False, validate_constraints=False)
    Choice.objects.bulk_create(choices)
    # An organisation's ranking of a student who no longer chose it would order nobody: it goes with the choice.
    kept = Choice.objects.filter(applicant=OuterRef("applicant"), participant=OuterRef("participant"))
    ApplicantRank.objects.filter(applicant__in=applicants.values()).exclude(Exists(kept)).delete()
    return PreferencesResult(students=len(by_student), choices=len(choices), added=len(new))
