"""Every page reads in English for a person who chose English: no Norwegian interface text left over."""

from __future__ import annotations

import re

from django.db import transaction
from django.urls import reverse

from tests.conftest import client_for
from tests.test_permission_matrix import MATRIX

# Words of the Norwegian interface that never occur in the test data.
NORWEGIAN = re.compile(
    r"\b(Statussjekk\w*|Forventningsavklaring\w*|Praksisplass\w*|Oppfølging\w*|Lagre|Tilbake|"
    r"Frist|Samling\w*|Erfaringsskriv|Logg ut|Hopp til|Studentens|Organisasjonens|Personvern)\b"
)


def test_every_page_is_in_english_for_a_person_who_chose_english(cast):
    for user in (cast.coordinator, cast.supervisor_a, cast.student_a):
        user.language = "en"
        user.save(update_fields=["language"])
    role_of = {"coordinator": cast.coordinator, "supervisor_a": cast.supervisor_a, "student_a": cast.student_a}
    checked = 0
    for name, (method, _data, factory, expected) in sorted(MATRIX.items()):
        if method != "get":
            continue
        for role, user in role_of.items():
            if expected[role] != 200:
                continue
            with transaction.atomic():
                kwargs = factory(cast) if factory else {}
                response = client_for(user).get(reverse(name, kwargs=kwargs))
                transaction.set_rollback(True)
            if not response["Content-Type"].startswith("text/html"):
                continue
            html = response.content.decode()
            assert '<html lang="en">' in html, name
            text = re.sub(r"<[^>]+>", " ", html)
            leftover = NORWEGIAN.findall(text)
            assert not leftover, (name, role, leftover[:5])
            checked += 1
    assert checked > 80
