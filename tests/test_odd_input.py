"""Odd input gets an answer, never a 500: parameters with characters that look like digits, nonsense addresses."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import client_for

ODD = ["²", "-1", "1.5", "٣", "2023-01-09", "foo", "%00", "9" * 30]
LISTS = [
    "dashboard",
    "dashboard_export",
    "placement_list",
    "student_list",
    "organisation_list",
    "cohort_list",
    "invitation_list",
    "gathering_list",
    "report_library",
]
PARAMETERS = [
    "cohort",
    "organisation",
    "organisation_view",
    "state",
    "flag",
    "sort",
    "page",
    "q",
    "internship_course",
    "notes",
    "role",
    "sector",
]


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize("name", LISTS)
def test_list_pages_answer_odd_parameters(cast, name, value):
    client = client_for(cast.coordinator)
    response = client.get(reverse(name), dict.fromkeys(PARAMETERS, value))
    assert response.status_code in (200, 404)  # a cohort or organisation that does not exist is not found
    if response.streaming:
        b"".join(response.streaming_content)


@pytest.mark.parametrize("value", [*ODD, "https://evil.example/", "//evil.example", "/students/"])
def test_the_language_switch_goes_only_to_a_page_of_this_site(cast, value):
    response = client_for(cast.coordinator).post(reverse("set_language"), {"language": "en", "next": value})
    assert response.status_code == 302
    assert response.url == (value if value == "/students/" else "/")
