"""Everything the portal holds about one person, as a structured file with where it came from and who sees it,
explained in the language of the person asking.

The student's conversation with the coordinators is theirs and is included for them;
the export is given only to the person themself and to coordinators.
"""

from __future__ import annotations

import datetime

from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback.models import CheckIn, Evaluation, Experience, FollowUp, Message
from innopraksis.models import Invitation, Mail, User
from orgs.models import Membership
from students import agreement_steps
from students.models import Choice, OnboardingItem, Placement, Side


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return value


def _row(obj, names) -> dict:
    return {name: _plain(getattr(obj, name)) for name in names}


def _section(name: str, source: str, visible_to: str, data) -> dict:
    return {"name": name, "source": source, "visible_to": visible_to, "data": data}


STUDENT_ANSWERS = ["workload", "resource", "learning", "safe_to_ask", "goes_well", "to_adjust"]
SUPERVISOR_ANSWERS = ["delivery", "feedback_given", "workload_adjustment"]


def _checkin(checkin: CheckIn) -> dict:
    """A check-in of the student's as the student's own page shows it: the supervisor's answers only once
    revealed (``CheckIn.sides_shown_to``)."""
    _own, theirs = checkin.sides_shown_to(Side.STUDENT, coordinator=False)
    row = {"due_on": _plain(checkin.due_on), **_row(checkin, STUDENT_ANSWERS)}
    if theirs:
        row.update(_row(checkin, SUPERVISOR_ANSWERS))
    return row


def export_for(person: User) -> dict:
    placements = Placement.objects.filter(student__user=person).select_related("cohort", "organisation", "agreement")
    checkins = CheckIn.objects.filter(placement__student__user=person).with_state(timezone.localdate())
    sections = [
        _section(
            "account",
            _("Entered by a coordinator or from the invitation; changed by you on your profile."),
            _("You and the programme's coordinators."),
            _row(person, ["email", "full_name", "language", "is_coordinator", "date_joined", "last_login"]),
        ),
    ]
    student = getattr(person, "student", None)
    if student is not None:
        sections.append(
            _section(
                "student_profile",
                _("Registered or imported by a coordinator."),
                _("You, the coordinators, and the supervisors of organisations you are placed with."),
                _row(student, ["study_programme", "internship_course", "phone"]),
            )
        )
    sections += [
        _section(
            "placements",
            _("Registered by a coordinator."),
            _("You, the coordinators, and the placement organisation's supervisors."),
            [
                {
                    "cohort": placement.cohort.name,
                    "organisation": placement.organisation.name,
                    **_row(placement, ["starts_on", "ends_on", "work_days", "state"]),
                }
                for placement in placements
            ],
        ),
        _section(
            "expectation_agreements",
            _("Written by you (the student's part) and by the organisation's supervisors (its part)."),
            _("You, the coordinators, and the placement organisation's supervisors."),
            [
                {
                    "organisation": placement.organisation.name,
                    "state": placement.agreement.state,
                    **agreement_steps.values_of(placement.agreement),
                }
                for placement in placements
                if getattr(placement, "agreement", None) is not None
            ],
        ),
        _section(
            "check_ins",
            _("Your answers, and your supervisor's once you may see them (as on the check-in's page)."),
            _("You, the coordinators, and the supervisors once revealed."),
            [_checkin(checkin) for checkin in checkins],
        ),
        _section(
            "messages",
            _("Your conversation with the coordinators, and notes you wrote with your check-ins."),
            _("You and the coordinators only; never the organisation."),
            [
                {
                    "organisation": message.placement.organisation.name,
                    "from_you": message.author_id == person.pk,
                    "check_in_due_on": _plain(message.checkin.due_on) if message.checkin else None,
                    **_row(message, ["written_at", "text"]),
                }
                for message in Message.objects.filter(
                    Q(placement__student__user=person) | Q(author=person)
                ).select_related("placement__organisation", "checkin")
            ],
        ),
        _section(
            "matching_rankings",
            _("Your rankings of the organisations in matching rounds, written by you or imported by a coordinator."),
            _("You and the coordinators; each organisation sees your motivation for it, not where you ranked it."),
            [
                {
                    "cohort": choice.applicant.round.cohort.name,
                    "choice": choice.rank,
                    "organisation": choice.participant.organisation.name,
                    "motivation": choice.motivation,
                    "saved_at": _plain(choice.applicant.saved_at),
                }
                for choice in Choice.objects.filter(applicant__student__user=person).select_related(
                    "applicant__round__cohort", "participant__organisation"
                )
            ],
        ),
        _section(
            "evaluations",
            _("Written by you, or by you on behalf of your organisation."),
            _("You, the coordinators, and the other party of the placement once both have answered."),
            [
                _row(evaluation, ["kind", "side", "due_on", "answered_at", "value", "win_win", "worked", "change"])
                for evaluation in Evaluation.objects.filter(answered_by=person)
            ],
        ),
        _section(
            "follow_ups_written",
            _("Logged by you as a supervisor."),
            _("Your organisation's supervisors and the coordinators; the student when shared."),
            [
                _row(followup, ["happened_on", "kind", "note", "shared_with_student"])
                for followup in FollowUp.objects.filter(author=person)
            ],
        ),
        _section(
            "onboarding_items_done",
            _("Ticked by you."),
            _("The placement's student, its organisation's supervisors and the coordinators."),
            [
                _row(item, ["title", "practice", "due_on", "done_at", "note"])
                for item in OnboardingItem.objects.filter(done_by=person)
            ],
        ),
        _section(
            "sign_in",
            _("Made when you linked Feide (Feide's identifier for you) or set up a second factor."),
            _("You, and the portal's operator in the database; not the coordinators."),
            {
                "feide": [
                    {"identifier": link.uid, "linked": _plain(link.date_joined), "last_used": _plain(link.last_login)}
                    for link in SocialAccount.objects.filter(user=person)
                ],
                "second_factors": [
                    {"kind": factor.type, "set_up": _plain(factor.created_at), "last_used": _plain(factor.last_used_at)}
                    for factor in Authenticator.objects.filter(user=person)
                ],
            },
        ),
        _section(
            "emails",
            _("E-mails the portal sent you lately (their text is deleted once the mail server has taken them)."),
            _("The coordinators, while an e-mail could not be delivered; otherwise the portal's operator."),
            [
                _row(sent, ["subject", "status", "created_at", "sent_at", "body"])
                for sent in Mail.objects.filter(to__iexact=person.email).order_by("created_at")
            ],
        ),
        _section(
            "organisation_memberships",
            _("Registered by a coordinator."),
            _("The coordinators and the organisation's members."),
            [
                {"organisation": membership.organisation.name, "role": membership.role}
                for membership in Membership.objects.filter(user=person).select_related("organisation")
            ],
        ),
        _section(
            "experiences_shared",
            _("Shared by you before a gathering."),
            _("The coordinators and your organisation's supervisors."),
            [
                _row(experience, ["theme", "text", "created_at"])
                for experience in Experience.objects.filter(author=person)
            ],
        ),
        _section(
            "invitations",
            _("Sent by a coordinator. Only a digest of each link is stored, never the link itself."),
            _("The coordinators."),
            [
                _row(invitation, ["role", "created_at", "expires_at", "used_at"])
                for invitation in Invitation.objects.filter(email__iexact=person.email)
            ],
        ),
    ]
    return {
        "portal": "InnoPraksis",
        "generated_at": timezone.now().isoformat(),
        "person": person.email,
        "retention": _("A cohort's personal data is anonymised %(months)s months after it ends.")
        % {"months": settings.RETENTION_MONTHS},
        "sections": sections,
    }
