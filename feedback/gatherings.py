"""Gatherings and experience write-ups: invitations, shared experiences, and figures from the data."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from feedback import dashboard
from feedback.models import ExperienceReport, Gathering, GatheringOrganisation
from innopraksis.mail import TemplatedMail, absolute_url, send_templated_mails
from innopraksis.models import User
from innopraksis.once import save_once
from orgs.models import Organisation
from students.models import Cohort, OnboardingItem, PlacementState, organisations_returning_in


@transaction.atomic
def gathering_save(*, form, user: User) -> Gathering:
    """Save a gathering and its invited organisations; newly invited organisations' supervisors get an e-mail.

    Organisations still invited keep their recorded attendance.
    """
    gathering = form.save(commit=False)
    if gathering.pk is None:
        gathering.created_by = user
    gathering.full_clean()
    gathering.save()
    wanted = set(form.cleaned_data["organisations"].values_list("pk", flat=True))
    current = set(gathering.invitees.values_list("organisation_id", flat=True))
    gathering.invitees.exclude(organisation_id__in=wanted).delete()
    new = wanted - current
    GatheringOrganisation.objects.bulk_create(
        GatheringOrganisation(gathering=gathering, organisation_id=pk) for pk in sorted(new)
    )
    link = absolute_url(reverse("gathering_detail", kwargs={"pk": gathering.pk}))
    send_templated_mails(
        [
            TemplatedMail(
                person.email,
                "gathering_invitation",
                {"person": person, "gathering": gathering, "link": link},
                person.language,
            )
            for person in User.objects.filter(memberships__organisation__in=new, is_active=True).distinct()
        ]
    )
    return gathering


@transaction.atomic
def gathering_record_attendance(*, gathering: Gathering, attended: set[int]) -> None:
    for invitee in gathering.invitees.select_for_update():
        invitee.attended = invitee.organisation_id in attended
        invitee.save(update_fields=["attended"])


def experience_share(*, gathering: Gathering, organisation: Organisation, user: User, form):
    experience = form.save(commit=False)
    experience.gathering, experience.organisation, experience.author = gathering, organisation, user
    return save_once(experience, form.cleaned_data.get("once"))[0]


def data_cohort(gathering: Gathering) -> Cohort | None:
    """Whose data a write-up speaks of: the gathering's cohort once it has started, else the round before it."""
    if gathering.cohort.starts_on <= gathering.held_on:
        return gathering.cohort
    return Cohort.objects.filter(starts_on__lt=gathering.held_on).order_by("-starts_on").first()


def report_figures(gathering: Gathering, *, today: datetime.date | None = None) -> dict:
    """Every figure a write-up states, computed from the portal's data, with the period it covers.

    JSON-safe, so that a published write-up keeps the figures it was published with.
    """
    today = today or timezone.localdate()
    invitees = gathering.invitees.all()
    recorded = invitees.filter(attended__isnull=False).exists()
    taking_part = invitees.filter(attended=True) if recorded else invitees
    organisations = organisations_returning_in(
        Organisation.objects.filter(pk__in=taking_part.values("organisation")), gathering.cohort
    )
    returning = organisations.filter(is_returning=True).count()
    figures = {
        "organisations": {
            "basis": "attended" if recorded else "invited",
            "total": organisations.count(),
            "returning": returning,
        },
    }
    cohort = data_cohort(gathering)
    if cohort is None:
        return figures
    period_end = min(today, cohort.ends_on)
    placements = cohort.placements.exclude(state=PlacementState.CANCELLED)
    summary = dashboard.figures(placements, today=period_end)
    items = OnboardingItem.objects.filter(placement__in=placements, due_on__lte=period_end)
    on_time = items.annotate(done_on=TruncDate("done_at")).filter(done_on__lte=F("due_on")).count()
    figures.update(
        {
            "period": {"cohort": cohort.name, "start": cohort.starts_on.isoformat(), "end": period_end.isoformat()},
            "agreements": {"approved_before_start": summary.approved_before_start, "total": summary.total},
            "resource": {"high": summary.resource_high, "answered": summary.resource_answered},
            "workload": [[value, count] for value, count in summary.workload_spread],
            "onboarding": {"on_time": on_time, "due": items.count()},
        }
    )
    return figures


def percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def figure_lines(figures: dict) -> list[str]:
    """The figures as sentences in the reader's language, each with its period."""
    lines = []
    organisations = figures.get("organisations")
    if organisations:
        total, returning = organisations["total"], organisations["returning"]
        template = (
            _(
                "%(total)s organisations took part: %(returning)s hosted students before, "
                "%(new)s take part for the first time."
            )
            if organisations["basis"] == "attended"
            else _("%(total)s organisations were invited: %(returning)s hosted students before, %(new)s are new.")
        )
        lines.append(template % {"total": total, "returning": returning, "new": total - returning})
    period = figures.get("period")
    if not period:
        return lines
    period_text = _("%(cohort)s, %(start)s–%(end)s") % {
        "cohort": period["cohort"],
        "start": date_format(datetime.date.fromisoformat(period["start"]), "SHORT_DATE_FORMAT"),
        "end": date_format(datetime.date.fromisoformat(period["end"]), "SHORT_DATE_FORMAT"),
    }
    agreements = figures["agreements"]
    share = percent(agreements["approved_before_start"], agreements["total"])
    if share is not None:
        lines.append(
            _(
                "%(share)s %% of the expectation agreements were approved before the start "
                "(%(part)s of %(whole)s; %(period)s)."
            )
            % {
                "share": share,
                "part": agreements["approved_before_start"],
                "whole": agreements["total"],
                "period": period_text,
            }
        )
    resource = figures["resource"]
    share = percent(resource["high"], resource["answered"])
    if share is not None:
        lines.append(
            _(
                "%(share)s %% of the students felt like a resource (4 or 5 of 5) in their latest check-in "
                "(%(part)s of %(whole)s; %(period)s)."
            )
            % {"share": share, "part": resource["high"], "whole": resource["answered"], "period": period_text}
        )
    spread = figures["workload"]
    if sum(count for _value, count in spread):
        lines.append(
            _(
                "Workload in the latest check-in (1 far too little, 3 about right, 5 far too much): "
                "%(spread)s (%(period)s)."
            )
            % {"spread": ", ".join(f"{value}: {count}" for value, count in spread), "period": period_text}
        )
    onboarding = figures["onboarding"]
    share = percent(onboarding["on_time"], onboarding["due"])
    if share is not None:
        lines.append(
            _("%(share)s %% of the onboarding items due were done on time (%(part)s of %(whole)s; %(period)s).")
            % {"share": share, "part": onboarding["on_time"], "whole": onboarding["due"], "period": period_text}
        )
    return lines


@transaction.atomic
def report_start(*, gathering: Gathering, user: User) -> ExperienceReport:
    """A draft write-up whose background starts with what the data says about who took part."""
    figures = report_figures(gathering)
    organisations = figures["organisations"]
    background = _(
        "On %(date)s we held a %(kind)s for the organisations of %(cohort)s. Of the %(total)s organisations "
        "taking part, %(returning)s had hosted students before and %(new)s take part for the first time."
    ) % {
        "date": date_format(gathering.held_on, "DATE_FORMAT"),
        "kind": gathering.get_kind_display().lower(),
        "cohort": gathering.cohort.name,
        "total": organisations["total"],
        "returning": organisations["returning"],
        "new": organisations["total"] - organisations["returning"],
    }
    report, _created = ExperienceReport.objects.get_or_create(
        gathering=gathering,
        defaults={
            "title": _("Experience write-up: %(gathering)s") % {"gathering": gathering},
            "background": background,
        },
    )
    return report


@transaction.atomic
def report_publish(*, report: ExperienceReport, user: User, today: datetime.date | None = None) -> ExperienceReport:
    """Publish with the figures as they are now; they stay as published."""
    report.figures = report_figures(report.gathering, today=today)
    report.published_at, report.published_by = timezone.now(), user
    report.full_clean()
    report.save()
    return report
