"""A worrying check-in from both sides, and the coordinator seeing why it is flagged."""

import datetime

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from feedback import lifecycle
from students.models import AgreementState, Cohort, ExpectationAgreement, Placement, PlacementState
from tests.browser.test_journeys import sign_in, sign_out


def started_today_two_weeks_ago(cast) -> Placement:
    today = timezone.localdate()
    cohort = Cohort.objects.create(
        name="Internship nå",
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=120),
    )
    placement = Placement.objects.create(
        cohort=cohort,
        student=cast.student_a.student,
        organisation=cast.org_a,
        starts_on=today - datetime.timedelta(days=14),  # the first check-in is due today
        ends_on=cohort.ends_on,
    )
    placement.supervisors.add(cast.supervisor_a)
    Placement.objects.filter(pk=placement.pk).update(state=PlacementState.AGREEMENT)
    ExpectationAgreement.objects.create(placement=placement, state=AgreementState.APPROVED)
    placement.refresh_from_db()
    lifecycle.placement_activate(placement=placement)
    return placement


def test_a_high_workload_is_answered_adjusted_and_flagged_to_the_coordinator(page, cast):
    placement = started_today_two_weeks_ago(cast)

    sign_in(page, cast.student_a.email)
    page.get_by_role("link", name="Dine statussjekker og evalueringer").click()
    page.get_by_role("link", name=timezone.localdate().strftime("%d.%m.%Y"), exact=True).click()
    expect(page.get_by_text("Meldingen til koordinatoren er bare for koordinatoren.")).to_be_visible()
    page.get_by_label("5 – altfor mye").check()
    page.get_by_role("group", name="I hvor stor grad føler du deg som en ressurs for organisasjonen?").get_by_label(
        "3"
    ).check()
    page.get_by_role("group", name="Hvor mye lærer du?").get_by_label("4").check()
    page.get_by_label("Delvis").check()
    page.get_by_label("Hva som bør justeres").fill("For mange oppgaver samtidig.")
    page.get_by_label("En melding bare til koordinatoren (valgfritt)").fill("Jeg tør ikke si fra.")
    page.get_by_role("button", name="Send svarene mine").click()
    expect(page.get_by_text("Takk, svarene dine er lagret.")).to_be_visible()
    sign_out(page)

    sign_in(page, cast.supervisor_a.email)
    page.goto(reverse("checkin_list", kwargs={"pk": placement.pk}))
    page.get_by_role("link", name=timezone.localdate().strftime("%d.%m.%Y"), exact=True).click()
    expect(page.get_by_text("Studenten har svart.")).to_be_visible()
    page.get_by_label("Som forventet").check()
    page.get_by_label("Tilbakemeldingen vi har gitt studenten").fill("Gode analyser.")
    page.get_by_role("button", name="Send svarene mine").click()
    expect(page.get_by_text("For mange oppgaver samtidig.")).to_be_visible()
    expect(page.get_by_text("Jeg tør ikke si fra.")).to_have_count(0)
    page.get_by_role("link", name="Alle statussjekker og oppfølginger").click()
    page.get_by_role("link", name="Logg en oppfølging").click()
    page.get_by_label("Type").select_option(label="Justering av arbeidsmengden")
    page.get_by_label("Notat").fill("Tar bort rapporteringen resten av måneden.")
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_text("Oppfølgingen er logget.")).to_be_visible()
    sign_out(page)

    sign_in(page, cast.coordinator.email)
    page.goto(reverse("placement_detail", kwargs={"pk": placement.pk}))
    attention = page.get_by_role("region", name="Trenger oppmerksomhet")
    expect(attention).to_contain_text("Arbeidsmengde")
    expect(attention).to_contain_text("Studenten svarte «5 – altfor mye» om arbeidsmengden i siste statussjekk")
    attention.get_by_role("link").first.click()
    expect(page.get_by_text("Tar bort rapporteringen resten av måneden.")).to_be_visible()
    page.get_by_role("link", name=timezone.localdate().strftime("%d.%m.%Y"), exact=True).click()
    expect(page.get_by_text("Jeg tør ikke si fra.")).to_be_visible()
