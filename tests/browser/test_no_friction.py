"""Each journey's friction, fixed: what a person does next is obvious and nothing they typed is lost."""

from django.urls import reverse
from playwright.sync_api import expect

from students.models import AgreementState, ExpectationAgreement
from tests.browser.test_agreement_journey import open_agreement
from tests.browser.test_checkin_journey import started_today_two_weeks_ago
from tests.browser.test_journeys import sign_in


def test_after_a_failed_send_back_the_focus_is_on_the_error_summary_and_after_a_good_one_on_the_message(page, cast):
    placement = open_agreement(cast)
    ExpectationAgreement.objects.filter(placement=placement).update(state=AgreementState.SIGNING)
    sign_in(page, cast.coordinator.email)
    page.goto(reverse("agreement_review", kwargs={"pk": placement.pk}))
    page.get_by_role("radio", name="Organisasjonen").check()
    page.get_by_role("button", name="Send tilbake").click()
    summary = page.locator("#form-errors")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Hva som bør endres").click()
    expect(page.get_by_label("Hva som bør endres")).to_be_focused()
    page.get_by_label("Hva som bør endres").fill("Beskriv oppgavene mer konkret.")
    page.get_by_role("button", name="Send tilbake").click()
    message = page.locator("#messages .alert").first
    expect(message).to_be_focused()
    expect(message).to_have_text("Avtalen er sendt tilbake med kommentaren din.")


def test_a_students_message_reaches_the_coordinators_home_and_the_answer_reaches_the_student_only(page, cast):
    placement = started_today_two_weeks_ago(cast)
    secret = "Jeg trives, men får for lite å gjøre. Kan vi snakke om det?"

    sign_in(page, cast.student_a.email)
    page.get_by_role("link", name="Samtalen din med koordinatoren").click()
    page.get_by_label("Din melding").fill(secret)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Meldingen din er sendt.")).to_be_focused()
    page.get_by_role("button", name="Logg ut").click()

    sign_in(page, cast.coordinator.email)
    new = page.get_by_role("region", name="Nye meldinger fra studenter")
    new.get_by_role("link", name="Siri Student – Solberg & Dahl Revisjon AS").click()
    expect(page.get_by_text(secret)).to_be_visible()
    page.get_by_label("Din melding").fill("Takk! Jeg ringer deg i morgen.")
    page.get_by_role("button", name="Send").click()
    page.get_by_role("link", name="Oversikt", exact=True).click()
    expect(page.get_by_role("region", name="Nye meldinger fra studenter")).to_contain_text("Ingen uleste meldinger")
    page.get_by_role("button", name="Logg ut").click()

    sign_in(page, cast.supervisor_a.email)
    expect(page.get_by_role("main")).not_to_contain_text(secret)
    page.goto(reverse("placement_detail", kwargs={"pk": placement.pk}))
    expect(page.get_by_role("main")).not_to_contain_text("Samtale")
    page.get_by_role("button", name="Logg ut").click()

    sign_in(page, cast.student_a.email)
    expect(page.get_by_text("Nytt svar")).to_be_visible()
    page.get_by_role("link", name="Samtalen din med koordinatoren").click()
    expect(page.get_by_text("Takk! Jeg ringer deg i morgen.")).to_be_visible()
