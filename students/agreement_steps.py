"""The expectation agreement's two parts as lists of steps, and its content as plain values.

Each step is one topic with the programme's lesson it serves (quoted from the
experience write-up). The step forms, the summaries, the printable page and
the earlier signed versions all read the agreement through this module.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from students.models import ExpectationAgreement, Side, weekday_labels


@dataclass(frozen=True)
class Step:
    key: str
    label: Promise
    fields: tuple[str, ...]
    lesson: Promise
    intro: Promise
    optional: tuple[str, ...] = ()
    help_texts: dict[str, Promise] = field(default_factory=dict)
    heading: Promise | None = None  # the step as a reader of the whole agreement sees it, in the third person

    @property
    def reading_heading(self) -> Promise:
        return self.heading or self.label

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(name for name in self.fields if name not in self.optional)

    def is_complete(self, agreement: ExpectationAgreement) -> bool:
        return all(is_filled(getattr(agreement, name)) for name in self.required)


STUDENT_STEPS: tuple[Step, ...] = (
    Step(
        "wants",
        _("What you want"),
        ("student_wants",),
        _("Clarify with the students what they want to get out of the internship position."),
        _("Start with what you hope to take away: experience, a network, a field you want to try, a job later on."),
        heading=_("What the student wants"),
        help_texts={
            "student_wants": _(
                "A few sentences in your own words, for example what you want to learn, try or take with you."
            ),
        },
    ),
    Step(
        "goals",
        _("Learning goals"),
        ("student_learning_goals",),
        _("An internship should be a win-win situation and give value to both student and organisation."),
        _("Write two to four things you want to be able to do, or understand better, when the internship ends."),
        heading=_("The student's learning goals"),
        help_texts={
            "student_learning_goals": _("One goal per line, each something you can check at the end."),
        },
    ),
    Step(
        "strengths",
        _("Strengths and interests"),
        ("student_strengths", "student_interests"),
        _("The tasks must be adapted to who the students are."),
        _("What you are good at and what interests you helps the organisation choose tasks that suit you."),
        heading=_("The student's strengths and interests"),
        help_texts={
            "student_strengths": _("For example subjects, tools or ways of working you are good at."),
            "student_interests": _("Fields, tasks or industries you would like to work with."),
        },
    ),
    Step(
        "unsure",
        _("What you are unsure about"),
        ("student_unsure",),
        _("Make the students feel safe enough to dare to ask why the organisation does things the way it does."),
        _("Anything you are unsure or nervous about. Saying it now makes it easier to talk about along the way."),
        heading=_("What the student is unsure about"),
        help_texts={
            "student_unsure": _("Whatever you are unsure about: tasks, expectations, the workplace. It can be short."),
        },
    ),
    Step(
        "practical",
        _("Practical matters"),
        ("student_weekdays", "student_days_hours", "student_other"),
        _("Align with the students along the way, to adjust the workload."),
        _("Which days and hours suit you, and anything else the organisation should know, such as exams or travel."),
        optional=("student_other",),
        help_texts={
            "student_weekdays": _(
                "Tick each weekday you can be at the organisation. The fixed question time is set on one of them."
            ),
            "student_days_hours": _("For example “from 9 to 15”, or a day that is only free every other week."),
            "student_other": _("For example exams, travel or other commitments during the semester."),
        },
    ),
)

ORGANISATION_STEPS: tuple[Step, ...] = (
    Step(
        "expectations",
        _("What you expect"),
        ("org_deliverables", "org_quality", "org_independence"),
        _(
            "Clarifying expectations and roles before the start is important. "
            "The organisation must be clear about what it expects of the students."
        ),
        _("Be concrete: what the student should deliver, to what standard, and how much on their own."),
        heading=_("What the organisation expects"),
        help_texts={
            "org_deliverables": _(
                "What the student should hand in or achieve, for example a report, an analysis or a campaign."
            ),
            "org_quality": _("How good it must be to meet your expectations."),
            "org_independence": _("How much the student should work on their own, and how that changes over time."),
        },
    ),
    Step(
        "role",
        _("Role and responsibilities"),
        ("org_role",),
        _(
            "The key to a successful internship is that the students coming into the organisation "
            "get to feel that they are a resource."
        ),
        _("Describe the student's place in the organisation: who they work with and what they are responsible for."),
        heading=_("The student's role and responsibilities"),
        help_texts={
            "org_role": _("Where the student belongs, who they work with, and what they are responsible for."),
        },
    ),
    Step(
        "tasks",
        _("The range of tasks"),
        ("org_tasks",),
        _("The students must take part in the whole range of the organisation's tasks."),
        _(
            "List the tasks across the organisation that the student will take part in, adapted to this student. "
            "The student's own part is shown beside the form."
        ),
        help_texts={
            "org_tasks": _("One task per line, from different parts of the organisation."),
        },
    ),
    Step(
        "feedback",
        _("Feedback"),
        ("org_feedback_how", "org_feedback_frequency"),
        _(
            "Tell the students clearly when they do not deliver to expectation. Students are used to constructive "
            "feedback from their studies and can take being challenged."
        ),
        _("How you give the student feedback, and how often."),
        help_texts={
            "org_feedback_how": _("For example a short talk after each delivery, or written comments."),
            "org_feedback_frequency": _("How often the student gets feedback from you."),
        },
    ),
    Step(
        "contact",
        _("Contact person"),
        ("contact_name", "contact_email", "contact_phone"),
        _("Close follow-up of the student by the organisation is important."),
        _("The person the student turns to first."),
        optional=("contact_phone",),
        help_texts={
            "contact_name": _("Full name of the person the student contacts first."),
            "contact_email": _("The contact person's work e-mail address."),
            "contact_phone": _("A number the student can call, with country code if outside Norway."),
        },
    ),
    Step(
        "question_time",
        _("Fixed question time"),
        ("question_weekday", "question_time", "question_minutes", "question_place"),
        _(
            "It can be good to set aside a fixed time in the calendar when the student knows "
            "they can come and ask questions."
        ),
        _("A weekly time when the student knows they can come and ask questions."),
        help_texts={
            "question_minutes": _("From 15 to 240 minutes."),
            "question_place": _("A meeting room, or a link to a video meeting."),
        },
    ),
)

STEPS: dict[str, tuple[Step, ...]] = {Side.STUDENT: STUDENT_STEPS, Side.ORGANISATION: ORGANISATION_STEPS}


def steps_for(side: str) -> tuple[Step, ...]:
    return STEPS[side]


def get_step(side: str, key: str) -> Step | None:
    return next((step for step in STEPS[side] if step.key == key), None)


def part_fields(side: str) -> tuple[str, ...]:
    return tuple(name for step in STEPS[side] for name in step.fields)


CONTENT_FIELDS: tuple[str, ...] = part_fields(Side.STUDENT) + part_fields(Side.ORGANISATION)


def is_filled(value) -> bool:
    """An answer counts once it says something: not empty, not only spaces, not an empty choice of days."""
    if isinstance(value, str):
        return bool(value.strip())
    return value not in (None, [])


def plain(value):
    """A JSON-safe value: times as HH:MM, everything else as stored."""
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    return value


def values_of(agreement: ExpectationAgreement, names=CONTENT_FIELDS) -> dict:
    return {name: plain(getattr(agreement, name)) for name in names}


def fingerprint(values: dict) -> str:
    """A short digest of some answers: tells whether they changed since a page was shown."""
    encoded = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()[:32]


def part_is_complete(agreement: ExpectationAgreement, side: str) -> bool:
    return all(step.is_complete(agreement) for step in STEPS[side])


def display_value(name: str, value) -> str:
    """An answer as a reader sees it: choice labels in the reader's language, empty as empty."""
    model_field = ExpectationAgreement._meta.get_field(name)
    if value in (None, "", []):
        return ""
    if name == "student_weekdays":
        return ", ".join(weekday_labels(value))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if name == "question_minutes":
        return str(_("%(minutes)s minutes") % {"minutes": value})
    return str(value)


@dataclass
class Section:
    side: str
    label: str
    steps: list[tuple[Step, list[tuple[str, str, str]]]]


def sections(values: dict) -> list[Section]:
    """Both parts for reading: per side, per step, (field name, label, answer)."""
    result = []
    for side in (Side.STUDENT, Side.ORGANISATION):
        rows = []
        for step in STEPS[side]:
            answers = [
                (
                    name,
                    str(ExpectationAgreement._meta.get_field(name).verbose_name),
                    # An optional answer left empty is a dash: "not answered yet" would read as unfinished.
                    display_value(name, values.get(name)) or ("–" if name in step.optional else ""),
                )
                for name in step.fields
            ]
            rows.append((step, answers))
        result.append(Section(side, str(Side(side).label), rows))
    return result


def field_label(name: str) -> str:
    return str(ExpectationAgreement._meta.get_field(name).verbose_name)
