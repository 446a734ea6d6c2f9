"""WCAG 2.1 AA: axe-core in the real browser on every page of the permission matrix, as each role that may see it.

With the demo data, so that lists, charts, flags and forms are filled. Serious
and critical violations fail the test, each reported with its page and role.
"""

from __future__ import annotations

import re
from io import StringIO

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from feedback.models import CheckIn, ExperienceReport, Gathering
from innopraksis import invitations
from innopraksis.management.commands.seed_demo import COORDINATORS, DEMO_PASSWORD, demo_student_email
from innopraksis.models import InvitationRole, User
from orgs.models import Membership
from students.models import ImportBatch, Placement
from tests.browser.test_journeys import sign_in
from tests.conftest import invitation_token
from tests.test_permission_matrix import MATRIX

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_PEOPLE = {
    "coordinator": COORDINATORS[0][0],
    "supervisor_a": "veileder@solbergdahl.example",
    "student_a": demo_student_email(1),
}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def demo_kwargs() -> dict[str, dict]:
    """URL arguments for each page, taken from the demo: student01's placement at Solberg & Dahl."""
    placement = Placement.objects.filter(student__user__email=demo_student_email(1)).latest("starts_on")
    organisation = placement.organisation
    gathering = Gathering.objects.get(kind="company_gathering")
    report = ExperienceReport.objects.get(gathering=gathering)
    checkin = CheckIn.objects.filter(placement=placement).order_by("due_on").first()
    membership = Membership.objects.filter(organisation=organisation).first()
    batch = ImportBatch.objects.create(
        kind="students", filename="s.csv", content="email;full_name\nny@example.org;Ny\n"
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        invitation = invitations.invitation_create(
            email="ny.person@example.org",
            role=InvitationRole.STUDENT,
            organisation=None,
            invited_by=User.objects.get(email=COORDINATORS[0][0]),
        )
    on_placement = {"pk": placement.pk}
    return {
        "placement": on_placement,
        "agreement_part": {**on_placement, "side": "student"},
        "agreement_step": {**on_placement, "side": "organisation", "step": "expectations"},
        "agreement_version": {**on_placement, "number": 1},
        "checkin_detail": {**on_placement, "checkin_pk": checkin.pk},
        "evaluation_detail": {**on_placement, "kind": "midterm"},
        "cohort": {"pk": placement.cohort_id},
        "organisation": {"pk": organisation.pk},
        "membership": {"pk": organisation.pk, "membership_pk": membership.pk},
        "student": {"pk": placement.student_id},
        "gathering": {"pk": gathering.pk},
        "report": {"pk": report.pk},
        "import": {"pk": batch.pk},
        "invitation": {"pk": invitation.pk},
        "token": {"token": invitation_token(mail.outbox[-1].body)},
        "person": {"pk": placement.student.user_id},
    }


SPECIAL = {
    "agreement_part": "agreement_part",
    "agreement_step": "agreement_step",
    "agreement_version": "agreement_version",
    "checkin_detail": "checkin_detail",
    "evaluation_detail": "evaluation_detail",
    "invitation_accept": "token",
    "membership_remove": "membership",
    "membership_invite": "membership",
    "person_data_export": "person",
    "report_detail": "report",
    "report_print": "report",
}


def kwargs_for(name: str, pattern: str, demo: dict) -> dict | None:
    if name in SPECIAL:
        return demo[SPECIAL[name]]
    if "<" not in pattern:
        return {}
    for prefix, key in [
        ("placements/", "placement"),
        ("cohorts/", "cohort"),
        ("organisations/", "organisation"),
        ("students/", "student"),
        ("gatherings/", "gathering"),
        ("import/", "import"),
        ("invitations/", "invitation"),
    ]:
        if pattern.startswith(prefix):
            return demo[key]
    return None


def _patterns() -> dict[str, str]:
    from django.urls import URLPattern, URLResolver, get_resolver

    found = {}

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name:
                found[pattern.name] = prefix + str(pattern.pattern)

    walk(get_resolver().url_patterns)
    return found


def sign_in_as(page, email: str) -> None:
    page.context.clear_cookies()
    sign_in(page, email, DEMO_PASSWORD)
    page.wait_for_url(re.compile(r".*/(coordinator|supervisor|student)/$"))


def test_every_page_passes_axe_for_every_role_that_may_see_it(page):
    call_command("seed_demo", "--quiet", stdout=StringIO())
    demo = demo_kwargs()
    patterns = _patterns()
    axe = Axe()
    violations, visited = [], 0
    for role in ["anonymous", *DEMO_PEOPLE]:
        if role == "anonymous":
            page.context.clear_cookies()
        else:
            sign_in_as(page, DEMO_PEOPLE[role])
        for name, (method, _data, _factory, expected) in sorted(MATRIX.items()):
            if (
                method != "get"
                or expected.get(role) != 200
                or (name in {"logout", "invitation_accept"} and role != "anonymous")
            ):
                continue
            if patterns[name].endswith((".csv", ".json", ".ics")):
                continue  # downloads, not pages
            kwargs = kwargs_for(name, patterns[name], demo)
            if kwargs is None:
                continue
            response = page.goto(reverse(name, kwargs=kwargs))
            if not response.headers.get("content-type", "").startswith("text/html"):
                continue
            visited += 1
            result = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
            for violation in result.response["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    targets = [node["target"] for node in violation["nodes"]][:3]
                    violations.append(f"{role} {name}: {violation['id']} – {violation['help']} {targets}")
    assert visited > 60
    assert violations == [], "\n".join(violations)


# Forms sent empty, as each role that fills them in: the page comes back with its error summary and every
# field's error, and must pass axe like any other page.
FORMS_WITH_ERRORS = {
    "coordinator": [
        ("cohort_create", None),
        ("student_create", None),
        ("placement_create", None),
        ("organisation_create", None),
        ("invitation_create", None),
        ("gathering_create", None),
        ("conversation", "placement"),
        ("password_change", None),
    ],
    "supervisor_a": [
        ("followup_create", "placement"),
        ("onboarding_item_add", "placement"),
        ("office_hour_edit", "placement"),
        ("experience_create", "gathering"),
    ],
    "student_a": [("conversation", "placement"), ("profile", None)],
}

SEND_EMPTY = """() => {
  const forms = [...document.querySelectorAll("main form[method=post]")];
  const form = forms.sort((a, b) => b.elements.length - a.elements.length)[0];
  form.noValidate = true;
  for (const field of form.elements) {
    if (["hidden", "submit", "button"].includes(field.type)) continue;
    if (field.type === "checkbox" || field.type === "radio") field.checked = false;
    else field.value = "";
  }
  form.requestSubmit(form.querySelector("button[type=submit], button:not([type])"));
}"""


def test_pages_with_form_errors_pass_axe(page):
    call_command("seed_demo", "--quiet", stdout=StringIO())
    demo = demo_kwargs()
    axe = Axe()
    violations, visited = [], 0
    for role, forms in FORMS_WITH_ERRORS.items():
        sign_in_as(page, DEMO_PEOPLE[role])
        for name, key in forms:
            page.goto(reverse(name, kwargs=demo[key] if key else {}))
            with page.expect_navigation():
                page.evaluate(SEND_EMPTY)
            assert page.locator("#form-errors").is_visible(), f"{role} {name}: no error summary"
            visited += 1
            result = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
            for violation in result.response["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    targets = [node["target"] for node in violation["nodes"]][:3]
                    violations.append(f"{role} {name}: {violation['id']} – {violation['help']} {targets}")
    assert visited == sum(len(forms) for forms in FORMS_WITH_ERRORS.values())
    assert violations == [], "\n".join(violations)
