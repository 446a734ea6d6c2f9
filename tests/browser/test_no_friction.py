"""Each journey's friction, fixed: what a person does next is obvious and nothing they typed is lost."""

from django.urls import reverse
from playwright.sync_api import expect

from students.models import AgreementState, ExpectationAgreement
from tests.browser.test_agreement_journey import open_agreement
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
