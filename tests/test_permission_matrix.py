"""Every URL × every role, with the status each must get.

A URL pattern without a row here fails test_every_url_pattern_has_a_row.
The admin's own patterns are covered model by model in test_admin.
"""

from __future__ import annotations

import datetime
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from feedback.models import (
    CheckIn,
    Evaluation,
    Experience,
    ExperienceReport,
    FollowUp,
    Gathering,
    GatheringOrganisation,
    Message,
    ReminderNow,
)
from innopraksis import access, accounts, invitations
from innopraksis.models import Invitation, InvitationRole, Mail, MailStatus, User
from orgs.models import Membership, Organisation
from students import agreement_steps, rounds
from students.models import (
    AgreementState,
    AgreementVersion,
    Applicant,
    ApplicantRank,
    Choice,
    Cohort,
    ExpectationAgreement,
    ImportBatch,
    MatchingRound,
    MatchRun,
    OfficeHour,
    OnboardingItem,
    OnboardingTemplateItem,
    Pairing,
    PairingKind,
    Placement,
    PlacementState,
    RoundOrganisation,
    Side,
    Student,
)
from tests.conftest import PASSWORD, ROLES, client_for, invitation_token
from tests.test_agreement import ORG_ANSWERS, STUDENT_ANSWERS

LOGIN = "login-redirect"
OK = 200
FORBIDDEN = 403
NOT_ALLOWED = 405


def redirect_to(name: str) -> str:
    return f"redirect:{name}"


# A write whose answer is a page (200) rather than a redirect.
WRITTEN = "written"


ALL = dict.fromkeys(ROLES)


def row(anonymous=LOGIN, coordinator=OK, supervisor_a=OK, supervisor_b=OK, student_a=OK, student_b=OK):
    return {
        "anonymous": anonymous,
        "coordinator": coordinator,
        "supervisor_a": supervisor_a,
        "supervisor_b": supervisor_b,
        "student_a": student_a,
        "student_b": student_b,
    }


def coordinator_only(ok=OK):
    return row(coordinator=ok, supervisor_a=FORBIDDEN, supervisor_b=FORBIDDEN, student_a=FORBIDDEN, student_b=FORBIDDEN)


def pending_invitation(cast) -> dict:
    invitation = Invitation.objects.create(
        email="new.person@example.org",
        role=InvitationRole.STUDENT,
        token_hash="0" * 64,
        invited_by=cast.coordinator,
        expires_at=timezone.now() + timedelta(days=14),
    )
    return {"pk": invitation.pk}


def undelivered_mail(cast) -> dict:
    mail = Mail.objects.create(
        key="undelivered",
        to=cast.supervisor_b.email,
        template="reminder",
        subject="Påminnelse",
        body="…",
        status=MailStatus.FAILED,
        attempts=5,
        last_error="550 No such user",
    )
    return {"pk": mail.pk}


def accept_token(cast) -> dict:
    with TestCase.captureOnCommitCallbacks(execute=True):
        invitations.invitation_create(
            email="invitee@example.org",
            role=InvitationRole.STUDENT,
            organisation=None,
            invited_by=cast.coordinator,
        )
    # The token exists only in the sent e-mail.
    return {"token": invitation_token(mail.outbox[-1].body)}


def cohort(cast) -> dict:
    placement_of_student_a(cast)
    return {"pk": Cohort.objects.get().pk}


def placement_of_student_a(cast) -> dict:
    """Student A placed with organisation A, supervised by supervisor A."""
    spring = Cohort.objects.create(
        name="Internship våren 2023", starts_on=datetime.date(2023, 1, 9), ends_on=datetime.date(2023, 5, 19)
    )
    placement = Placement.objects.create(
        cohort=spring,
        student=cast.student_a.student,
        organisation=cast.org_a,
        starts_on=spring.starts_on,
        ends_on=spring.ends_on,
    )
    placement.supervisors.add(cast.supervisor_a)
    return {"pk": placement.pk}


def agreement_of_student_a(cast) -> dict:
    """Student A's placement with its agreement opened and one earlier signed version."""
    pk = placement_of_student_a(cast)["pk"]
    agreement = ExpectationAgreement.objects.create(placement_id=pk)
    AgreementVersion.objects.create(
        agreement=agreement,
        number=1,
        content={},
        voided_at=timezone.now(),
        voided_by=cast.supervisor_a,
        reason="changed",
    )
    return {"pk": pk}


def agreement_part_of(side: str):
    def factory(cast) -> dict:
        return {**agreement_of_student_a(cast), "side": side}

    return factory


def agreement_step_of(side: str, step: str):
    def factory(cast) -> dict:
        return {**agreement_of_student_a(cast), "side": side, "step": step}

    return factory


def agreement_version_1(cast) -> dict:
    return {**agreement_of_student_a(cast), "number": 1}


def onboarding_item_of_student_a(cast) -> dict:
    """An item of student A's checklist that the supervisor owns."""
    pk = placement_of_student_a(cast)["pk"]
    item = OnboardingItem.objects.create(
        placement_id=pk, practice="clarify", owner="supervisor", due_on=datetime.date(2023, 1, 9)
    )
    return {"pk": pk, "item_pk": item.pk}


def checklist_of_student_a(cast) -> dict:
    return {"pk": onboarding_item_of_student_a(cast)["pk"]}


def office_hour_of_student_a(cast) -> dict:
    pk = placement_of_student_a(cast)["pk"]
    OfficeHour.objects.create(placement_id=pk, weekday=2, starts_at=datetime.time(14), minutes=30, place="Rom 2")
    return {"pk": pk}


def calendar_token_of_student_a(cast) -> dict:
    return {"token": accounts.calendar_token_renew(user=cast.student_a)}


def checkin_of_student_a(cast) -> dict:
    pk = placement_of_student_a(cast)["pk"]
    checkin = CheckIn.objects.create(placement_id=pk, due_on=datetime.date(2023, 1, 23))
    return {"pk": pk, "checkin_pk": checkin.pk}


def checkins_of_student_a(cast) -> dict:
    return {"pk": checkin_of_student_a(cast)["pk"]}


def midterm_of_student_a(cast) -> dict:
    pk = placement_of_student_a(cast)["pk"]
    for side in ("student", "organisation"):
        Evaluation.objects.create(placement_id=pk, kind="midterm", side=side, due_on=datetime.date(2023, 3, 14))
    return {"pk": pk, "kind": "midterm"}


def gathering_with_org_a(cast) -> dict:
    """A company gathering of the cohort with organisation A invited."""
    cohort_pk = cohort(cast)["pk"]
    gathering = Gathering.objects.create(
        cohort_id=cohort_pk,
        kind="company_gathering",
        held_on=datetime.date(2022, 11, 11),
        starts_at=datetime.time(10),
        ends_at=datetime.time(14),
        place="Campus",
        created_by=cast.coordinator,
    )
    GatheringOrganisation.objects.create(gathering=gathering, organisation=cast.org_a)
    return {"pk": gathering.pk}


def draft_report(cast) -> dict:
    pk = gathering_with_org_a(cast)["pk"]
    ExperienceReport.objects.create(gathering_id=pk, title="Bedriftssamlingen 2022")
    return {"pk": pk}


def published_report(cast) -> dict:
    pk = gathering_with_org_a(cast)["pk"]
    report = ExperienceReport.objects.create(
        gathering_id=pk, title="Bedriftssamlingen 2022", published_at=timezone.now()
    )
    return {"pk": report.pk}


def without_arguments(factory):
    """Make the factory's data, for a URL that takes no arguments."""

    def make(cast) -> dict:
        factory(cast)
        return {}

    return make


def programme_page(coordinator=OK):
    """For coordinators and supervisors; students get 403."""
    return row(coordinator=coordinator, student_a=FORBIDDEN, student_b=FORBIDDEN)


def student_a(cast) -> dict:
    return {"pk": cast.student_a.student.pk}


def org_a(cast) -> dict:
    return {"pk": cast.org_a.pk}


def membership_of_supervisor_a(cast) -> dict:
    return {"pk": cast.org_a.pk, "membership_pk": cast.supervisor_a.memberships.get().pk}


def import_batch(cast) -> dict:
    batch = ImportBatch.objects.create(
        kind="students", filename="students.csv", content="email;full_name\nny@example.org;Ny Student\n"
    )
    return {"pk": batch.pk}


NOT_FOUND = 404


def organisation_a_page(coordinator=OK, supervisor_a=OK):
    """Organisation A's pages: its own supervisor as given, outsiders (incl. students) 404."""
    return row(
        coordinator=coordinator,
        supervisor_a=supervisor_a,
        supervisor_b=NOT_FOUND,
        student_a=NOT_FOUND,
        student_b=NOT_FOUND,
    )


def placement_a_page(coordinator=OK, insiders=OK, supervisor_a=None, student_a=None):
    """Student A's placement: the coordinator, its supervisor and the student see it; others 404."""
    return row(
        coordinator=coordinator,
        supervisor_a=insiders if supervisor_a is None else supervisor_a,
        supervisor_b=NOT_FOUND,
        student_a=insiders if student_a is None else student_a,
        student_b=NOT_FOUND,
    )


def next_cohort(cast) -> dict:
    """A cohort that has not started, without a matching round."""
    today = timezone.localdate()
    next_one = Cohort.objects.create(
        name="Internship høsten 2027", starts_on=today + timedelta(days=90), ends_on=today + timedelta(days=200)
    )
    return {"pk": next_one.pk}


def round_in(phase: str):
    """A matching round for the next cohort, with today in ``phase`` ("students": students rank, and student A
    has not yet; "organisations": organisations rank, and student A ranked organisation A): organisation A takes
    part with 1 place. Organisation B and student B take no part."""

    def factory(cast) -> dict:
        today = timezone.localdate()
        opens, students_until, organisations_until = {
            "students": (-5, 5, 10),
            "organisations": (-10, -1, 5),
        }[phase]
        matching_round = MatchingRound.objects.create(
            cohort_id=next_cohort(cast)["pk"],
            opens_on=today + timedelta(days=opens),
            students_until=today + timedelta(days=students_until),
            organisations_until=today + timedelta(days=organisations_until),
        )
        participant = RoundOrganisation.objects.create(round=matching_round, organisation=cast.org_a, capacity=1)
        applicant = Applicant.objects.create(round=matching_round, student=cast.student_a.student)
        if phase == "organisations":
            Choice.objects.create(applicant=applicant, participant=participant, rank=1)
        return {"pk": matching_round.pk}

    return factory


round_ranking_open = round_in("students")


def round_org_a(phase: str):
    def factory(cast) -> dict:
        return {**round_in(phase)(cast), "organisation": cast.org_a.pk}

    return factory


def round_applicant_a(cast) -> dict:
    kwargs = round_ranking_open(cast)
    return {**kwargs, "applicant": Applicant.objects.get(round_id=kwargs["pk"]).pk}


def round_pairing(cast) -> dict:
    kwargs = round_ranking_open(cast)
    pairing = Pairing.objects.create(
        applicant=Applicant.objects.get(round_id=kwargs["pk"]),
        participant=RoundOrganisation.objects.get(round_id=kwargs["pk"]),
        kind=PairingKind.FORBID,
    )
    return {**kwargs, "pairing": pairing.pk}


def round_run(cast) -> dict:
    kwargs = round_ranking_open(cast)
    run = rounds.run_make(matching_round=MatchingRound.objects.get(pk=kwargs["pk"]), user=cast.coordinator, seed=1)
    return {**kwargs, "number": run.number}


def round_run_to_publish(cast) -> dict:
    """A run of a round whose students' last day has passed, so that it may be published."""
    kwargs = round_in("organisations")(cast)
    run = rounds.run_make(matching_round=MatchingRound.objects.get(pk=kwargs["pk"]), user=cast.coordinator, seed=1)
    return {**kwargs, "number": run.number}


def round_page(coordinator=OK, insiders=FORBIDDEN, supervisor_a=None, student_a=None):
    """The round of ``round_in``: coordinators; organisation A's supervisor and student A take part (here as
    ``insiders``); supervisor B and student B do not (404)."""
    return row(
        coordinator=coordinator,
        supervisor_a=insiders if supervisor_a is None else supervisor_a,
        supervisor_b=NOT_FOUND,
        student_a=insiders if student_a is None else student_a,
        student_b=NOT_FOUND,
    )


def each_signed_in(expected) -> dict:
    """The same answer for everyone signed in; anonymous visitors are sent to sign in."""
    return row(**{role: expected for role in ROLES[1:]})


def feide(cast) -> dict:
    return {"provider_id": "feide"}


def coordinators_authenticator(cast) -> dict:
    return {"pk": Authenticator.objects.get(user=cast.coordinator).pk}


# name: (method, data, kwargs factory, expected per role)
MATRIX = {
    "home": (
        "get",
        None,
        None,
        row(
            coordinator=redirect_to("home_coordinator"),
            supervisor_a=redirect_to("home_supervisor"),
            supervisor_b=redirect_to("home_supervisor"),
            student_a=redirect_to("home_student"),
            student_b=redirect_to("home_student"),
        ),
    ),
    "home_coordinator": ("get", None, None, coordinator_only()),
    "home_supervisor": (
        "get",
        None,
        None,
        row(coordinator=FORBIDDEN, student_a=FORBIDDEN, student_b=FORBIDDEN),
    ),
    "home_student": ("get", None, None, row(coordinator=FORBIDDEN, supervisor_a=FORBIDDEN, supervisor_b=FORBIDDEN)),
    "switch_role": (
        "post",
        {"role": "student"},
        None,
        row(
            coordinator=FORBIDDEN,
            supervisor_a=FORBIDDEN,
            supervisor_b=FORBIDDEN,
            student_a=redirect_to("home"),
            student_b=redirect_to("home"),
        ),
    ),
    "set_language": (
        "post",
        {"language": "en", "next": "/profile/"},
        None,
        {role: "redirect:profile" for role in ROLES},
    ),
    "profile": ("get", None, None, row()),
    "login": (
        "get",
        None,
        None,
        {role: (OK if role == "anonymous" else redirect_to("home")) for role in ROLES},
    ),
    # Signing out is open to all: it also ends a sign-in given up at the second factor.
    "logout": ("post", {}, None, {role: redirect_to("login") for role in ROLES}),
    "account_login": (
        "get",
        None,
        None,
        {role: (OK if role == "anonymous" else redirect_to("home")) for role in ROLES},
    ),
    "account_logout": ("post", {}, None, {role: redirect_to("login") for role in ROLES}),
    # Why Feide's sign-in was refused: open to all, and says nothing about anyone.
    "feide_no_access": ("get", None, None, {role: FORBIDDEN for role in ROLES}),
    "feide_realm_refused": ("get", None, None, {role: FORBIDDEN for role in ROLES}),
    "feide_taken": ("get", None, None, {role: FORBIDDEN for role in ROLES}),
    # Feide is not set up here (test_feide sets it up): its pages are not there.
    "feide_link": ("post", {}, None, row(**{role: NOT_FOUND for role in ROLES[1:]})),
    "feide_unlink": ("get", None, None, row()),
    "invitation_accept_feide": ("post", {}, accept_token, {role: NOT_FOUND for role in ROLES}),
    "openid_connect_login": ("get", None, feide, {role: NOT_FOUND for role in ROLES}),
    "openid_connect_callback": ("get", None, feide, {role: NOT_FOUND for role in ROLES}),
    "socialaccount_login_cancelled": ("get", None, None, {role: OK for role in ROLES}),
    # The second factor: everyone's own. Changing it asks for the password again first (the test client's
    # sign-in gave none); the code after the password is asked only in the middle of signing in.
    "mfa_index": ("get", None, None, row()),
    # Outside signing in, there is nothing to give a code for.
    "mfa_authenticate": (
        "get",
        None,
        None,
        {role: redirect_to("home") for role in ROLES} | {"anonymous": redirect_to("login")},
    ),
    "mfa_reauthenticate": (
        "get",
        None,
        None,
        each_signed_in(redirect_to("account_reauthenticate")) | {"coordinator": OK},
    ),
    "account_reauthenticate": ("get", None, None, row()),
    "mfa_activate_totp": ("get", None, None, each_signed_in(redirect_to("account_reauthenticate"))),
    "mfa_deactivate_totp": (
        "get",
        None,
        None,
        row(**{role: NOT_FOUND for role in ROLES[2:]}, coordinator=redirect_to("account_reauthenticate")),
    ),
    "mfa_view_recovery_codes": ("get", None, None, each_signed_in(NOT_FOUND)),
    "mfa_download_recovery_codes": ("get", None, None, each_signed_in(NOT_FOUND)),
    "mfa_generate_recovery_codes": ("get", None, None, each_signed_in(redirect_to("account_reauthenticate"))),
    "mfa_list_webauthn": ("get", None, None, row()),
    "mfa_add_webauthn": ("get", None, None, each_signed_in(redirect_to("account_reauthenticate"))),
    "mfa_reauthenticate_webauthn": ("get", None, None, each_signed_in(redirect_to("account_reauthenticate"))),
    # A passkey is changed after giving the password again; then only one's own (test_second_factor).
    "mfa_remove_webauthn": (
        "get",
        None,
        coordinators_authenticator,
        each_signed_in(redirect_to("account_reauthenticate")),
    ),
    "mfa_edit_webauthn": (
        "get",
        None,
        coordinators_authenticator,
        each_signed_in(redirect_to("account_reauthenticate")),
    ),
    "password_change": ("get", None, None, row()),
    "password_change_done": ("get", None, None, row()),
    "password_reset": ("get", None, None, row(anonymous=OK)),
    "password_reset_done": ("get", None, None, row(anonymous=OK)),
    "password_reset_confirm": ("get", None, lambda cast: {"uidb64": "MQ", "token": "bad-token"}, row(anonymous=OK)),
    "password_reset_complete": ("get", None, None, row(anonymous=OK)),
    "invitation_list": ("get", None, None, coordinator_only()),
    "mail_undelivered": ("get", None, None, coordinator_only()),
    "mail_send_again": ("post", {}, undelivered_mail, coordinator_only(ok=redirect_to("mail_undelivered"))),
    "invitation_create": ("get", None, None, coordinator_only()),
    "invitation_resend": ("post", {}, pending_invitation, coordinator_only(ok=redirect_to("invitation_list"))),
    "invitation_accept": ("get", None, accept_token, row(anonymous=OK)),
    "cohort_list": ("get", None, None, coordinator_only()),
    "cohort_create": ("get", None, None, coordinator_only()),
    "cohort_detail": ("get", None, cohort, coordinator_only()),
    "cohort_edit": ("get", None, cohort, coordinator_only()),
    "student_list": ("get", None, None, coordinator_only()),
    "student_create": ("get", None, None, coordinator_only()),
    "student_detail": ("get", None, student_a, coordinator_only()),
    "student_edit": ("get", None, student_a, coordinator_only()),
    "student_invite": ("post", {}, student_a, coordinator_only(ok="redirect:student_detail")),
    "placement_list": ("get", None, None, coordinator_only()),
    "placement_create": ("get", None, None, coordinator_only()),
    "placement_detail": ("get", None, placement_of_student_a, placement_a_page()),
    "placement_edit": ("get", None, placement_of_student_a, placement_a_page(insiders=FORBIDDEN)),
    "placement_transition": (
        "post",
        {"action": "agreement"},
        placement_of_student_a,
        placement_a_page(coordinator="redirect:placement_detail", insiders=FORBIDDEN),
    ),
    "placement_cancel": ("get", None, placement_of_student_a, placement_a_page(insiders=FORBIDDEN)),
    # Nothing is late on this placement: the coordinator is told so on their home.
    "reminder_send": (
        "post",
        {"side": "student"},
        placement_of_student_a,
        placement_a_page(coordinator="redirect:home_coordinator", insiders=FORBIDDEN),
    ),
    "agreement_detail": ("get", None, agreement_of_student_a, placement_a_page()),
    "onboarding_checklist": ("get", None, checklist_of_student_a, placement_a_page()),
    # Supervisors add their own items and move the question time; the student and coordinators read (403).
    "onboarding_item_add": (
        "get",
        None,
        placement_of_student_a,
        placement_a_page(coordinator=FORBIDDEN, student_a=FORBIDDEN),
    ),
    "office_hour_edit": (
        "get",
        None,
        office_hour_of_student_a,
        placement_a_page(coordinator=FORBIDDEN, student_a=FORBIDDEN),
    ),
    "cohort_onboarding": ("get", None, cohort, coordinator_only()),
    "checkin_list": ("get", None, checkins_of_student_a, placement_a_page()),
    "gathering_list": ("get", None, without_arguments(gathering_with_org_a), programme_page()),
    "gathering_create": ("get", None, None, coordinator_only()),
    "gathering_detail": ("get", None, gathering_with_org_a, organisation_a_page()),
    "gathering_edit": ("get", None, gathering_with_org_a, organisation_a_page(supervisor_a=FORBIDDEN)),
    "gathering_attendance": ("get", None, gathering_with_org_a, organisation_a_page(supervisor_a=FORBIDDEN)),
    "experience_overview": ("get", None, gathering_with_org_a, organisation_a_page(supervisor_a=FORBIDDEN)),
    # Invited supervisors share; the coordinator reads what they share (403 here).
    "experience_create": ("get", None, gathering_with_org_a, organisation_a_page(coordinator=FORBIDDEN)),
    "report_edit": ("get", None, draft_report, organisation_a_page(supervisor_a=FORBIDDEN)),
    "report_library": ("get", None, without_arguments(published_report), programme_page()),
    "report_detail": ("get", None, published_report, organisation_a_page()),
    "report_print": ("get", None, published_report, organisation_a_page()),
    "dashboard": ("get", None, without_arguments(checkins_of_student_a), coordinator_only()),
    # The export may carry the students' notes to the coordinator: coordinators only.
    "dashboard_export": ("get", None, without_arguments(checkins_of_student_a), coordinator_only()),
    "organisation_dashboard": ("get", None, org_a, coordinator_only()),
    "checkin_detail": ("get", None, checkin_of_student_a, placement_a_page()),
    # The student's private conversation with the coordinators: the organisation does not learn it exists.
    "conversation": ("get", None, placement_of_student_a, placement_a_page(supervisor_a=NOT_FOUND)),
    "evaluation_detail": ("get", None, midterm_of_student_a, placement_a_page()),
    # Supervisors log follow-ups; the student and coordinators read them (403 here).
    "followup_create": (
        "get",
        None,
        placement_of_student_a,
        placement_a_page(coordinator=FORBIDDEN, student_a=FORBIDDEN),
    ),
    # Without an address to replace, there is nothing to confirm: the profile makes one.
    "calendar_renew": (
        "get",
        None,
        None,
        row(
            **dict.fromkeys(
                ["coordinator", "supervisor_a", "supervisor_b", "student_a", "student_b"], redirect_to("profile")
            )
        ),
    ),
    "personal_data_export": ("get", None, None, row()),
    "person_data_export": ("get", None, lambda cast: {"pk": cast.student_a.pk}, coordinator_only()),
    "privacy": ("get", None, None, row(anonymous=OK)),
    "ping": ("get", None, None, row()),
    # Public: the secret in the address is the credential, whoever fetches it.
    "calendar_feed": ("get", None, calendar_token_of_student_a, row(anonymous=OK)),
    # Each party fills in only their own part; the other party and coordinators read it elsewhere (403).
    "agreement_part": (
        "get",
        None,
        agreement_part_of("student"),
        placement_a_page(coordinator=FORBIDDEN, supervisor_a=FORBIDDEN),
    ),
    "agreement_step": (
        "get",
        None,
        agreement_step_of("organisation", "expectations"),
        placement_a_page(coordinator=FORBIDDEN, student_a=FORBIDDEN),
    ),
    "agreement_sign": ("get", None, agreement_of_student_a, placement_a_page(coordinator=FORBIDDEN)),
    "agreement_review": ("get", None, agreement_of_student_a, placement_a_page(insiders=FORBIDDEN)),
    "agreement_print": ("get", None, agreement_of_student_a, placement_a_page()),
    "agreement_version": ("get", None, agreement_version_1, placement_a_page()),
    "import_start": ("get", None, None, coordinator_only()),
    "import_preview": ("get", None, import_batch, coordinator_only()),
    "import_template": ("get", None, lambda cast: {"kind": "students"}, coordinator_only()),
    "organisation_list": ("get", None, None, coordinator_only()),
    "organisation_create": ("get", None, None, coordinator_only()),
    "organisation_detail": ("get", None, org_a, organisation_a_page()),
    # Supervisor A is organisation A's main contact in the cast; a plain supervisor gets 403 (test_register).
    "organisation_edit": ("get", None, org_a, organisation_a_page()),
    "membership_add": ("get", None, org_a, organisation_a_page(supervisor_a=FORBIDDEN)),
    "membership_remove": ("get", None, membership_of_supervisor_a, organisation_a_page(supervisor_a=FORBIDDEN)),
    "membership_invite": (
        "post",
        {},
        membership_of_supervisor_a,
        organisation_a_page(coordinator="redirect:organisation_detail", supervisor_a=FORBIDDEN),
    ),
    # Matching rounds: coordinators run them; the round's students and organisations see their own part.
    "round_list": ("get", None, without_arguments(round_ranking_open), coordinator_only()),
    "round_create": ("get", None, next_cohort, coordinator_only()),
    "round_detail": ("get", None, round_ranking_open, round_page()),
    "round_edit": ("get", None, round_ranking_open, round_page()),
    "round_import": ("get", None, round_ranking_open, round_page()),
    "round_import_template": ("get", None, round_ranking_open, round_page()),
    # A student ranks for themself; those who see the round but rank nothing there get 403.
    "round_ranking": ("get", None, round_ranking_open, round_page(coordinator=FORBIDDEN, student_a=OK)),
    # An organisation's part is its members' and the coordinators'; the round's students get 404.
    "round_organisation": (
        "get",
        None,
        round_org_a("students"),
        round_page(insiders=NOT_FOUND, supervisor_a=OK),
    ),
    "round_applicants": (
        "get",
        None,
        round_org_a("organisations"),
        round_page(insiders=NOT_FOUND, supervisor_a=OK),
    ),
    "round_remind": ("post", {}, round_applicant_a, round_page(coordinator=redirect_to("round_detail"))),
    "pairing_add": ("post", {}, round_ranking_open, round_page()),
    "pairing_remove": ("get", None, round_pairing, round_page()),
    "run_make": ("get", None, round_ranking_open, round_page(coordinator=redirect_to("round_detail"))),
    "run_detail": ("get", None, round_run, round_page()),
    "run_publish": ("get", None, round_run, round_page()),
    "run_compare": ("get", None, lambda cast: {"pk": round_run(cast)["pk"]}, round_page()),
}


def _named_views(patterns, prefix=""):
    """(namespaced URL name, view) for every named pattern."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{pattern.namespace}:" if pattern.namespace else ""
            yield from _named_views(pattern.url_patterns, prefix + namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + pattern.name, pattern.callback


def test_every_url_pattern_has_a_row():
    names = {name for name, _view in _named_views(get_resolver().url_patterns) if not name.startswith("admin:")}
    assert names - MATRIX.keys() == set(), "URL patterns without a row in the permission matrix"
    assert MATRIX.keys() - names == set(), "rows for URL patterns that no longer exist"


def test_only_the_named_public_views_are_open_without_signing_in():
    public = {
        name
        for name, view in _named_views(get_resolver().url_patterns)
        if getattr(view, "login_required", True) is False
    }
    assert public == access.PUBLIC_URL_NAMES


def _assert_page_structure(response):
    html = response.content.decode()
    assert len(re.findall(r"<h1[\s>]", html)) == 1, "every page has exactly one <h1>"
    assert 'href="#main"' in html, "every page has a skip link"
    assert '<main id="main"' in html
    assert re.search(r'<html lang="(nb|en)">', html)
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "<" not in title and len(title) < 200, "a title is the page's name, not markup"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(cast, name, role):
    method, data, kwargs_factory, expected_by_role = MATRIX[name]
    kwargs = kwargs_factory(cast) if kwargs_factory else {}
    url = reverse(name, kwargs=kwargs)
    client = client_for(cast.by_role(role))
    response = getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
    expected = expected_by_role[role]

    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")
    elif isinstance(expected, str) and expected.startswith("redirect:"):
        assert response.status_code == 302, response.content[:500]
        assert resolve(urlsplit(response.url).path).view_name == expected.removeprefix("redirect:")
    else:
        assert response.status_code == expected
        if expected == OK and response["Content-Type"].startswith("text/html"):
            _assert_page_structure(response)


# Every URL that changes something, POSTed by every role: name → (kwargs factory, data factory, expected per role,
# what must not change). When the answer is not the success it expects, the snapshot taken before must hold
# after (as healthchecks checks ownership).


# The URLs that take a POST and have no row: login, logout and switch_role, which change only the visitor's own
# session; set_language, which answers every visitor with the same redirect, saving the language of a signed-in
# person and only the session of anybody else (test_language); password_reset, which e-mails the address's
# owner; and password_reset_confirm, whose address with the e-mailed token sets no password but leads to the
# form that does (test_password_reset); and account_reauthenticate and mfa_reauthenticate, where a person confirms
# their own password or code before changing their second factor, which marks only their session
# (test_second_factor). test_fuzz_forms checks that every form posts to a row or to one of these.
LEFT_OUT = {
    *("login", "logout", "switch_role", "set_language", "password_reset", "password_reset_confirm"),
    *("account_reauthenticate", "mfa_reauthenticate"),
}

START = datetime.date(2023, 1, 9)
END = datetime.date(2023, 5, 19)
PART_ANSWERS = {Side.STUDENT: STUDENT_ANSWERS, Side.ORGANISATION: ORG_ANSWERS}
NEW_PASSWORD = "a-long-new-password"
STUDENT_CHECKIN = {"workload": "3", "resource": "4", "learning": "4", "safe_to_ask": "yes", "goes_well": "Bra team"}
SUPERVISOR_CHECKIN = {"delivery": "meets", "feedback_given": "Gode analyser", "workload_adjustment": ""}
EVALUATION = {"value": "4", "win_win": "yes", "worked": "Tydelige forventninger", "change": ""}


def no_arguments(cast) -> dict:
    return {}


def no_data(cast, kwargs) -> dict:
    return {}


def signed_in(ok):
    """A person's own settings: everyone signed in changes their own."""
    return row(coordinator=ok, supervisor_a=ok, supervisor_b=ok, student_a=ok, student_b=ok)


def people(cast, kwargs):
    """Everyone's account as saved, but for when they last signed in: the test client signs them in."""
    return [
        {name: value for name, value in person.items() if name != "last_login"}
        for person in User.objects.order_by("pk").values()
    ]


def mail_states(cast, kwargs):
    return list(Mail.objects.order_by("pk").values_list("to", "status", "attempts"))


def invitations_sent(cast, kwargs):
    return list(Invitation.objects.order_by("pk").values_list("email", "role", "organisation_id", "token_hash"))


def organisations(cast, kwargs):
    return list(Organisation.objects.order_by("pk").values_list("name", "org_number", "sector", "address"))


def members_of_org_a(cast, kwargs):
    return list(Membership.objects.filter(organisation=cast.org_a).order_by("pk").values_list("user__email", "role"))


def cohorts(cast, kwargs):
    return list(Cohort.objects.order_by("pk").values())


def template_items(cast, kwargs):
    return list(OnboardingTemplateItem.objects.filter(cohort_id=kwargs["pk"]).values("position", "title", "owner"))


def students(cast, kwargs):
    return list(
        Student.objects.order_by("pk").values_list(
            "user__email", "user__full_name", "study_programme", "internship_course", "phone"
        )
    )


def placements(cast, kwargs):
    return list(Placement.objects.order_by("pk").values())


def imports_and_people(cast, kwargs):
    return (
        list(ImportBatch.objects.order_by("pk").values_list("filename", "applied_at")),
        list(User.objects.order_by("pk").values_list("email", flat=True)),
    )


def checklist_items(cast, kwargs):
    return list(OnboardingItem.objects.filter(placement_id=kwargs["pk"]).values("title", "owner", "due_on"))


def question_time(cast, kwargs):
    return list(OfficeHour.objects.filter(placement_id=kwargs["pk"]).values("weekday", "starts_at", "minutes", "place"))


def checkin_answers(cast, kwargs):
    return list(CheckIn.objects.filter(placement_id=kwargs["pk"]).values())


def evaluation_answers(cast, kwargs):
    return list(Evaluation.objects.filter(placement_id=kwargs["pk"]).order_by("side").values())


def followups(cast, kwargs):
    return list(FollowUp.objects.filter(placement_id=kwargs["pk"]).values("kind", "happened_on", "note", "author"))


def gatherings(cast, kwargs):
    return (
        list(Gathering.objects.order_by("pk").values()),
        list(GatheringOrganisation.objects.order_by("pk").values_list("organisation_id", "attended")),
    )


def experiences(cast, kwargs):
    return list(Experience.objects.order_by("pk").values_list("organisation_id", "theme", "text"))


def reports(cast, kwargs):
    return list(ExperienceReport.objects.order_by("pk").values())


def checklist_ticks(cast, kwargs) -> dict:
    item = OnboardingItem.objects.get(placement_id=kwargs["pk"])
    return {f"item{item.pk}-done": "on", f"item{item.pk}-note": "Gjort", f"item{item.pk}-seen": "0:"}


def items_done(cast, kwargs):
    return list(OnboardingItem.objects.filter(placement_id=kwargs["pk"]).values_list("done_at", "note"))


def student_item_of_student_a(cast) -> dict:
    """An item of student A's checklist that the student owns."""
    pk = placement_of_student_a(cast)["pk"]
    OnboardingItem.objects.create(placement_id=pk, title="Les personalhåndboka", owner="student", due_on=START)
    return {"pk": pk}


def placement_in(state: PlacementState, cast) -> int:
    """Student A's placement, moved on to ``state``."""
    pk = placement_of_student_a(cast)["pk"]
    Placement.objects.filter(pk=pk).update(state=state)
    return pk


def agreement_to_sign_of_student_a(cast) -> dict:
    """Student A's agreement with both parts finished, waiting for both signatures."""
    pk = placement_of_student_a(cast)["pk"]
    now = timezone.now()
    ExpectationAgreement.objects.create(
        placement_id=pk, state=AgreementState.SIGNING, student_completed_at=now, org_completed_at=now
    )
    return {"pk": pk}


def answered_part_of(side: str):
    """Student A's agreement with every answer of ``side``'s part given, the part not yet finished."""

    def factory(cast) -> dict:
        pk = placement_in(PlacementState.AGREEMENT, cast)
        ExpectationAgreement.objects.create(placement_id=pk, **PART_ANSWERS[side])
        return {"pk": pk, "side": side}

    return factory


def agreement_signed_by_both(cast) -> dict:
    """Student A's agreement answered, finished and signed by both parties, for a coordinator to approve."""
    pk = placement_in(PlacementState.AGREEMENT, cast)
    now = timezone.now()
    ExpectationAgreement.objects.create(
        placement_id=pk,
        state=AgreementState.SIGNED,
        **STUDENT_ANSWERS,
        **ORG_ANSWERS,
        student_completed_at=now,
        org_completed_at=now,
        student_signed_at=now,
        org_signed_at=now,
        org_signed_by=cast.supervisor_a,
    )
    return {"pk": pk}


def approved_agreement_of_student_a(cast) -> dict:
    """Student A's placement waiting to start, its agreement approved and its start date passed."""
    pk = agreement_signed_by_both(cast)["pk"]
    ExpectationAgreement.objects.filter(placement_id=pk).update(
        state=AgreementState.APPROVED, approved_at=timezone.now(), approved_by=cast.coordinator
    )
    return {"pk": pk}


def ended_placement_of_student_a(cast) -> dict:
    """Student A's placement under way past its end date, with both final evaluations given."""
    pk = placement_in(PlacementState.ACTIVE, cast)
    for side in Side.values:
        Evaluation.objects.create(
            placement_id=pk, kind="final", side=side, due_on=END, answered_at=timezone.now(), value=4, win_win="yes"
        )
    return {"pk": pk}


def step_answers(cast, kwargs) -> dict:
    """The step's answers as typed, with the fingerprint of the answers the page showed."""
    agreement = ExpectationAgreement.objects.get(placement_id=kwargs["pk"])
    step = agreement_steps.get_step(kwargs["side"], kwargs["step"])
    return {
        **{name: PART_ANSWERS[kwargs["side"]][name] for name in step.fields},
        "base": agreement_steps.fingerprint(agreement_steps.values_of(agreement, step.fields)),
    }


def late_checkin_of_student_a(cast) -> dict:
    """Student A's placement under way, with a check-in neither side answered, due in January 2023."""
    pk = checkin_of_student_a(cast)["pk"]
    Placement.objects.filter(pk=pk).update(state=PlacementState.ACTIVE)
    return {"pk": pk}


def open_checkin_of_student_a(cast) -> dict:
    """The check-in of ``late_checkin_of_student_a``, to answer."""
    pk = late_checkin_of_student_a(cast)["pk"]
    return {"pk": pk, "checkin_pk": CheckIn.objects.get(placement_id=pk).pk}


def midterm_answered_by_student_a(cast) -> dict:
    kwargs = midterm_of_student_a(cast)
    Evaluation.objects.filter(placement_id=kwargs["pk"], side="student").update(
        answered_at=timezone.now(), answered_by=cast.student_a, value=4, win_win="yes"
    )
    return kwargs


def reminders_sent(cast, kwargs):
    return list(ReminderNow.objects.filter(placement_id=kwargs["pk"]).values_list("side", "keys"))


def agreement_standing(cast, kwargs):
    """Every field of the agreement: its answers, each part's progress, the signatures, the approval."""
    return list(ExpectationAgreement.objects.filter(placement_id=kwargs["pk"]).values())


def signature_as_read(cast, kwargs) -> dict:
    agreement = ExpectationAgreement.objects.get(placement_id=kwargs["pk"])
    return {"read": agreement_steps.fingerprint(agreement_steps.values_of(agreement))}


def conversation_messages(cast, kwargs):
    return list(Message.objects.filter(placement_id=kwargs["pk"]).values_list("text", flat=True))


def placement_form(cast, kwargs) -> dict:
    """Student A's placement as the coordinator saves it, a week shorter, on Tuesdays and Thursdays."""
    placement = Placement.objects.get(pk=kwargs["pk"])
    return {
        "cohort": placement.cohort_id,
        "student": placement.student_id,
        "organisation": placement.organisation_id,
        "supervisors": [cast.supervisor_a.pk],
        "starts_on": "2023-01-09",
        "ends_on": "2023-05-12",
        "work_days": ["2", "4"],
    }


def new_placement_form(cast, kwargs) -> dict:
    """Student B placed with organisation A in the cohort, on the cohort's dates."""
    return {
        "cohort": Cohort.objects.get().pk,
        "student": cast.student_b.student.pk,
        "organisation": cast.org_a.pk,
        "supervisors": [cast.supervisor_a.pk],
        "work_days": ["2", "4"],
    }


def gathering_form(cast, kwargs) -> dict:
    return {
        "cohort": Cohort.objects.get().pk,
        "kind": "company_gathering",
        "held_on": "2022-11-11",
        "starts_at": "10:00",
        "ends_at": "14:00",
        "place": "Handelshøgskolen",
        "agenda": "Erfaringsutveksling",
        "organisations": [cast.org_a.pk],
    }


def report_form(action: str = ""):
    def data(cast, kwargs) -> dict:
        return {
            "title": "Erfaringsskriv fra bedriftssamlingen",
            "background": "Bakgrunn",
            "main_points": "Vær tydelig\nTett oppfølging",
            "onboarding_advice": "Fast spørretid",
            "action": action,
        }

    return data


def student_file(cast, kwargs) -> dict:
    content = "email;full_name;study_programme\nemma@example.org;Emma Johansen;Økonomi og administrasjon\n"
    return {"kind": "students", "file": SimpleUploadedFile("studenter.csv", content.encode(), content_type="text/csv")}


def round_state(cast, kwargs):
    """Everything a matching round holds, and the placements publishing makes."""
    return (
        list(MatchingRound.objects.order_by("pk").values()),
        list(RoundOrganisation.objects.order_by("pk").values()),
        list(Applicant.objects.order_by("pk").values()),
        list(Choice.objects.order_by("pk").values("applicant", "participant", "rank", "motivation")),
        list(ApplicantRank.objects.order_by("pk").values("participant", "applicant", "rank", "not_suitable")),
        list(Pairing.objects.order_by("pk").values("applicant", "participant", "kind")),
        list(MatchRun.objects.order_by("pk").values_list("number", flat=True)),
        list(Placement.objects.order_by("pk").values()),
    )


def round_dates(cast, kwargs) -> dict:
    today = timezone.localdate()
    return {
        "opens_on": (today - timedelta(days=5)).isoformat(),
        "students_until": (today + timedelta(days=8)).isoformat(),
        "organisations_until": (today + timedelta(days=15)).isoformat(),
        "organisations": [cast.org_a.pk],
    }


def round_of_two(cast) -> dict:
    """The round of ``round_in("students")`` with organisation B taking part too."""
    kwargs = round_ranking_open(cast)
    RoundOrganisation.objects.create(round_id=kwargs["pk"], organisation=cast.org_b, capacity=1)
    return kwargs


def ranking_of_both(cast, kwargs) -> dict:
    """Organisation B first, then organisation A."""
    order = list(RoundOrganisation.objects.filter(round_id=kwargs["pk"]).order_by("-pk").values_list("pk", flat=True))
    return {"order": order, "action": "save"}


def applicant_a_first(cast, kwargs) -> dict:
    return {f"rank_{Applicant.objects.get(round_id=kwargs['pk']).pk}": "1"}


def pin_student_a(cast, kwargs) -> dict:
    return {
        "applicant": Applicant.objects.get(round_id=kwargs["pk"]).pk,
        "participant": RoundOrganisation.objects.get(round_id=kwargs["pk"]).pk,
        "kind": PairingKind.PIN,
    }


def rankings_file(cast, kwargs) -> dict:
    content = f"student_email;org_number;choice;motivation\n{cast.student_a.email};{cast.org_a.org_number};1;Revisjon\n"
    return {"file": SimpleUploadedFile("rangering.csv", content.encode(), content_type="text/csv")}


# A key is a URL name, optionally followed by what the POST does there.
WRITES = {
    # A person's own settings.
    "profile": (
        no_arguments,
        lambda cast, kwargs: {"full_name": "Nytt Navn", "language": "en", "reminder_digest": "weekly"},
        signed_in(redirect_to("profile")),
        people,
    ),
    # The new address is shown on the answer to the POST itself, once.
    "calendar_renew": (no_arguments, no_data, signed_in(WRITTEN), people),
    "password_change": (
        no_arguments,
        lambda cast, kwargs: {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        signed_in(redirect_to("password_change_done")),
        people,
    ),
    # Invitations.
    "invitation_create": (
        no_arguments,
        lambda cast, kwargs: {
            "email": "ny.student@example.org",
            "full_name": "Nora Ny",
            "role": "student",
            "organisation": "",
            "language": "nb",
        },
        coordinator_only(ok=redirect_to("invitation_list")),
        invitations_sent,
    ),
    "invitation_resend": (
        pending_invitation,
        no_data,
        coordinator_only(ok=redirect_to("invitation_list")),
        invitations_sent,
    ),
    "mail_send_again": (
        undelivered_mail,
        no_data,
        coordinator_only(ok=redirect_to("mail_undelivered")),
        mail_states,
    ),
    # Public: the secret in the address is the credential, whoever holds it; the invitee is signed in.
    "invitation_accept": (
        accept_token,
        lambda cast, kwargs: {"full_name": "Nora Ny", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        dict.fromkeys(ROLES, redirect_to("home")),
        people,
    ),
    # The register of organisations and their members.
    "organisation_create": (
        no_arguments,
        lambda cast, kwargs: {"name": "Havlys Sjømat AS", "org_number": "974 760 673", "sector": "private"},
        coordinator_only(ok=redirect_to("organisation_detail")),
        organisations,
    ),
    # Supervisor A is organisation A's main contact.
    "organisation_edit": (
        org_a,
        lambda cast, kwargs: {"name": "Solberg & Dahl AS", "org_number": cast.org_a.org_number, "sector": "private"},
        organisation_a_page(
            coordinator=redirect_to("organisation_detail"), supervisor_a=redirect_to("organisation_detail")
        ),
        organisations,
    ),
    "membership_add": (
        org_a,
        lambda cast, kwargs: {"email": "nina.ny@example.org", "full_name": "Nina Ny", "role": "supervisor"},
        organisation_a_page(coordinator=redirect_to("organisation_detail"), supervisor_a=FORBIDDEN),
        members_of_org_a,
    ),
    "membership_remove": (
        membership_of_supervisor_a,
        no_data,
        organisation_a_page(coordinator=redirect_to("organisation_detail"), supervisor_a=FORBIDDEN),
        members_of_org_a,
    ),
    "membership_invite": (
        membership_of_supervisor_a,
        no_data,
        organisation_a_page(coordinator=redirect_to("organisation_detail"), supervisor_a=FORBIDDEN),
        invitations_sent,
    ),
    # Cohorts, students and placements.
    "cohort_create": (
        no_arguments,
        lambda cast, kwargs: {
            "name": "Internship våren 2024",
            "starts_on": "2024-01-08",
            "ends_on": "2024-05-17",
            "agreement_deadline_days": 14,
            "checkin_cadence_days": 14,
            "chaser_days": 3,
            "last_chaser_days": 7,
        },
        coordinator_only(ok=redirect_to("cohort_detail")),
        cohorts,
    ),
    "cohort_edit": (
        cohort,
        lambda cast, kwargs: {
            "name": "Internship våren 2023",
            "starts_on": "2023-01-09",
            "ends_on": "2023-05-19",
            "internship_courses": "INP3001",
            "agreement_deadline_days": 21,
            "checkin_cadence_days": 7,
            "chaser_days": 3,
            "last_chaser_days": 7,
        },
        coordinator_only(ok=redirect_to("cohort_detail")),
        cohorts,
    ),
    "cohort_onboarding": (
        cohort,
        lambda cast, kwargs: {
            "form-TOTAL_FORMS": 1,
            "form-INITIAL_FORMS": 0,
            "form-MIN_NUM_FORMS": 0,
            "form-MAX_NUM_FORMS": 1000,
            "form-0-position": 1,
            "form-0-title": "Vis fram kantina",
            "form-0-explanation": "",
            "form-0-owner": "supervisor",
            "form-0-due_days": 3,
        },
        coordinator_only(ok=redirect_to("cohort_onboarding")),
        template_items,
    ),
    "student_create": (
        no_arguments,
        lambda cast, kwargs: {"full_name": "Nils Ny", "email": "nils@example.org", "study_programme": "Økonomi"},
        coordinator_only(ok=redirect_to("student_detail")),
        students,
    ),
    "student_edit": (
        student_a,
        lambda cast, kwargs: {"full_name": "Siri Ny", "email": "siri.ny@example.org", "internship_course": "INP3001"},
        coordinator_only(ok=redirect_to("student_detail")),
        students,
    ),
    "student_invite": (student_a, no_data, coordinator_only(ok=redirect_to("student_detail")), invitations_sent),
    "placement_create": (
        without_arguments(cohort),
        new_placement_form,
        coordinator_only(ok=redirect_to("placement_detail")),
        placements,
    ),
    "placement_edit": (
        placement_of_student_a,
        placement_form,
        placement_a_page(coordinator=redirect_to("placement_detail"), insiders=FORBIDDEN),
        placements,
    ),
    "placement_transition": (
        placement_of_student_a,
        lambda cast, kwargs: {"action": "agreement"},
        placement_a_page(coordinator=redirect_to("placement_detail"), insiders=FORBIDDEN),
        placements,
    ),
    "placement_transition start": (
        approved_agreement_of_student_a,
        lambda cast, kwargs: {"action": "active"},
        placement_a_page(coordinator=redirect_to("placement_detail"), insiders=FORBIDDEN),
        placements,
    ),
    "placement_transition complete": (
        ended_placement_of_student_a,
        lambda cast, kwargs: {"action": "completed"},
        placement_a_page(coordinator=redirect_to("placement_detail"), insiders=FORBIDDEN),
        placements,
    ),
    "placement_cancel": (
        placement_of_student_a,
        no_data,
        placement_a_page(coordinator=redirect_to("placement_detail"), insiders=FORBIDDEN),
        placements,
    ),
    "import_start": (
        no_arguments,
        student_file,
        coordinator_only(ok=redirect_to("import_preview")),
        imports_and_people,
    ),
    "import_preview": (import_batch, no_data, coordinator_only(ok=redirect_to("student_list")), imports_and_people),
    "import_preview cancel": (
        import_batch,
        lambda cast, kwargs: {"action": "cancel"},
        coordinator_only(ok=redirect_to("import_start")),
        imports_and_people,
    ),
    # The expectation agreement. Each party fills in and finishes only their own part (403 for the other party
    # and coordinators).
    "agreement_step": (
        agreement_step_of("student", "wants"),
        step_answers,
        placement_a_page(coordinator=FORBIDDEN, supervisor_a=FORBIDDEN, student_a=redirect_to("agreement_step")),
        agreement_standing,
    ),
    "agreement_step the organisation's part": (
        agreement_step_of("organisation", "expectations"),
        step_answers,
        placement_a_page(coordinator=FORBIDDEN, supervisor_a=redirect_to("agreement_step"), student_a=FORBIDDEN),
        agreement_standing,
    ),
    "agreement_part": (
        answered_part_of("student"),
        no_data,
        placement_a_page(coordinator=FORBIDDEN, supervisor_a=FORBIDDEN, student_a=redirect_to("agreement_detail")),
        agreement_standing,
    ),
    "agreement_part the organisation's part": (
        answered_part_of("organisation"),
        no_data,
        placement_a_page(coordinator=FORBIDDEN, supervisor_a=redirect_to("agreement_detail"), student_a=FORBIDDEN),
        agreement_standing,
    ),
    "agreement_sign": (
        agreement_to_sign_of_student_a,
        signature_as_read,
        # A coordinator reads the agreement but signs for neither party.
        placement_a_page(
            coordinator=FORBIDDEN,
            supervisor_a=redirect_to("agreement_detail"),
            student_a=redirect_to("agreement_detail"),
        ),
        agreement_standing,
    ),
    "agreement_sign ask for a change": (
        agreement_to_sign_of_student_a,
        lambda cast, kwargs: {"action": "change", "comment": "Skriv inn eksamensdatoene."},
        placement_a_page(
            coordinator=FORBIDDEN,
            supervisor_a=redirect_to("agreement_detail"),
            student_a=redirect_to("agreement_detail"),
        ),
        agreement_standing,
    ),
    "agreement_review approve": (
        agreement_signed_by_both,
        lambda cast, kwargs: {"action": "approve"},
        placement_a_page(coordinator=redirect_to("agreement_detail"), insiders=FORBIDDEN),
        agreement_standing,
    ),
    "agreement_review record signatures on paper": (
        agreement_to_sign_of_student_a,
        lambda cast, kwargs: {"action": "paper"},
        placement_a_page(coordinator=redirect_to("agreement_review"), insiders=FORBIDDEN),
        agreement_standing,
    ),
    "agreement_review send back": (
        agreement_to_sign_of_student_a,
        lambda cast, kwargs: {"action": "return", "side": "organisation", "comment": "Skriv inn kontaktpersonen."},
        placement_a_page(coordinator=redirect_to("agreement_detail"), insiders=FORBIDDEN),
        agreement_standing,
    ),
    # Onboarding.
    "onboarding_checklist": (
        checklist_of_student_a,
        checklist_ticks,
        # The item is the supervisor's: the coordinator and the student read it (403).
        placement_a_page(coordinator=FORBIDDEN, supervisor_a=redirect_to("onboarding_checklist"), student_a=FORBIDDEN),
        items_done,
    ),
    "onboarding_checklist the student's item": (
        student_item_of_student_a,
        checklist_ticks,
        placement_a_page(coordinator=FORBIDDEN, supervisor_a=FORBIDDEN, student_a=redirect_to("onboarding_checklist")),
        items_done,
    ),
    "onboarding_item_add": (
        placement_of_student_a,
        lambda cast, kwargs: {"title": "Omvisning i lageret", "owner": "both", "due_on": "2023-01-20"},
        placement_a_page(coordinator=FORBIDDEN, supervisor_a=redirect_to("onboarding_checklist"), student_a=FORBIDDEN),
        checklist_items,
    ),
    "office_hour_edit": (
        office_hour_of_student_a,
        lambda cast, kwargs: {"weekday": 4, "starts_at": "10:00", "minutes": 45, "place": "Kantina"},
        placement_a_page(coordinator=FORBIDDEN, supervisor_a=redirect_to("placement_detail"), student_a=FORBIDDEN),
        question_time,
    ),
    # Check-ins, evaluations, follow-ups, reminders and the conversation. The other party's form asks other
    # questions: the answers come back to them as a form with errors (200), and nothing is saved.
    "checkin_detail": (
        open_checkin_of_student_a,
        lambda cast, kwargs: STUDENT_CHECKIN,
        placement_a_page(coordinator=FORBIDDEN, supervisor_a=OK, student_a=redirect_to("checkin_detail")),
        checkin_answers,
    ),
    "checkin_detail the supervisor's answers": (
        open_checkin_of_student_a,
        lambda cast, kwargs: SUPERVISOR_CHECKIN,
        placement_a_page(coordinator=FORBIDDEN, supervisor_a=redirect_to("checkin_detail"), student_a=OK),
        checkin_answers,
    ),
    "evaluation_detail": (
        midterm_of_student_a,
        lambda cast, kwargs: EVALUATION,
        placement_a_page(coordinator=FORBIDDEN, supervisor_a=OK, student_a=redirect_to("evaluation_detail")),
        evaluation_answers,
    ),
    # The student has given theirs: no form is left for them (403).
    "evaluation_detail the organisation's answers": (
        midterm_answered_by_student_a,
        lambda cast, kwargs: {**EVALUATION, "host_again": "yes"},
        placement_a_page(coordinator=FORBIDDEN, supervisor_a=redirect_to("evaluation_detail"), student_a=FORBIDDEN),
        evaluation_answers,
    ),
    "followup_create": (
        placement_of_student_a,
        lambda cast, kwargs: {"kind": "meeting", "happened_on": "2023-02-01", "note": "Snakket om arbeidsmengden."},
        placement_a_page(coordinator=FORBIDDEN, supervisor_a=redirect_to("checkin_list"), student_a=FORBIDDEN),
        followups,
    ),
    "reminder_send": (
        late_checkin_of_student_a,
        lambda cast, kwargs: {"side": "organisation"},
        placement_a_page(coordinator=redirect_to("home_coordinator"), insiders=FORBIDDEN),
        reminders_sent,
    ),
    "conversation": (
        placement_of_student_a,
        lambda cast, kwargs: {"text": "Kan vi snakke om arbeidsmengden?"},
        placement_a_page(
            coordinator=redirect_to("conversation"), supervisor_a=NOT_FOUND, student_a=redirect_to("conversation")
        ),
        conversation_messages,
    ),
    # Gatherings and write-ups: coordinators run them and an invited organisation's supervisors share experiences;
    # each gets 403 on the other's pages.
    "gathering_create": (
        without_arguments(cohort),
        gathering_form,
        coordinator_only(ok=redirect_to("gathering_detail")),
        gatherings,
    ),
    "gathering_edit": (
        gathering_with_org_a,
        gathering_form,
        organisation_a_page(coordinator=redirect_to("gathering_detail"), supervisor_a=FORBIDDEN),
        gatherings,
    ),
    "gathering_attendance": (
        gathering_with_org_a,
        lambda cast, kwargs: {"attended": [cast.org_a.pk]},
        organisation_a_page(coordinator=redirect_to("gathering_detail"), supervisor_a=FORBIDDEN),
        gatherings,
    ),
    "experience_create": (
        gathering_with_org_a,
        lambda cast, kwargs: {"theme": "onboarding", "text": "Fast spørretid hver tirsdag."},
        organisation_a_page(coordinator=FORBIDDEN, supervisor_a=redirect_to("gathering_detail")),
        experiences,
    ),
    "report_edit start": (
        gathering_with_org_a,
        lambda cast, kwargs: {"action": "start"},
        organisation_a_page(coordinator=redirect_to("report_edit"), supervisor_a=FORBIDDEN),
        reports,
    ),
    "report_edit": (
        draft_report,
        report_form(),
        organisation_a_page(coordinator=redirect_to("report_edit"), supervisor_a=FORBIDDEN),
        reports,
    ),
    "report_edit publish": (
        draft_report,
        report_form("publish"),
        organisation_a_page(coordinator=redirect_to("report_detail"), supervisor_a=FORBIDDEN),
        reports,
    ),
    # Matching rounds.
    "round_create": (next_cohort, round_dates, coordinator_only(ok=redirect_to("round_detail")), round_state),
    "round_edit": (round_ranking_open, round_dates, round_page(coordinator=redirect_to("round_detail")), round_state),
    # Organisation B takes part too here, so its supervisor sees the round (403).
    "round_ranking": (
        round_of_two,
        ranking_of_both,
        row(
            coordinator=FORBIDDEN,
            **dict.fromkeys(["supervisor_a", "supervisor_b"], FORBIDDEN),
            student_a=redirect_to("round_ranking"),
            student_b=NOT_FOUND,
        ),
        round_state,
    ),
    "round_organisation": (
        round_org_a("students"),
        lambda cast, kwargs: {"capacity": "2", "tasks": "Revisjon og rådgivning", "days": ["2", "4"], "place": "Oslo"},
        round_page(
            coordinator=redirect_to("round_organisation"),
            insiders=NOT_FOUND,
            supervisor_a=redirect_to("round_organisation"),
        ),
        round_state,
    ),
    "round_applicants": (
        round_org_a("organisations"),
        applicant_a_first,
        round_page(
            coordinator=redirect_to("round_applicants"),
            insiders=NOT_FOUND,
            supervisor_a=redirect_to("round_applicants"),
        ),
        round_state,
    ),
    "round_remind": (round_applicant_a, no_data, round_page(coordinator=redirect_to("round_detail")), round_state),
    "pairing_add": (
        round_ranking_open,
        pin_student_a,
        round_page(coordinator=redirect_to("round_detail")),
        round_state,
    ),
    "pairing_remove": (round_pairing, no_data, round_page(coordinator=redirect_to("round_detail")), round_state),
    "round_import": (
        round_ranking_open,
        rankings_file,
        round_page(coordinator=redirect_to("round_detail")),
        round_state,
    ),
    "run_make": (round_ranking_open, no_data, round_page(coordinator=redirect_to("run_detail")), round_state),
    "run_publish": (round_run_to_publish, no_data, round_page(coordinator=redirect_to("round_detail")), round_state),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(WRITES))
def test_every_write_by_every_role(cast, name, role):
    kwargs_factory, data_factory, expected_by_role, snapshot = WRITES[name]
    kwargs = kwargs_factory(cast)
    before = snapshot(cast, kwargs)
    url = reverse(name.split(" ")[0], kwargs=kwargs)
    response = client_for(cast.by_role(role)).post(url, data_factory(cast, kwargs))
    expected = expected_by_role[role]
    if expected == LOGIN:
        assert response.status_code == 302 and response.url.startswith(reverse("login") + "?next=")
    elif expected == WRITTEN:
        assert response.status_code == 200, response.content[:500]
        assert snapshot(cast, kwargs) != before, "the write was made"
        return
    elif isinstance(expected, str):
        assert response.status_code == 302, response.content[:500]
        # The view redirected to, whatever part of its page (#…) it shows first.
        assert resolve(urlsplit(response.url).path).view_name == expected.removeprefix("redirect:")
        assert snapshot(cast, kwargs) != before, "the write was made"
        return
    else:
        assert response.status_code == expected
    assert snapshot(cast, kwargs) == before, "nothing changed"
