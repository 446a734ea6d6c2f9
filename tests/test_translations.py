"""Every string in the portal has its Norwegian translation."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = Path("locale/nb/LC_MESSAGES/django.po")


def untranslated(path: Path) -> list[str]:
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(message.id if isinstance(message.id, str) else message.id[0])
    return problems


def test_the_committed_catalogue_has_no_empty_or_fuzzy_entry():
    assert untranslated(ROOT / CATALOGUE) == []


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    if shutil.which("xgettext") is None:
        if os.environ.get("CI"):
            pytest.fail("GNU gettext is required in CI to check that every string is translated")
        pytest.skip("GNU gettext (xgettext) is not installed; install the 'gettext' package to run this check")
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", ".git", "node_modules", "*.pyc", "db.sqlite3"))
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "nb", "--no-location", "-i", "tests/*"],
        cwd=copy,
        env={**os.environ, "DEBUG": "true"},
        check=True,
        capture_output=True,
    )
    assert untranslated(copy / CATALOGUE) == [], "run makemessages and translate the new strings"


# Words the glossary (docs/glossary.md) replaced or spells one way: what a Norwegian reader must not see.
NOT_IN_NORWEGIAN = {
    "avstemming": "the check-in is «statussjekk»",
    "forventings": "«forventnings-» has an n",
    "vinn-vinn situasjon": "«vinn-vinn-situasjon» is one word",
    "Endring<": "an edit link says «Endre»",
    "Min praksis<": "the student's semester is «internship», not «praksis» alone",
    "Studenter og praksis<": "the student's semester is «internship», not «praksis» alone",
}


def test_the_norwegian_catalogue_keeps_to_the_glossary():
    with (ROOT / CATALOGUE).open("rb") as handle:
        catalogue = read_po(handle)
    found = []
    for message in catalogue:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            for word, rule in NOT_IN_NORWEGIAN.items():
                if word.rstrip("<").lower() in text.lower() and (not word.endswith("<") or text == word[:-1]):
                    found.append(f"{text!r}: {rule}")
    assert found == []
