"""CSV import of organisations, supervisors, students and placements.

A file is read whole, every row is checked against the same model rules the
forms use, and every problem is reported by line and column. Only a file
without problems can be imported, and then all of it in one transaction.
Rows are matched on their natural key (organisation number, e-mail address,
cohort and student), so importing the same file twice changes nothing.

Files as Excel saves them in Norway work: UTF-8 with or without a byte order
mark, separated by semicolons or commas. The header may name the columns in
Norwegian or in English; the templates to download use the reader's language.
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from innopraksis.invitations import invitations_for_new_people
from innopraksis.models import InvitationRole, User, normalize_email
from innopraksis.spreadsheet import SafeWriter, read_cell
from orgs.models import Membership, MembershipRole, Organisation, Sector
from orgs.validators import normalize_org_number
from students.models import (
    SCHEDULED_STATES,
    CachedFigures,
    Cohort,
    ImportBatch,
    ImportKind,
    Placement,
    PlacementState,
    Student,
    Weekday,
)

logger = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000


class ImportFileError(Exception):
    """The file as a whole cannot be read; nothing in it is looked at further."""


@dataclass
class RowError:
    line: int
    column: str
    message: str

    @property
    def column_name(self) -> str:
        return column_name(self.column) if self.column else ""


@dataclass
class Change:
    """What importing one row will do."""

    line: int
    action: str  # "create", "update" or "unchanged"
    summary: str
    record: object = field(repr=False)  # what the row saves, as its kind's saver reads it
    rename: str = ""  # "Kari Nordmann → Kari Nordman", when the row changes a registered person's name


@dataclass
class Preview:
    kind: str
    changes: list[Change]
    errors: list[RowError]

    @property
    def counts(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "unchanged": 0}
        for change in self.changes:
            counts[change.action] += 1
        return counts


@dataclass(frozen=True)
class Spec:
    columns: tuple[str, ...]
    required: frozenset[str]
    example: tuple[str, ...]
    description: str
    example_nb: tuple[str, ...] = ()  # the example row in Norwegian, where its words differ

    def column_names(self) -> tuple[str, ...]:
        """The columns as the reader names them: in Norwegian or in English."""
        return tuple(column_name(column) for column in self.columns)

    def example_row(self) -> tuple[str, ...]:
        return self.example_nb if self.example_nb and translation.get_language() == "nb" else self.example


# Each column's Norwegian name; a header may use either.
NORWEGIAN_COLUMNS = {
    "name": "navn",
    "org_number": "organisasjonsnummer",
    "address": "adresse",
    "website": "nettside",
    "sector": "sektor",
    "email": "epost",
    "full_name": "fullt_navn",
    "role": "rolle",
    "study_programme": "studieprogram",
    "internship_course": "emnekode",
    "phone": "telefon",
    "cohort": "kull",
    "student_email": "student_epost",
    "starts_on": "starter",
    "ends_on": "slutter",
    "work_days": "arbeidsdager",
    "supervisor_emails": "veileder_epost",
    "choice": "valg",
    "motivation": "motivasjon",
}
_FROM_NORWEGIAN = {norwegian: column for column, norwegian in NORWEGIAN_COLUMNS.items()}


def column_name(column: str) -> str:
    """A column's name in the reader's language."""
    return NORWEGIAN_COLUMNS.get(column, column) if translation.get_language() == "nb" else column


def _column(header_name: str) -> str:
    """The column a header names, in Norwegian or English, with any case, spaces or hyphens ("E-post")."""
    name = header_name.strip().lower().replace("-", "").replace(" ", "_")
    return _FROM_NORWEGIAN.get(name, name)


SPECS: dict[str, Spec] = {
    ImportKind.ORGANISATIONS: Spec(
        ("name", "org_number", "address", "website", "sector"),
        frozenset({"name", "org_number"}),
        ("Havlys Sjømat AS", "956789044", "Kaiveien 8, 6002 Ålesund", "https://havlys.example", "private"),
        gettext_lazy("sector: private, public or nonprofit (or privat, offentlig, ideell)."),
        ("Havlys Sjømat AS", "956789044", "Kaiveien 8, 6002 Ålesund", "https://havlys.example", "privat"),
    ),
    ImportKind.SUPERVISORS: Spec(
        ("email", "full_name", "org_number", "role"),
        frozenset({"email", "full_name", "org_number"}),
        ("eirik.moen@havlys.example", "Eirik Moen", "956789044", "main_contact"),
        gettext_lazy("role: supervisor or main_contact; the organisation must already be registered."),
        ("eirik.moen@havlys.example", "Eirik Moen", "956789044", "hovedkontakt"),
    ),
    ImportKind.STUDENTS: Spec(
        ("email", "full_name", "study_programme", "internship_course", "phone"),
        frozenset({"email", "full_name"}),
        (
            "emma.student@example.org",
            "Emma Johansen",
            "Bachelor i økonomi og administrasjon",
            "INP3001",
            "+47 912 34 567",
        ),
        gettext_lazy("phone: digits and spaces, optionally starting with +."),
    ),
    ImportKind.PLACEMENTS: Spec(
        ("cohort", "student_email", "org_number", "starts_on", "ends_on", "work_days", "supervisor_emails"),
        frozenset({"cohort", "student_email", "org_number"}),
        (
            "Internship våren 2023",
            "emma.student@example.org",
            "956789044",
            "",
            "",
            "tuesday thursday",
            "eirik.moen@havlys.example",
        ),
        gettext_lazy(
            "cohort by its name; dates as 2023-01-09 or 09.01.2023, empty for the cohort's dates; work_days as "
            "weekday names or numbers (1 = Monday); supervisor_emails separated by spaces; the cohort, the "
            "student, the organisation and the supervisors must already be registered."
        ),
        (
            "Internship våren 2023",
            "emma.student@example.org",
            "956789044",
            "",
            "",
            "tirsdag torsdag",
            "eirik.moen@havlys.example",
        ),
    ),
}


def template_csv(kind: str | Spec) -> str:
    """A file to start from, in the reader's language: the header and one example row, as Excel in Norway
    saves it. ``kind`` is one of SPECS, or another import's Spec."""
    spec = kind if isinstance(kind, Spec) else SPECS[kind]
    out = io.StringIO()
    writer = SafeWriter(csv.writer(out, delimiter=";", lineterminator="\r\n"))
    writer.writerow(spec.column_names())
    writer.writerow(spec.example_row())
    return "\ufeff" + out.getvalue()


def decode(raw: bytes) -> str:
    if not raw.strip():
        raise ImportFileError(_("The file is empty. Choose a CSV file with a header line and at least one row."))
    if len(raw) > MAX_BYTES:
        raise ImportFileError(
            _("The file is larger than %(size)s MB. Split it into smaller files and import them one by one.")
            % {"size": MAX_BYTES // (1024 * 1024)}
        )
    if b"\x00" in raw:
        raise ImportFileError(_("This is not a CSV file. In Excel, use “Save as” and choose “CSV UTF-8”."))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _("The file is not in UTF-8. In Excel, use “Save as” and choose “CSV UTF-8 (comma delimited)”.")
        ) from None


def read_rows(text: str, kind: str | Spec) -> list[tuple[int, dict[str, str]]]:
    """The file's rows as (row number as Excel shows it, values by column), after checking the header.

    Lines may end as on Windows, Unix or old Macs (a carriage return only); a separator at the end of every
    line (an empty last column, as Excel writes it) is ignored. A cell that spans several lines is one row,
    so row numbers count records, as Excel's do, with the header as row 1. ``kind`` is one of SPECS, or another
    import's Spec; a column the file leaves out is read as empty."""
    spec = kind if isinstance(kind, Spec) else SPECS[kind]
    first_line = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    delimiter = ";" if first_line.count(";") >= first_line.count(",") and ";" in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        written = next(reader)
    except (StopIteration, csv.Error):
        raise ImportFileError(
            _("The file is empty. Choose a CSV file with a header line and at least one row.")
        ) from None
    while written and not written[-1].strip():
        written.pop()
    header = [_column(name) for name in written]
    missing = [column_name(name) for name in spec.columns if name in spec.required and name not in header]
    unknown = [name.strip() or "«»" for name, column in zip(written, header, strict=True) if column not in spec.columns]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(_("it lacks the columns %(columns)s") % {"columns": ", ".join(missing)})
        if unknown:
            problems.append(
                _("it has columns this import does not know: %(columns)s") % {"columns": ", ".join(unknown)}
            )
        raise ImportFileError(
            _("The header line does not fit: %(problems)s. The first line must be: %(expected)s")
            % {"problems": "; ".join(problems), "expected": delimiter.join(spec.column_names())}
        )
    rows = []
    try:
        for line, values in enumerate(reader, start=2):
            if not any(value.strip() for value in values):
                continue
            if any(value.strip() for value in values[len(header) :]):
                raise ImportFileError(
                    _("Line %(line)s has more values than the header has columns. Check for a stray separator.")
                    % {"line": line}
                )
            row = dict.fromkeys(spec.columns, "")
            row.update(
                {name: (read_cell(values[i].strip()) if i < len(values) else "") for i, name in enumerate(header)}
            )
            rows.append((line, row))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(
                    _("The file has more than %(rows)s rows. Split it into smaller files.") % {"rows": MAX_ROWS}
                )
    except csv.Error as error:
        raise ImportFileError(_("The file could not be read as CSV: %(error)s") % {"error": error}) from None
    if not rows:
        raise ImportFileError(_("The file has a header line but no rows to import."))
    return rows


# Reading values --------------------------------------------------------------


SECTOR_ALIASES = {"privat": Sector.PRIVATE, "offentlig": Sector.PUBLIC, "ideell": Sector.NONPROFIT}


def _choice(value: str, choices: type, default: str | None, aliases: dict[str, str] | None = None) -> str | None:
    """A TextChoices value from its code, its label in Norwegian or English, or a short alias."""
    if not value:
        return default
    wanted = value.strip().lower()
    if aliases and wanted in aliases:
        return aliases[wanted]
    for code, label in choices.choices:
        names = {code.lower(), str(label).lower()}
        for language in ("nb", "en"):
            with translation.override(language):
                names.add(str(label).lower())
        if wanted in names:
            return code
    return None


WEEKDAY_NAMES = {
    **{
        name: day
        for day, names in {
            1: ("mon", "monday", "man", "mandag"),
            2: ("tue", "tuesday", "tir", "tirsdag"),
            3: ("wed", "wednesday", "ons", "onsdag"),
            4: ("thu", "thursday", "tor", "torsdag"),
            5: ("fri", "friday", "fre", "fredag"),
        }.items()
        for name in names
    },
    **{str(day): day for day in Weekday.values},
}


def _weekdays(value: str) -> list[int] | None:
    days = []
    for token in re.split(r"[\s,/|+]+|\bog\b|\band\b", value.lower()):
        if not token:
            continue
        if token not in WEEKDAY_NAMES:
            return None
        days.append(WEEKDAY_NAMES[token])
    return sorted(set(days))


def _date(value: str) -> datetime.date | None:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def _emails(value: str) -> list[str]:
    return [normalize_email(part) for part in re.split(r"[\s,;|]+", value) if part]


def _model_errors(line: int, error: ValidationError, columns: dict[str, str]) -> list[RowError]:
    errors = []
    for field_name, messages in error.message_dict.items():
        column = "" if field_name == NON_FIELD_ERRORS else columns.get(field_name, field_name)
        errors.extend(RowError(line, column, message) for message in messages)
    return errors


class RowChecker:
    """Collects the problems of one row."""

    def __init__(self, line: int):
        self.line = line
        self.errors: list[RowError] = []

    def add(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.line, column, message))

    def email(self, column: str, value: str) -> str | None:
        if not value:
            self.add(column, _("An e-mail address is required."))
            return None
        try:
            validate_email(value)
        except ValidationError:
            self.add(column, _("“%(value)s” is not an e-mail address.") % {"value": value})
            return None
        return normalize_email(value)

    def name(self, column: str, value: str) -> None:
        """A person's name: required, and within what the database keeps."""
        if not value:
            self.add(column, _("The name is required."))
            return
        try:
            User._meta.get_field("full_name").run_validators(value)
        except ValidationError as error:
            for message in error.messages:
                self.add(column, message)


def _duplicates(rows, key: Callable[[dict], object], column: str) -> list[RowError]:
    seen: dict[object, int] = {}
    errors = []
    for line, values in rows:
        value = key(values)
        if not value:
            continue
        if value in seen:
            errors.append(
                RowError(
                    line,
                    column,
                    _("The same row key is also on line %(line)s; keep one of them.") % {"line": seen[value]},
                )
            )
        else:
            seen[value] = line
    return errors


def _one_name_per_address(rows, column: str = "full_name") -> list[RowError]:
    """A person on several rows (a supervisor at two organisations) has the same name on each."""
    first: dict[str, tuple[int, str]] = {}
    errors = []
    for line, values in rows:
        email, name = normalize_email(values["email"]), values[column]
        if email in first and first[email][1] != name:
            errors.append(
                RowError(
                    line,
                    column,
                    _("Line %(line)s names the same person “%(name)s”; write the name the same way on both.")
                    % {"line": first[email][0], "name": first[email][1]},
                )
            )
        first.setdefault(email, (line, name))
    return errors


# One checker per kind: each loads what the file refers to in a few queries, whatever its length, and
# checks every row in Python against the model's rules. ---------------------------------------------


def _check_organisations(rows) -> tuple[list[Change], list[RowError]]:
    changes, errors = [], _duplicates(rows, lambda v: normalize_org_number(v["org_number"]), "org_number")
    existing = Organisation.objects.in_bulk(
        [normalize_org_number(v["org_number"]) for _l, v in rows], field_name="org_number"
    )
    for line, values in rows:
        check = RowChecker(line)
        number = normalize_org_number(values["org_number"])
        organisation = existing.get(number) or Organisation(org_number=number)
        before = _organisation_fields(organisation) if organisation.pk else None
        organisation.name = values["name"]
        if values.get("address"):
            organisation.address = values["address"]
        website = values.get("website", "")
        if website:
            organisation.website = website if "://" in website else f"https://{website}"
        sector = _choice(values.get("sector", ""), Sector, organisation.sector or Sector.PRIVATE, SECTOR_ALIASES)
        if sector is None:
            check.add("sector", _("Use private, public or nonprofit."))
        else:
            organisation.sector = sector
        try:
            # Uniqueness is the organisation number the row is matched on; nothing else needs the database.
            organisation.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            check.errors.extend(_model_errors(line, error, {}))
        errors.extend(check.errors)
        if check.errors:
            continue
        action = (
            "create" if before is None else ("unchanged" if before == _organisation_fields(organisation) else "update")
        )
        changes.append(Change(line, action, organisation.name, organisation))
    return changes, errors


def _organisation_fields(organisation: Organisation) -> tuple:
    return (organisation.name, organisation.address, organisation.website, organisation.sector)


def _save_organisations(changes: list[Change], invite: bool, invited_by: User) -> None:
    Organisation.objects.bulk_create([change.record for change in changes if change.action == "create"])
    Organisation.objects.bulk_update(
        [change.record for change in changes if change.action == "update"], ["name", "address", "website", "sector"]
    )


@dataclass
class _Person:
    """A person a row names, by address: saved as a user without a password if new, renamed if the row says."""

    email: str
    full_name: str


def _people_by_email(rows, column: str = "email") -> dict[str, User]:
    return {
        user.email: user
        for user in User.objects.filter(email__in=[normalize_email(v[column]) for _l, v in rows]).select_related(
            "student"
        )
    }


def _rename(user: User | None, full_name: str) -> str:
    return f"{user.full_name} → {full_name}" if user is not None and user.full_name != full_name else ""


def _save_people(people: list[_Person]) -> dict[str, User]:
    """Every person by address, new ones added and renamed ones renamed: three queries for any number."""
    names = {person.email: person.full_name for person in people}
    users = User.objects.in_bulk(list(names), field_name="email")
    new = [User(email=email, full_name=name) for email, name in names.items() if email not in users]
    for user in new:
        user.set_unusable_password()
    User.objects.bulk_create(new)
    renamed = [user for user in users.values() if user.full_name != names[user.email]]
    for user in renamed:
        user.full_name = names[user.email]
    User.objects.bulk_update(renamed, ["full_name"])
    return {**users, **{user.email: user for user in new}}


def _check_supervisors(rows) -> tuple[list[Change], list[RowError]]:
    changes = []
    errors = _duplicates(rows, lambda v: (v["email"].lower(), normalize_org_number(v["org_number"])), "email")
    errors += _one_name_per_address(rows)
    organisations = Organisation.objects.in_bulk(
        [normalize_org_number(v["org_number"]) for _l, v in rows], field_name="org_number"
    )
    users = _people_by_email(rows)
    memberships = {
        (m.user_id, m.organisation_id): m
        for m in Membership.objects.filter(user__in=users.values(), organisation__in=organisations.values())
    }
    for line, values in rows:
        check = RowChecker(line)
        email = check.email("email", values["email"])
        check.name("full_name", values["full_name"])
        organisation = organisations.get(normalize_org_number(values["org_number"]))
        if organisation is None:
            check.add(
                "org_number",
                _("No organisation has the number %(number)s. Import or add the organisation first.")
                % {"number": values["org_number"]},
            )
        role = _choice(values.get("role", ""), MembershipRole, MembershipRole.SUPERVISOR)
        if role is None:
            check.add("role", _("Use supervisor or main_contact."))
        errors.extend(check.errors)
        if check.errors:
            continue
        user = users.get(email)
        membership = memberships.get((user.pk, organisation.pk)) if user else None
        rename = _rename(user, values["full_name"])
        if membership is None:
            action = "create"
        elif membership.role == role and not rename:
            action = "unchanged"
        else:
            action = "update"
        record = (_Person(email, values["full_name"]), organisation, role)
        changes.append(Change(line, action, f"{values['full_name']} – {organisation}", record, rename=rename))
    return changes, errors


def _save_supervisors(changes: list[Change], invite: bool, invited_by: User) -> None:
    users = _save_people([change.record[0] for change in changes])
    existing = {
        (m.user_id, m.organisation_id): m
        for m in Membership.objects.filter(user__in=users.values(), organisation__in=[c.record[1] for c in changes])
    }
    new, changed = [], []
    for person, organisation, role in (change.record for change in changes):
        user = users[person.email]
        membership = existing.get((user.pk, organisation.pk))
        if membership is None:
            new.append(Membership(user=user, organisation=organisation, role=role))
        elif membership.role != role:
            membership.role = role
            changed.append(membership)
    Membership.objects.bulk_create(new)
    Membership.objects.bulk_update(changed, ["role"])
    if invite:
        invitations_for_new_people(
            people=[
                (users[person.email], InvitationRole.SUPERVISOR, organisation)
                for person, organisation, _role in (change.record for change in changes if change.action == "create")
            ],
            invited_by=invited_by,
        )


STUDENT_COLUMNS = {"study_programme": "study_programme", "internship_course": "internship_course", "phone": "phone"}


def _check_students(rows) -> tuple[list[Change], list[RowError]]:
    changes, errors = [], _duplicates(rows, lambda v: v["email"].lower(), "email")
    users = _people_by_email(rows)
    for line, values in rows:
        check = RowChecker(line)
        email = check.email("email", values["email"])
        check.name("full_name", values["full_name"])
        user = users.get(email) if email else None
        student = getattr(user, "student", None) if user else None
        before = _student_fields(student) if student else None
        candidate = student or Student()
        for column in STUDENT_COLUMNS:
            if column in values:
                setattr(candidate, column, values[column])
        try:
            candidate.clean_fields(exclude=["user"])
        except ValidationError as error:
            check.errors.extend(_model_errors(line, error, STUDENT_COLUMNS))
        errors.extend(check.errors)
        if check.errors:
            continue
        rename = _rename(user, values["full_name"])
        if before is None:
            action = "create"
        else:
            action = "unchanged" if before == _student_fields(candidate) and not rename else "update"
        changes.append(
            Change(
                line,
                action,
                f"{values['full_name']} <{email}>",
                (_Person(email, values["full_name"]), candidate),
                rename=rename,
            )
        )
    return changes, errors


def _student_fields(student: Student) -> tuple:
    return (student.study_programme, student.internship_course, student.phone)


def _save_students(changes: list[Change], invite: bool, invited_by: User) -> None:
    users = _save_people([change.record[0] for change in changes])
    new, changed = [], []
    for person, student in (change.record for change in changes):
        if student.pk is None:
            student.user = users[person.email]
            new.append(student)
        else:
            changed.append(student)
    Student.objects.bulk_create(new)
    Student.objects.bulk_update(changed, list(STUDENT_COLUMNS))
    if invite:
        invitations_for_new_people(
            people=[(student.user, InvitationRole.STUDENT, None) for student in new], invited_by=invited_by
        )


PLACEMENT_COLUMNS = {
    "starts_on": "starts_on",
    "ends_on": "ends_on",
    "work_days": "work_days",
    "cohort": "cohort",
    "student": "student_email",
    "organisation": "org_number",
}


def _check_placements(rows) -> tuple[list[Change], list[RowError]]:
    changes, errors = (
        [],
        _duplicates(rows, lambda v: (v["cohort"].lower(), v["student_email"].lower()), "student_email"),
    )
    cohorts = {c.name.lower(): c for c in Cohort.objects.all()}
    organisations = Organisation.objects.in_bulk(
        [normalize_org_number(v["org_number"]) for _l, v in rows], field_name="org_number"
    )
    students = {
        s.user.email: s
        for s in Student.objects.filter(
            user__email__in=[normalize_email(v["student_email"]) for _l, v in rows]
        ).select_related("user")
    }
    members = {
        (m.user.email, m.organisation_id): m.user
        for m in Membership.objects.filter(organisation__in=organisations.values()).select_related("user")
    }
    live = {
        (p.cohort_id, p.student_id): p
        for p in Placement.objects.filter(student__in=students.values())
        .exclude(state=PlacementState.CANCELLED)
        .select_related("cohort")
        .prefetch_related("supervisors")
    }
    for line, values in rows:
        check = RowChecker(line)
        cohort = cohorts.get(values["cohort"].strip().lower())
        if cohort is None:
            check.add(
                "cohort", _("No cohort is named “%(name)s”. Create the cohort first.") % {"name": values["cohort"]}
            )
        student = students.get(normalize_email(values["student_email"]))
        if student is None:
            check.add(
                "student_email",
                _("No student has the address %(email)s. Import or add the student first.")
                % {"email": values["student_email"]},
            )
        organisation = organisations.get(normalize_org_number(values["org_number"]))
        if organisation is None:
            check.add(
                "org_number",
                _("No organisation has the number %(number)s. Import or add the organisation first.")
                % {"number": values["org_number"]},
            )
        dates = {}
        for column in ("starts_on", "ends_on"):
            raw = values.get(column, "")
            dates[column] = _date(raw) if raw else None
            if raw and dates[column] is None:
                check.add(
                    column, _("“%(value)s” is not a date. Write it as 2023-01-09 or 09.01.2023.") % {"value": raw}
                )
        work_days = _weekdays(values.get("work_days", ""))
        if work_days is None:
            check.add(
                "work_days", _("Write the work days as weekday names, for example “tirsdag torsdag”, or numbers 1–5.")
            )
        supervisors = []
        for email in _emails(values.get("supervisor_emails", "")):
            supervisor = members.get((email, organisation.pk)) if organisation else None
            if supervisor is None and organisation is not None:
                check.add(
                    "supervisor_emails",
                    _("%(email)s is not a supervisor at %(organisation)s. Import the supervisors first.")
                    % {"email": email, "organisation": organisation},
                )
            elif supervisor is not None:
                supervisors.append(supervisor)
        if check.errors:
            errors.extend(check.errors)
            continue
        placement = live.get((cohort.pk, student.pk)) or Placement(cohort=cohort, student=student)
        before = _placement_fields(placement) if placement.pk else None
        placement.organisation = organisation
        placement.starts_on = dates["starts_on"] or cohort.starts_on
        placement.ends_on = dates["ends_on"] or cohort.ends_on
        placement.work_days = work_days
        changed = [
            column
            for column, old, new in zip(
                ("org_number", "starts_on", "ends_on", "work_days"),
                before or (),
                _placement_fields(placement, supervisors),
                strict=False,
            )
            if old != new
        ]
        if placement.state in SCHEDULED_STATES and changed:
            # Its check-ins and evaluations follow its dates: they move with them on the placement's page.
            errors.append(
                RowError(
                    line,
                    changed[0],
                    _("This placement has started: change its organisation, dates or work days on its page."),
                )
            )
            continue
        try:
            # The cohort, student and organisation were loaded above, and the one live placement per student
            # and cohort is the row's key (`live`): checking them again would cost queries for every row.
            placement.full_clean(
                exclude=["cohort", "student", "organisation"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            errors.extend(_model_errors(line, error, PLACEMENT_COLUMNS))
            continue
        after = _placement_fields(placement, supervisors)
        action = "create" if before is None else ("unchanged" if before == after else "update")
        changes.append(Change(line, action, f"{student} – {organisation} ({cohort})", (placement, supervisors)))
    return changes, errors


def _placement_fields(placement: Placement, supervisors=None) -> tuple:
    people = supervisors if supervisors is not None else list(placement.supervisors.all())
    return (
        placement.organisation_id,
        placement.starts_on,
        placement.ends_on,
        tuple(placement.work_days),
        frozenset(user.pk for user in people),
    )


def _save_placements(changes: list[Change], invite: bool, invited_by: User) -> None:
    """New placements and changed ones with their audit history, their supervisors replaced as the file says."""
    new = [change.record[0] for change in changes if change.action == "create"]
    changed = [change.record[0] for change in changes if change.action == "update"]
    bulk_create_with_history(new, Placement, default_user=invited_by)
    # Each updated row gets its history row here, in bulk: the audited manager's update would save them one
    # by one, which is what this function avoids.
    bulk_update_with_history(
        changed,
        Placement,
        ["organisation", "starts_on", "ends_on", "work_days"],
        default_user=invited_by,
        manager=Placement._base_manager,
    )
    through = Placement.supervisors.through
    through.objects.filter(placement__in=changed).delete()
    through.objects.bulk_create(
        [
            through(placement=placement, user=user)
            for placement, supervisors in (c.record for c in changes)
            for user in supervisors
        ]
    )
    CachedFigures.objects.clear(cohorts={placement.cohort_id for placement in new + changed})


CHECKERS = {
    ImportKind.ORGANISATIONS: _check_organisations,
    ImportKind.SUPERVISORS: _check_supervisors,
    ImportKind.STUDENTS: _check_students,
    ImportKind.PLACEMENTS: _check_placements,
}

SAVERS = {
    ImportKind.ORGANISATIONS: _save_organisations,
    ImportKind.SUPERVISORS: _save_supervisors,
    ImportKind.STUDENTS: _save_students,
    ImportKind.PLACEMENTS: _save_placements,
}


def preview(kind: str, text: str) -> Preview:
    """What importing this file would do, and every problem in it. Raises ImportFileError for an unreadable file."""
    rows = read_rows(text, kind)
    changes, errors = CHECKERS[kind](rows)
    errors.sort(key=lambda error: (error.line, error.column))
    return Preview(kind, changes, errors)


@transaction.atomic
def apply(*, kind: str, text: str, invite: bool, invited_by: User) -> dict[str, int]:
    """Import the whole file or nothing, in a constant number of queries; return how many rows were created,
    updated and unchanged. New people are invited when the transaction commits, if asked."""
    result = preview(kind, text)
    if result.errors:
        raise ValidationError(_("The file has problems; nothing was imported. Fix them and upload the file again."))
    SAVERS[kind]([change for change in result.changes if change.action != "unchanged"], invite, invited_by)
    return result.counts


def import_confirm(*, batch: ImportBatch, invited_by: User) -> dict[str, int]:
    """Import a previewed file once, and then forget its content (it held names and addresses).

    A second confirmation of the same upload (another tab, a double click) is refused; so is an import that
    collides with another one saved at the same moment (two coordinators with the same file)."""
    try:
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.applied_at is not None:
                raise ValidationError(_("This file has already been imported."), code="already_imported")
            counts = apply(kind=locked.kind, text=locked.content, invite=locked.invite, invited_by=invited_by)
            locked.applied_at = timezone.now()
            locked.content = ""
            locked.save(update_fields=["applied_at", "content"])
    except IntegrityError as error:
        # Two confirmations of the same rows at once is the case the checks above cannot see; the log names the
        # constraint (not the row, which holds personal data), so that any other cause can be found.
        constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None) or "unknown"
        logger.warning("Import %s (%s) hit the database constraint %s", batch.pk, batch.kind, constraint)
        raise ValidationError(
            _(
                "Someone imported the same rows at the same moment, so nothing from this file was saved. "
                "Upload it again to see what is left to import."
            ),
            code="imported_meanwhile",
        ) from None
    batch.applied_at, batch.content = locked.applied_at, locked.content
    return counts


def import_forget_stale(*, now: datetime.datetime | None = None) -> int:
    """Delete uploaded files that were never confirmed within IMPORT_KEEP_HOURS; returns how many."""
    deleted, _by_model = ImportBatch.objects.stale(now or timezone.now()).delete()
    return deleted


def import_abandon(*, batch: ImportBatch) -> bool:
    """The coordinator cancels an upload they will not confirm: its file is deleted. False if it had been
    imported already (and is kept as the record of that import, without its content)."""
    deleted, _by_model = ImportBatch.objects.filter(pk=batch.pk, applied_at__isnull=True).delete()
    return bool(deleted)
