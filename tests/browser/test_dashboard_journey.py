"""The coordinator finds the internships with a worrying workload and sees why."""

from playwright.sync_api import expect

from feedback import checkins
from students.models import Placement
from tests.browser.test_checkin_journey import started_today_two_weeks_ago
from tests.browser.test_journeys import sign_in


def test_the_coordinator_filters_to_workload_and_opens_a_flagged_placement(page, cast):
    placement = started_today_two_weeks_ago(cast)
    checkin = placement.checkins.order_by("due_on").first()
    answers = {"workload": 5, "resource": 4, "learning": 4, "safe_to_ask": "yes"}
    checkins.checkin_answer_student(checkin=checkin, user=cast.student_a, answers=answers)
    checkins.checkin_answer_supervisor(
        checkin=checkin, user=cast.supervisor_a, answers={"delivery": "meets", "feedback_given": "Bra"}
    )
    calm = Placement.objects.create(
        cohort=placement.cohort,
        student=cast.student_b.student,
        organisation=cast.org_b,
        starts_on=placement.starts_on,
        ends_on=placement.ends_on,
    )

    sign_in(page, cast.coordinator.email)
    page.get_by_role("link", name="Oversiktstavle", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Oversiktstavle: Internship nå")
    expect(page.get_by_role("link", name=calm.student.user.full_name)).to_be_visible()

    page.get_by_label("Flagg").select_option(label="Arbeidsmengde")
    page.get_by_role("button", name="Filtrer").click()
    assert "flag=workload" in page.url
    expect(page.get_by_text("1 praksisplass", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=calm.student.user.full_name)).to_have_count(0)

    page.get_by_role("link", name="Siri Student").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Praksisplass: Siri Student")
    expect(page.get_by_role("region", name="Trenger oppmerksomhet")).to_contain_text(
        "Studenten svarte «5 – altfor mye» om arbeidsmengden i siste statussjekk"
    )
