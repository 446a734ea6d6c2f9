"""A gathering from invitation to published write-up, as the coordinator and a supervisor use it."""

import datetime

from playwright.sync_api import expect

from students.models import Cohort
from tests.browser.test_journeys import sign_in, sign_out


def test_gathering_experience_and_write_up(page, cast):
    Cohort.objects.create(
        name="Internship våren 2023", starts_on=datetime.date(2023, 1, 9), ends_on=datetime.date(2023, 5, 19)
    )

    sign_in(page, cast.coordinator.email)
    page.get_by_role("link", name="Samlinger").click()
    page.get_by_role("link", name="Ny samling").click()
    page.get_by_label("Kull").select_option(label="Internship våren 2023")
    page.get_by_label("Type").select_option(label="Bedriftssamling")
    page.get_by_label("Dato").fill("2022-11-11")
    page.get_by_label("Starter").fill("10:00")
    page.get_by_label("Slutter").fill("14:00")
    page.get_by_label("Sted").fill("Handelshøgskolen")
    page.get_by_label(cast.org_a.name).check()
    page.get_by_role("button", name="Lagre og inviter").click()
    expect(page.get_by_text("Samlingen er lagret, og de inviterte veilederne har fått e-post.")).to_be_visible()
    gathering_url = page.url
    sign_out(page)

    sign_in(page, cast.supervisor_a.email)
    page.get_by_role("link", name="Samlinger").click()
    page.get_by_role("link", name="11.11.2022").click()
    page.get_by_role("link", name="Del en erfaring").click()
    page.get_by_label("Tema").select_option(label="Onboarding")
    page.get_by_label("Erfaringen eller tipset ditt").fill("Fast spørretid hver tirsdag gjorde studenten trygg.")
    page.get_by_role("button", name="Del", exact=True).click()
    expect(page.get_by_text("Takk for at du delte.")).to_be_visible()
    sign_out(page)

    sign_in(page, cast.coordinator.email)
    page.goto(gathering_url)
    page.get_by_role("link", name="Delte erfaringer").click()
    expect(page.get_by_text("Fast spørretid hver tirsdag gjorde studenten trygg.").first).to_be_visible()
    page.get_by_role("link", name="Tilbake til samlingen").click()
    page.get_by_role("button", name="Skriv erfaringsskrivet").click()
    expect(page.get_by_label("Bakgrunn")).to_contain_text("Av de 1 organisasjonene som deltok")
    page.get_by_label("Hovedpunkter fra organisasjonene som har hatt studenter før").fill(
        "En fast spørretid gjør studentene trygge."
    )
    page.get_by_role("button", name="Publiser for organisasjonene").click()
    expect(page.get_by_text("Erfaringsskrivet er publisert for organisasjonenes veiledere.")).to_be_visible()
    sign_out(page)

    sign_in(page, cast.supervisor_a.email)
    page.get_by_role("link", name="Erfaringsskriv").click()
    page.get_by_role("link", name="Erfaringsskriv: Bedriftssamling 11.11.2022").click()
    expect(page.get_by_text("En fast spørretid gjør studentene trygge.")).to_be_visible()
