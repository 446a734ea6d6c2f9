"""Retention: a finished cohort's personal data is anonymised RETENTION_MONTHS after its end.

Names, e-mail addresses, phone numbers and free-text answers are removed or
replaced, in the audit history too; the numbers that statistics need (states,
dates, scale answers, counts) are kept.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from feedback.models import CheckIn, Evaluation, FollowUp, Message
from innopraksis import accounts
from innopraksis.models import Invitation, LoginFailure, Mail, PasswordResetRequest, User
from students.models import (
    AgreementChange,
    AgreementVersion,
    Choice,
    Cohort,
    ExpectationAgreement,
    OnboardingItem,
    Student,
)

AGREEMENT_TEXT = [
    "student_wants",
    "student_learning_goals",
    "student_strengths",
    "student_interests",
    "student_unsure",
    "student_days_hours",
    "student_other",
    "org_deliverables",
    "org_quality",
    "org_independence",
    "org_role",
    "org_tasks",
    "org_feedback_how",
    "contact_name",
    "contact_email",
    "contact_phone",
    "question_place",
    "return_comment",
]
CHECKIN_TEXT = ["goes_well", "to_adjust", "feedback_given", "workload_adjustment"]
EVALUATION_TEXT = ["worked", "change"]


def _months_before(day: datetime.date, months: int) -> datetime.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return datetime.date(year, month + 1, min(day.day, 28))


def due_cohorts(today: datetime.date | None = None):
    """Cohorts that ended more than RETENTION_MONTHS ago and are not anonymised yet."""
    cutoff = _months_before(today or timezone.localdate(), settings.RETENTION_MONTHS)
    return Cohort.objects.filter(ends_on__lt=cutoff, anonymised_at__isnull=True).order_by("ends_on")


@dataclass
class Outcome:
    cohort: str
    placements: int
    people: int


def _students_only_in(cohort: Cohort):
    """The cohort's students who have no placement in a cohort that is kept."""
    kept = Cohort.objects.filter(anonymised_at__isnull=True).exclude(pk=cohort.pk)
    return Student.objects.filter(placements__cohort=cohort).exclude(placements__cohort__in=kept).distinct()


def plan(cohort: Cohort) -> Outcome:
    return Outcome(cohort.name, cohort.placements.count(), _students_only_in(cohort).count())


@transaction.atomic
def anonymise(cohort: Cohort) -> Outcome:
    outcome = plan(cohort)
    placements = cohort.placements.all()
    blank = dict.fromkeys(AGREEMENT_TEXT, "")
    agreements = ExpectationAgreement.objects.filter(placement__in=placements)
    agreements.update(**blank)
    ExpectationAgreement.history.filter(placement_id__in=placements.values("pk")).update(**blank)
    AgreementVersion.objects.filter(agreement__in=agreements).update(content={}, org_signed_by_name="")
    AgreementChange.objects.filter(agreement__in=agreements).update(before={}, after={})
    checkins = CheckIn.objects.filter(placement__in=placements)
    Message.objects.filter(placement__in=placements).delete()
    checkins.update(**dict.fromkeys(CHECKIN_TEXT, ""))
    CheckIn.history.filter(placement_id__in=placements.values("pk")).update(**dict.fromkeys(CHECKIN_TEXT, ""))
    FollowUp.objects.filter(placement__in=placements).update(note="")
    FollowUp.history.filter(placement_id__in=placements.values("pk")).update(note="")
    Evaluation.objects.filter(placement__in=placements).update(**dict.fromkeys(EVALUATION_TEXT, ""))
    Evaluation.history.filter(placement_id__in=placements.values("pk")).update(**dict.fromkeys(EVALUATION_TEXT, ""))
    OnboardingItem.objects.filter(placement__in=placements).update(note="")
    Choice.objects.filter(applicant__round__cohort=cohort).update(motivation="")
    for student in _students_only_in(cohort).select_related("user"):
        user: User = student.user
        Invitation.objects.filter(email__iexact=user.email).delete()
        LoginFailure.objects.filter(email__iexact=user.email).delete()
        PasswordResetRequest.objects.filter(email__iexact=user.email).delete()
        Mail.objects.filter(to__iexact=user.email).delete()
        SocialAccount.objects.filter(user=user).delete()  # the Feide link, with the name and Feide name it holds
        Authenticator.objects.filter(user=user).delete()
        student.study_programme, student.phone = "", ""
        student.save(update_fields=["study_programme", "phone"])
        user.full_name = f"Anonymised student {student.pk}"
        user.email = f"anonymised-{user.pk}@invalid.example"
        accounts.calendar_token_withdraw(user=user)
        user.is_active = False
        user.set_unusable_password()
        user.save(
            update_fields=[
                "full_name",
                "email",
                "is_active",
                "password",
            ]
        )
    cohort.anonymised_at = timezone.now()
    cohort.save(update_fields=["anonymised_at"])
    return outcome
