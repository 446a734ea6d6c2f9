"""No page offers a link its reader cannot follow: every link on every page a role reaches opens for that role.

Links are checked once per view they lead to (the first link found to each), on the data of the page that
shows them: each page is made and read in a savepoint rolled back afterwards.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.urls import Resolver404, resolve, reverse

from tests.conftest import client_for
from tests.test_permission_matrix import MATRIX, OK, ROLES

HREF = re.compile(r'href="(/[^"#]*)')


@pytest.mark.parametrize("role", ROLES)
def test_every_link_on_a_page_opens_for_its_reader(cast, role):
    client = client_for(cast.by_role(role))
    checked, broken, pages = set(), [], 0
    for name, (method, _data, kwargs_factory, expected_by_role) in sorted(MATRIX.items()):
        if method != "get" or expected_by_role[role] != OK or name == "logout":
            continue
        with transaction.atomic():
            url = reverse(name, kwargs=kwargs_factory(cast) if kwargs_factory else {})
            response = client.get(url)
            if response["Content-Type"].startswith("text/html"):
                pages += 1
                for href in HREF.findall(response.content.decode()):
                    path = urlsplit(href.replace("&amp;", "&")).path
                    try:
                        target = resolve(path).view_name
                    except Resolver404:
                        continue  # static files and the like
                    if target in checked:
                        continue
                    checked.add(target)
                    status = client.get(href.replace("&amp;", "&")).status_code
                    if status in (403, 404):
                        broken.append(f"{href} ({status}), linked from {url}")
            transaction.set_rollback(True)
        for person in (cast.coordinator, cast.supervisor_a, cast.supervisor_b, cast.student_a, cast.student_b):
            person.refresh_from_db()
    assert pages >= 3 and len(checked) >= 3
    assert broken == [], "\n".join(broken)
