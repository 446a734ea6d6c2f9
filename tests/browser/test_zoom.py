"""Zoom to 200 % without loss (WCAG 1.4.4/1.4.10): at half the width nothing spills sideways off the page."""

from django.urls import reverse

from tests.browser.test_checkin_journey import started_today_two_weeks_ago
from tests.browser.test_journeys import sign_in


def overflow(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_pages_reflow_at_double_zoom(page, cast):
    placement = started_today_two_weeks_ago(cast)
    checkin = placement.checkins.order_by("due_on").first()
    page.set_viewport_size({"width": 640, "height": 900})  # a 1280-pixel screen at 200 %
    sign_in(page, cast.coordinator.email)
    pages = [
        reverse("home_coordinator"),
        reverse("dashboard"),
        reverse("placement_detail", kwargs={"pk": placement.pk}),
        reverse("agreement_detail", kwargs={"pk": placement.pk}),
        reverse("checkin_list", kwargs={"pk": placement.pk}),
        reverse("checkin_detail", kwargs={"pk": placement.pk, "checkin_pk": checkin.pk}),
        reverse("cohort_create"),
    ]
    for url in pages:
        page.goto(url)
        assert overflow(page) <= 0, (url, overflow(page))
