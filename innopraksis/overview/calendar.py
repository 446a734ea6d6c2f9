"""A person's private calendar feed (iCalendar, RFC 5545): what is on for the placements they can see.

Times are in Europe/Oslo with the time zone included in the feed; titles are
in the person's language.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from feedback.models import CheckIn, Gathering
from innopraksis import access
from innopraksis.mail import absolute_url
from innopraksis.models import User
from students.models import OfficeHour, OnboardingItem, Placement

ZONE = ZoneInfo(settings.TIME_ZONE)
DOMAIN = "innopraksis"


def _first_on_or_after(day: datetime.date, weekday: int) -> datetime.date:
    """The first date from ``day`` that falls on ``weekday`` (1 = Monday)."""
    return day + datetime.timedelta(days=(weekday - day.isoweekday()) % 7)


def _office_hour_event(placement: Placement, office_hour: OfficeHour, stamp: datetime.datetime) -> Event:
    first = _first_on_or_after(placement.starts_on, office_hour.weekday)
    last_moment = datetime.datetime.combine(placement.ends_on, datetime.time(23, 59, 59), tzinfo=ZONE)
    event = Event()
    event.add("uid", f"office-hour-{placement.pk}@{DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("dtstart", datetime.datetime.combine(first, office_hour.starts_at, tzinfo=ZONE))
    event.add("duration", datetime.timedelta(minutes=office_hour.minutes))
    event.add("rrule", {"freq": "weekly", "until": last_moment.astimezone(datetime.UTC)})
    event.add(
        "summary",
        _("Question time: %(student)s, %(organisation)s")
        % {"student": placement.student.user.get_full_name(), "organisation": placement.organisation.name},
    )
    event.add("location", office_hour.place)
    event.add("url", absolute_url(placement.get_absolute_url()))
    return event


def _onboarding_event(placement: Placement, item: OnboardingItem, stamp: datetime.datetime) -> Event:
    event = Event()
    event.add("uid", f"onboarding-{item.pk}@{DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("dtstart", item.due_on)
    event.add("dtend", item.due_on + datetime.timedelta(days=1))
    event.add(
        "summary",
        _("Onboarding: %(item)s (%(student)s)")
        % {"item": item.display_title, "student": placement.student.user.get_full_name()},
    )
    event.add("description", item.display_explanation)
    event.add("url", absolute_url(f"{placement.get_absolute_url()}onboarding/"))
    return event


def _checkin_event(placement: Placement, checkin: CheckIn, stamp: datetime.datetime) -> Event:
    """Only the due date: a check-in's answers never go into a calendar."""
    event = Event()
    event.add("uid", f"checkin-{checkin.pk}@{DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("dtstart", checkin.due_on)
    event.add("dtend", checkin.due_on + datetime.timedelta(days=1))
    event.add("summary", _("Check-in due: %(student)s") % {"student": placement.student.user.get_full_name()})
    event.add("url", absolute_url(reverse("checkin_detail", kwargs={"pk": placement.pk, "checkin_pk": checkin.pk})))
    return event


def _gathering_event(gathering: Gathering, stamp: datetime.datetime) -> Event:
    event = Event()
    event.add("uid", f"gathering-{gathering.pk}@{DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("dtstart", datetime.datetime.combine(gathering.held_on, gathering.starts_at, tzinfo=ZONE))
    event.add("dtend", datetime.datetime.combine(gathering.held_on, gathering.ends_at, tzinfo=ZONE))
    event.add("summary", f"{gathering.get_kind_display()}: {gathering.cohort.name}")
    event.add("location", gathering.place)
    event.add("description", gathering.agenda)
    event.add("url", absolute_url(reverse("gathering_detail", kwargs={"pk": gathering.pk})))
    return event


def feed_for(user: User) -> bytes:
    """The whole feed, built in the user's language; its query count does not grow with the placements."""
    stamp = timezone.now().astimezone(datetime.UTC)
    with translation.override(user.language):
        calendar = Calendar()
        calendar.add("prodid", "-//InnoPraksis//portal//NB")
        calendar.add("version", "2.0")
        calendar.add("x-wr-calname", _("InnoPraksis"))
        calendar.add("x-wr-timezone", settings.TIME_ZONE)
        for placement in access.placements_in_calendar_of(user):
            office_hour = getattr(placement, "office_hour", None)
            if office_hour is not None:
                calendar.add_component(_office_hour_event(placement, office_hour, stamp))
            for item in placement.onboarding_items.all():
                calendar.add_component(_onboarding_event(placement, item, stamp))
            for checkin in placement.checkins.all():
                calendar.add_component(_checkin_event(placement, checkin, stamp))
        for gathering in access.gatherings_visible_to(user):
            calendar.add_component(_gathering_event(gathering, stamp))
        calendar.add_missing_timezones()
    return calendar.to_ical()
