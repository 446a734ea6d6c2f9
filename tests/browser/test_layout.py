"""Every page fits the screen: at a laptop's 1366 px and a phone's 390 px, for every role, nothing scrolls sideways.

With the demo data, so that the lists, tables, flags and charts are filled. A table may scroll inside its
own box; the page itself may not be wider than the window.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.browser.test_accessibility import DEMO_PEOPLE, _patterns, demo_kwargs, kwargs_for, sign_in_as
from tests.browser.test_journeys import sign_in
from tests.test_permission_matrix import MATRIX

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (1366, 390)
TOO_WIDE = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("language", ["nb", "en"])
def test_no_page_scrolls_sideways_for_any_role_on_a_laptop_or_a_phone(page, language):
    """English words are longer than Norwegian ones in places: both languages are measured."""
    call_command("seed_demo", "--quiet", stdout=StringIO())
    demo = demo_kwargs()
    patterns = _patterns()
    too_wide, visited = [], 0
    for role in ["anonymous", *DEMO_PEOPLE]:
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        if role == "anonymous":
            page.context.clear_cookies()
        else:
            sign_in_as(page, DEMO_PEOPLE[role])
        if language == "en":
            page.goto(reverse("privacy"))
            page.get_by_role("button", name="English").click()
            page.wait_for_selector('html[lang="en"]')
        for name, (method, _data, _factory, expected) in sorted(MATRIX.items()):
            if method != "get" or expected.get(role) != 200 or name == "logout":
                continue
            if patterns[name].endswith((".csv", ".json", ".ics")):
                continue  # downloads, not pages
            kwargs = kwargs_for(name, patterns[name], demo)
            if kwargs is None:
                continue
            page.set_viewport_size({"width": WIDTHS[0], "height": 900})
            response = page.goto(reverse(name, kwargs=kwargs))
            if not response.headers.get("content-type", "").startswith("text/html"):
                continue
            visited += 1
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                excess = page.evaluate(TOO_WIDE)
                if excess > 0:
                    too_wide.append(f"{role} {name} at {width} px: {excess} px too wide")
    assert visited > 50
    assert too_wide == [], "\n".join(too_wide)


CONTRAST = """(element) => {
  const luminance = (rgb) => {
    const [r, g, b] = rgb.match(/\\d+/g).slice(0, 3).map((c) => {
      const v = c / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const border = luminance(getComputedStyle(element).borderTopColor);
  return (1 + 0.05) / (border + 0.05);
}"""


def test_check_boxes_have_visible_borders_and_a_focus_ring(page, cast):
    sign_in(page, cast.coordinator.email)
    page.goto(reverse("placement_create"))
    box = page.get_by_role("checkbox", name="tirsdag")
    assert box.evaluate(CONTRAST) >= 3  # against the white page (WCAG 1.4.11)
    box.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focused from the keyboard, as :focus-visible needs
    outline = box.evaluate(
        "(element) => getComputedStyle(element).outlineStyle + ' ' + getComputedStyle(element).outlineWidth"
    )
    assert outline == "solid 3px"
