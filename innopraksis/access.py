"""Who may see and change what: the one place that decides.

Views ask this module for scoped querysets and lookups and never query
people's data directly. Rules:

- every URL needs a signed-in user unless its name is in PUBLIC_URL_NAMES;
- a page for a role the user does not hold answers 403 (the user is known,
  the page is not theirs to use);
- an object outside the user's scope answers 404 (its existence is not
  revealed).

A host organisation acts as one: every member (supervisor or main contact) sees
and works on all its placements, not only those that name them as supervisor,
so that a colleague can step in during holidays or illness. The supervisors
named on a placement are the ones e-mailed and reminded. A student's messages
to the coordinators are never the organisation's to read.
"""

from __future__ import annotations

import dataclasses
import datetime
import hmac
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone

from feedback import flags
from feedback.models import (
    CheckIn,
    Evaluation,
    Experience,
    ExperienceReport,
    FollowUp,
    Gathering,
    GatheringOrganisation,
    unread_messages,
)
from innopraksis import accounts
from innopraksis.models import Invitation, Mail, MailStatus, Role, User
from orgs.models import Membership, MembershipRole, Organisation
from students import rounds
from students.models import (
    OWNER_SIDES,
    Applicant,
    Cohort,
    ExpectationAgreement,
    ImportBatch,
    MatchingRound,
    MatchRun,
    OfficeHour,
    OnboardingItem,
    Pairing,
    Placement,
    PlacementState,
    RoundOrganisation,
    Side,
    Student,
)

# URL names reachable without signing in. Anything not listed here needs a
# signed-in user (LoginRequiredMiddleware); a test keeps this list and the
# URL configuration in step.
PUBLIC_URL_NAMES = frozenset(
    {
        "login",
        "logout",  # also a sign-in given up at the second factor, before anyone is signed in
        "account_logout",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "invitation_accept",
        "invitation_accept_feide",
        # Feide (django-allauth): going there, coming back, giving up there; the second factor after the password.
        "openid_connect_login",
        "openid_connect_callback",
        "socialaccount_login_cancelled",
        "feide_no_access",
        "feide_realm_refused",
        "feide_taken",
        "mfa_authenticate",
        "account_login",
        "calendar_feed",  # the secret address is the credential: calendar apps cannot sign in
        "privacy",
        "set_language",
        "admin:login",
    }
)

public = login_not_required

ROLE_ORDER = (Role.COORDINATOR, Role.SUPERVISOR, Role.STUDENT)
ACTIVE_ROLE_SESSION_KEY = "active_role"


def with_roles(users: QuerySet[User]) -> QuerySet[User]:
    """Users annotated with the roles they hold, so that loading the signed-in user costs no extra query."""
    return users.annotate(
        holds_supervisor=Exists(Membership.objects.filter(user=OuterRef("pk"))),
        holds_student=Exists(Student.objects.filter(user=OuterRef("pk"))),
    )


def roles_of(user: User) -> list[Role]:
    """The roles a user holds, in ROLE_ORDER; read from ``with_roles`` annotations when present (the
    signed-in user has them, see SignInBackend), else one query, cached on the user object."""
    if not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, "_innopraksis_roles", None)
    if cached is not None:
        return cached
    if not hasattr(user, "holds_supervisor"):
        held = with_roles(User.objects.filter(pk=user.pk)).values("holds_supervisor", "holds_student").get()
        user.holds_supervisor, user.holds_student = held["holds_supervisor"], held["holds_student"]
    held = {
        Role.COORDINATOR: user.is_coordinator or user.is_superuser,
        Role.SUPERVISOR: user.holds_supervisor,
        Role.STUDENT: user.holds_student,
    }
    roles = [role for role in ROLE_ORDER if held[role]]
    user._innopraksis_roles = roles
    return roles


def has_role(user: User, role: Role) -> bool:
    return role in roles_of(user)


def active_role(request: HttpRequest) -> Role | None:
    """The role the user is acting in now: their choice if they hold it, else their first role."""
    roles = roles_of(request.user)
    chosen = request.session.get(ACTIVE_ROLE_SESSION_KEY)
    if chosen in roles:
        return Role(chosen)
    return roles[0] if roles else None


def set_active_role(request: HttpRequest, role: str) -> Role:
    """Switch the role the user acts in; 403 for a role they do not hold."""
    if role not in roles_of(request.user):
        raise PermissionDenied
    request.session[ACTIVE_ROLE_SESSION_KEY] = role
    return Role(role)


def require_role(user: User, role: Role) -> None:
    """403 unless the user holds ``role``; call after the object lookup so outsiders get 404 first."""
    if not has_role(user, role):
        raise PermissionDenied


def role_required(role: Role) -> Callable:
    """Allow a view only to users holding ``role``; others get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not has_role(request.user, role):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def organisations_visible_to(user: User) -> QuerySet[Organisation]:
    if has_role(user, Role.COORDINATOR):
        return Organisation.objects.all()
    if has_role(user, Role.SUPERVISOR):
        return Organisation.objects.filter(memberships__user=user).distinct()
    return Organisation.objects.none()


def memberships_of(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organisation")


def students_visible_to(user: User) -> QuerySet[Student]:
    """Coordinators see every student; a supervisor those placed with their organisations; a student themself."""
    if has_role(user, Role.COORDINATOR):
        return Student.objects.select_related("user")
    placed_with_mine = Placement.objects.filter(organisation__memberships__user=user, student=OuterRef("pk"))
    return Student.objects.filter(Q(user=user) | Exists(placed_with_mine)).select_related("user")


def placements_visible_to(user: User) -> QuerySet[Placement]:
    """Coordinators see every placement; a supervisor those at their organisations; a student their own."""
    placements = Placement.objects.select_related("cohort", "organisation", "student__user", "agreement")
    if has_role(user, Role.COORDINATOR):
        return placements
    return placements.filter(
        Q(student__user=user) | Q(organisation__in=Membership.objects.filter(user=user).values("organisation"))
    )


def invitations_visible_to(user: User) -> QuerySet[Invitation]:
    if has_role(user, Role.COORDINATOR):
        return Invitation.objects.select_related("organisation", "invited_by")
    return Invitation.objects.none()


def undelivered_mail_visible_to(user: User) -> QuerySet[Mail]:
    """E-mail given up after its last attempt: coordinators see it, to act on the reason."""
    if has_role(user, Role.COORDINATOR):
        return Mail.objects.filter(status=MailStatus.FAILED)
    return Mail.objects.none()


def get_undelivered_mail_for(user: User, pk: int) -> Mail:
    # 404: someone else's e-mail, or one no longer undelivered, is not revealed.
    return get_object_or_404(undelivered_mail_visible_to(user), pk=pk)


def get_invitation_for(user: User, pk: int) -> Invitation:
    # 404: an invitation outside the user's scope is not revealed.
    return get_object_or_404(invitations_visible_to(user), pk=pk)


def get_student_profile(user: User) -> Student | None:
    """The user's own student profile, if they have one: always theirs to see."""
    student = Student.objects.filter(user=user).first()
    if student is not None:
        student.user = user
    return student


def placements_for_supervisor_home(memberships: list[Membership]) -> QuerySet[Placement]:
    """Placements at the organisations of these memberships (``memberships_of`` the user), whatever other
    roles the user holds."""
    organisations = [membership.organisation_id for membership in memberships]
    return Placement.objects.filter(organisation__in=organisations).select_related(
        "cohort", "organisation", "student__user", "agreement", "office_hour"
    )


def placements_for_student_home(user: User) -> QuerySet[Placement]:
    return (
        Placement.objects.filter(student__user=user)
        .select_related("cohort", "organisation", "agreement", "office_hour")
        .prefetch_related(Prefetch("supervisors", User.objects.order_by("full_name", "email")))
    )


def is_main_contact(user: User, organisation: Organisation) -> bool:
    return Membership.objects.filter(user=user, organisation=organisation, role=MembershipRole.MAIN_CONTACT).exists()


def get_organisation_for(user: User, pk: int) -> Organisation:
    # 404: another organisation's page is not revealed to a supervisor.
    return get_object_or_404(organisations_visible_to(user), pk=pk)


def get_organisation_to_edit(user: User, pk: int) -> Organisation:
    """Coordinators and the organisation's main contact may edit it; other members get 403."""
    organisation = get_organisation_for(user, pk)
    if not (has_role(user, Role.COORDINATOR) or is_main_contact(user, organisation)):
        raise PermissionDenied
    return organisation


def cohorts_visible_to(user: User) -> QuerySet[Cohort]:
    if has_role(user, Role.COORDINATOR):
        return Cohort.objects.all()
    return Cohort.objects.filter(placements__in=placements_visible_to(user)).distinct()


def get_cohort_for(user: User, pk: int) -> Cohort:
    return get_object_or_404(cohorts_visible_to(user), pk=pk)


def get_student_for(user: User, pk: int) -> Student:
    return get_object_or_404(students_visible_to(user), pk=pk)


def get_placement_for(user: User, pk: int) -> Placement:
    # 404: a placement at another organisation, or another student's, is not revealed.
    return get_object_or_404(placements_visible_to(user), pk=pk)


def get_placement_page_for(user: User, pk: int, *, today: datetime.date) -> Placement:
    """A placement the user may see, with what its own pages show of it (``for_page``); 404 for others."""
    return get_object_or_404(placements_visible_to(user).for_page(today), pk=pk)


def get_flagged_placement_for(user: User, pk: int, *, today: datetime.date) -> tuple[Placement, flags.Viewpoint]:
    """``get_placement_page_for`` with the placement's flags as this user may see them (``flags.flags_of`` it
    with the viewpoint returned): coordinators every flag, the organisation the student's answers only once a
    check-in is revealed, the student the flags they act on."""
    is_coordinator = has_role(user, Role.COORDINATOR)
    view = flags.Viewpoint(today, organisation=not is_coordinator, reader=user.pk if is_coordinator else None)
    placement = get_object_or_404(flags.with_flags(placements_visible_to(user).for_page(today), view), pk=pk)
    if not is_coordinator and placement.student.user_id == user.pk:
        view = dataclasses.replace(view, organisation=False, student=True)
    return placement, view


def refuse_if_cancelled(placement: Placement) -> None:
    """403 for any change to a cancelled placement: it is read as it was, and nothing more is done in it."""
    if placement.is_cancelled:
        raise PermissionDenied


def get_placement_to_change(user: User, pk: int) -> Placement:
    """Coordinators change placements that are not cancelled; others who can see the placement get 403,
    outsiders 404."""
    placement = get_placement_for(user, pk)
    require_role(user, Role.COORDINATOR)
    refuse_if_cancelled(placement)
    return placement


def get_organisation_to_manage(user: User, pk: int) -> Organisation:
    """Coordinators manage an organisation's members; its own supervisors get 403, others 404."""
    organisation = get_organisation_for(user, pk)
    require_role(user, Role.COORDINATOR)
    return organisation


def get_membership_for(user: User, organisation: Organisation, pk: int) -> Membership:
    return get_object_or_404(Membership.objects.select_related("user"), organisation=organisation, pk=pk)


def latest_invitations_for(user: User, emails) -> dict[str, Invitation]:
    """The newest invitation to each address that the user may see; one query."""
    latest: dict[str, Invitation] = {}
    for invitation in invitations_visible_to(user).filter(email__in=[email.lower() for email in emails]):
        latest.setdefault(invitation.email, invitation)  # ordered newest first
    return latest


def imports_visible_to(user: User) -> QuerySet[ImportBatch]:
    if has_role(user, Role.COORDINATOR):
        return ImportBatch.objects.usable(timezone.now())  # a stale upload is gone, whether deleted yet or not
    return ImportBatch.objects.none()


def get_import_for(user: User, pk: int) -> ImportBatch:
    return get_object_or_404(imports_visible_to(user), pk=pk)


# The expectation agreement: the student edits the student's part, members of
# the placement's organisation edit the organisation's part, coordinators read
# everything and approve. Everyone else gets 404.


def agreement_side_of(user: User, placement: Placement) -> Side | None:
    """The part of the placement's agreement this user fills in and signs, if any (asked once per
    placement object and user: a page may need it to decide both access and what to show)."""
    sides = placement.__dict__.setdefault("_sides_of", {})
    if user.pk not in sides:
        if placement.student.user_id == user.pk:
            sides[user.pk] = Side.STUDENT
        elif Membership.objects.filter(user=user, organisation=placement.organisation_id).exists():
            sides[user.pk] = Side.ORGANISATION
        else:
            sides[user.pk] = None
    return sides[user.pk]


def get_agreement_for(user: User, pk: int) -> ExpectationAgreement:
    """The agreement of placement ``pk``; 404 when the placement is not the user's or has none yet."""
    return get_object_or_404(
        ExpectationAgreement.objects.select_related(
            "placement__cohort", "placement__organisation", "placement__student__user"
        ),
        placement__in=placements_visible_to(user).values("pk"),
        placement_id=pk,
    )


def get_agreement_to_edit(user: User, pk: int, side: str) -> ExpectationAgreement:
    """403 for people who may read the part but not fill it in (the other party, coordinators)."""
    if side not in Side.values:
        raise Http404
    agreement = get_agreement_for(user, pk)
    if agreement_side_of(user, agreement.placement) != side:
        raise PermissionDenied
    refuse_if_cancelled(agreement.placement)
    return agreement


def get_agreement_to_sign(user: User, pk: int) -> tuple[ExpectationAgreement, Side]:
    agreement = get_agreement_for(user, pk)
    side = agreement_side_of(user, agreement.placement)
    if side is None:
        raise PermissionDenied  # a coordinator reads it but signs for neither party
    refuse_if_cancelled(agreement.placement)
    return agreement, side


def get_agreement_to_review(user: User, pk: int) -> ExpectationAgreement:
    agreement = get_agreement_for(user, pk)
    require_role(user, Role.COORDINATOR)
    refuse_if_cancelled(agreement.placement)
    return agreement


# Onboarding: the owners of an item tick it (the student, the organisation's
# members, or either); others who see the placement read it (403 on change).


def can_tick(side: Side | None, item: OnboardingItem) -> bool:
    """The item's owners tick it, as long as the placement is not cancelled."""
    return side in OWNER_SIDES[item.owner] and not item.placement.is_cancelled


def get_onboarding_item_to_tick(user: User, pk: int, item_pk: int) -> OnboardingItem:
    placement = get_placement_for(user, pk)
    item = get_object_or_404(OnboardingItem.objects.select_related("placement"), placement=placement, pk=item_pk)
    if not can_tick(agreement_side_of(user, placement), item):
        raise PermissionDenied
    return item


def get_placement_for_organisation_member(user: User, pk: int) -> Placement:
    """A placement whose organisation the user belongs to; the student and coordinators get 403."""
    placement = get_placement_for(user, pk)
    if agreement_side_of(user, placement) != Side.ORGANISATION:
        raise PermissionDenied
    refuse_if_cancelled(placement)
    return placement


def get_office_hour_to_change(user: User, pk: int) -> OfficeHour:
    placement = get_placement_for_organisation_member(user, pk)
    # 404 until the agreement is approved: the question time is set in the agreement before that.
    return get_object_or_404(OfficeHour.objects.select_related("placement__student__user"), placement=placement)


def placements_in_calendar_of(user: User) -> QuerySet[Placement]:
    """The live placements in a person's calendar feed: those they can see."""
    return (
        placements_visible_to(user)
        .exclude(state=PlacementState.CANCELLED)
        .select_related("office_hour")
        .prefetch_related("onboarding_items", "checkins")
    )


def user_for_calendar_token(token: str) -> User | None:
    """The active user whose calendar feed address holds ``token``."""
    digest = accounts.calendar_token_hash(token)
    user = User.objects.filter(calendar_token_hash=digest, is_active=True).first()
    if user is None or not hmac.compare_digest(user.calendar_token_hash, digest):
        return None
    return user


# Check-ins, follow-ups and evaluations. Each side sees the other side's
# answers once a check-in is revealed; the student's note to the coordinator
# is read by the coordinator and the student only.


def get_checkin_for(user: User, pk: int, checkin_pk: int, *, today, lock: bool = False) -> CheckIn:
    """A check-in of a placement the user may see, with its state on ``today`` and what its page shows of the
    placement; 404 for anyone else. ``lock``, to answer it: the row stays locked to the end of the caller's
    transaction, so that the answer is checked and saved without reading it again."""
    checkins = CheckIn.objects.select_related(
        "supervisor_answered_by", "placement__student__user", "placement__organisation"
    ).with_state(today)
    if lock:
        checkins = checkins.select_for_update(of=("self",))
    checkin = get_object_or_404(checkins, pk=checkin_pk, placement_id=pk)
    # 404: a check-in of a placement that is not the user's is not revealed.
    if not has_role(user, Role.COORDINATOR) and agreement_side_of(user, checkin.placement) is None:
        raise Http404
    return checkin


# The private conversation between a placement's student and the coordinators: nobody at the organisation
# may know it exists (404, as for outsiders), whatever else of the placement they see.


def can_read_conversation(user: User, placement: Placement) -> bool:
    return has_role(user, Role.COORDINATOR) or placement.student.user_id == user.pk


def has_unread_messages(user: User, placement: Placement) -> bool:
    """Whether the conversation holds a message for this user they have not read: from the student, for a
    coordinator; from a coordinator, for the student. False for anybody who may not read it."""
    if not can_read_conversation(user, placement):
        return False
    from_student = placement.student.user_id != user.pk
    return Placement.objects.filter(unread_messages(user.pk, from_student=from_student), pk=placement.pk).exists()


def get_conversation_for(user: User, pk: int) -> Placement:
    """The placement whose conversation the user may read and write in: its student's, or any to a
    coordinator; 404 for everyone else, the organisation's supervisors included."""
    placement = get_placement_for(user, pk)
    if not can_read_conversation(user, placement):
        raise Http404
    return placement


def followups_visible_to(user: User, placement: Placement) -> QuerySet:
    """Coordinators and the organisation's members read every entry; the student those shared with them."""
    followups = FollowUp.objects.filter(placement=placement).select_related("author")
    if has_role(user, Role.COORDINATOR) or agreement_side_of(user, placement) == Side.ORGANISATION:
        return followups
    return followups.filter(shared_with_student=True)


def get_evaluation_for(user: User, pk: int, kind: str):
    placement = get_placement_for(user, pk)
    evaluations = Evaluation.objects.filter(placement=placement, kind=kind).select_related("answered_by")
    if not evaluations:
        raise Http404
    return placement, {evaluation.side: evaluation for evaluation in evaluations}


# Gatherings and write-ups: coordinators run them; supervisors of invited
# organisations see their gatherings and share experiences; published
# write-ups are read by the supervisors of the cohort's organisations and of
# later cohorts. Students see none of it (404).


def _my_organisations(user: User) -> QuerySet:
    return Membership.objects.filter(user=user).values("organisation")


def gatherings_visible_to(user: User) -> QuerySet[Gathering]:
    gatherings = Gathering.objects.select_related("cohort")
    if has_role(user, Role.COORDINATOR):
        return gatherings
    return gatherings.filter(invitees__organisation__in=_my_organisations(user)).distinct()


def get_gathering_for(user: User, pk: int) -> Gathering:
    return get_object_or_404(gatherings_visible_to(user), pk=pk)


def get_person_for(user: User, pk: int) -> User:
    """Anyone registered, for a coordinator (answering a request for a person's data); 403 for others."""
    require_role(user, Role.COORDINATOR)
    return get_object_or_404(User, pk=pk)


def require_programme_role(user: User) -> None:
    """403 for students: gatherings and write-ups are for coordinators and host organisations."""
    if not (has_role(user, Role.COORDINATOR) or has_role(user, Role.SUPERVISOR)):
        raise PermissionDenied


def get_gathering_to_share(user: User, pk: int) -> tuple[Gathering, QuerySet[Organisation]]:
    """A gathering the user may share experiences for, with their invited organisations.

    403 for those who see it but have no invited organisation of their own
    (a coordinator reads what is shared but does not share); 404 for others.
    """
    gathering = get_gathering_for(user, pk)
    organisations = invited_organisations_of(user, gathering)
    if not organisations.exists():
        raise PermissionDenied
    return gathering, organisations


def get_gathering_to_manage(user: User, pk: int) -> Gathering:
    """Coordinators manage a gathering; its invited supervisors get 403, everyone else 404."""
    gathering = get_gathering_for(user, pk)
    require_role(user, Role.COORDINATOR)
    return gathering


def invited_organisations_of(user: User, gathering: Gathering) -> QuerySet[Organisation]:
    """The user's organisations that are invited to the gathering: what they may share experiences for."""
    return Organisation.objects.filter(pk__in=_my_organisations(user), gatherings=gathering).order_by("name")


def experiences_visible_to(user: User, gathering: Gathering) -> QuerySet[Experience]:
    experiences = Experience.objects.filter(gathering=gathering).select_related("organisation", "author")
    if has_role(user, Role.COORDINATOR):
        return experiences
    return experiences.filter(organisation__in=_my_organisations(user))


def reports_visible_to(user: User) -> QuerySet[ExperienceReport]:
    """Coordinators read every write-up, drafts too; supervisors the published ones of their own or earlier rounds."""
    reports = ExperienceReport.objects.select_related("gathering__cohort")
    if has_role(user, Role.COORDINATOR):
        return reports
    if not has_role(user, Role.SUPERVISOR):
        return reports.none()
    mine = _my_organisations(user)
    later_or_same = Placement.objects.filter(
        organisation__in=mine, cohort__starts_on__gte=OuterRef("gathering__cohort__starts_on")
    )
    invited = GatheringOrganisation.objects.filter(gathering=OuterRef("gathering"), organisation__in=mine)
    return reports.filter(published_at__isnull=False).filter(Exists(later_or_same) | Exists(invited))


def get_report_for(user: User, pk: int) -> ExperienceReport:
    return get_object_or_404(reports_visible_to(user), pk=pk)


# Matching rounds: coordinators see everything; a student their own ranking and, after publication, their
# result; an organisation's members their organisation's part, and the students who ranked it only once the
# students' last day has passed.


def rounds_visible_to(user: User) -> QuerySet[MatchingRound]:
    matching_rounds = MatchingRound.objects.select_related("cohort")
    if has_role(user, Role.COORDINATOR):
        return matching_rounds
    as_student = Applicant.objects.filter(round=OuterRef("pk"), student__user=user)
    as_member = RoundOrganisation.objects.filter(round=OuterRef("pk"), organisation__in=_my_organisations(user))
    return matching_rounds.filter(Exists(as_student) | Exists(as_member))


def get_round_for(user: User, pk: int) -> MatchingRound:
    # 404: a round the user takes no part in is not revealed.
    return get_object_or_404(rounds_visible_to(user), pk=pk)


def get_round_to_manage(user: User, pk: int) -> MatchingRound:
    """Coordinators run a round; its students and organisations get 403, others 404."""
    matching_round = get_round_for(user, pk)
    require_role(user, Role.COORDINATOR)
    return matching_round


def get_applicant_for(user: User, pk: int) -> Applicant:
    """The user's own place in a round as a student; 403 for others who take part in the round (its
    organisations and coordinators rank nothing there), 404 for outsiders."""
    matching_round = get_round_for(user, pk)
    applicant = Applicant.objects.filter(round=matching_round, student__user=user).select_related("student").first()
    if applicant is None:
        raise PermissionDenied
    applicant.round = matching_round
    return applicant


def get_participant_for(user: User, pk: int, organisation_pk: int) -> RoundOrganisation:
    """An organisation's part in a round: its members and coordinators; 404 for everyone else, students of the
    round included (another organisation's part is not theirs to see)."""
    matching_round = get_round_for(user, pk)
    participants = RoundOrganisation.objects.select_related("organisation").filter(round=matching_round)
    if not has_role(user, Role.COORDINATOR):
        participants = participants.filter(organisation__in=_my_organisations(user))
    participant = get_object_or_404(participants, organisation_id=organisation_pk)
    participant.round = matching_round
    return participant


def applicants_shown_to(user: User, participant: RoundOrganisation, today: datetime.date) -> QuerySet[Applicant]:
    """The students who ranked an organisation, as its members may see them: only after the students' last day
    (coordinators at any time)."""
    if has_role(user, Role.COORDINATOR) or participant.round.applicants_shown(today):
        return rounds.applicants_of(participant)
    return Applicant.objects.none()


def get_round_applicant_to_manage(user: User, pk: int, applicant_pk: int) -> Applicant:
    matching_round = get_round_to_manage(user, pk)
    applicant = get_object_or_404(
        Applicant.objects.select_related("student__user"), round=matching_round, pk=applicant_pk
    )
    applicant.round = matching_round
    return applicant


def get_pairing_to_manage(user: User, pk: int, pairing_pk: int) -> Pairing:
    matching_round = get_round_to_manage(user, pk)
    return get_object_or_404(
        Pairing.objects.select_related("participant__round", "applicant"),
        participant__round=matching_round,
        pk=pairing_pk,
    )


def get_run_for(user: User, pk: int, number: int) -> MatchRun:
    """Runs are the coordinators' alone: the round's students and organisations get 403, others 404."""
    matching_round = get_round_to_manage(user, pk)
    run = get_object_or_404(MatchRun.objects.filter(round=matching_round), number=number)
    run.round = matching_round
    return run


def round_entries_for_student_home(user: User, today: datetime.date) -> QuerySet[Applicant]:
    """The student's own places in matching rounds of cohorts that have not ended, with how many organisations
    they have ranked."""
    return (
        Applicant.objects.filter(student__user=user, round__cohort__ends_on__gte=today)
        .select_related("round__cohort")
        .annotate(choice_count=Count("choices"))
        .order_by("-round__cohort__starts_on")
    )


def round_entries_for_supervisor_home(user: User, today: datetime.date) -> QuerySet[RoundOrganisation]:
    """The user's organisations' parts in matching rounds of cohorts that have not ended."""
    return (
        RoundOrganisation.objects.filter(organisation__in=_my_organisations(user), round__cohort__ends_on__gte=today)
        .select_related("round__cohort", "organisation")
        .order_by("-round__cohort__starts_on", "organisation__name")
    )
