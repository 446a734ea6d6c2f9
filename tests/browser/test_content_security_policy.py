"""The pages work under the strict Content-Security-Policy: the browser refuses nothing."""

import datetime

from django.urls import reverse
from playwright.sync_api import expect

from students.models import Cohort, Placement
from tests.browser.test_journeys import sign_in


def test_no_page_breaks_the_content_security_policy(page, cast):
    cohort = Cohort.objects.create(
        name="Internship våren 2023", starts_on=datetime.date(2023, 1, 9), ends_on=datetime.date(2023, 5, 19)
    )
    placement = Placement.objects.create(
        cohort=cohort,
        student=cast.student_a.student,
        organisation=cast.org_a,
        starts_on=cohort.starts_on,
        ends_on=cohort.ends_on,
    )
    refused = []

    def watch(message):
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", watch)
    sign_in(page, cast.coordinator.email)
    for url in [
        reverse("home_coordinator"),
        reverse("dashboard"),
        reverse("placement_detail", kwargs={"pk": placement.pk}),
        reverse("cohort_create"),
        reverse("profile"),
        "/admin/",
        "/admin/students/placement/",
        f"/admin/students/placement/{placement.pk}/change/",
    ]:
        response = page.goto(url)
        assert "script-src 'self'" in response.headers["content-security-policy"], url
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert refused == []
