"""URL ids that cannot be guessed: ``<ref:pk>`` is the id with a keyed MAC, "42-3f9c0a1b2d4e".

Links to placements, check-ins and gatherings travel in e-mails; with the MAC,
knowing one link does not lead to the next. Views still receive the integer id,
and ``reverse()`` and ``{% url %}`` still take it.
"""

from __future__ import annotations

import hmac

from django.urls import register_converter
from django.utils.crypto import salted_hmac

SALT = "innopraksis.url-ref"
MAC_LENGTH = 12


def _mac(pk: int) -> str:
    return salted_hmac(SALT, str(pk)).hexdigest()[:MAC_LENGTH]


class RefConverter:
    regex = rf"[0-9]+-[0-9a-f]{{{MAC_LENGTH}}}"

    def to_python(self, value: str) -> int:
        pk, mac = value.split("-")
        if not hmac.compare_digest(mac, _mac(int(pk))):
            raise ValueError("not a portal link")  # no match: 404
        return int(pk)

    def to_url(self, value) -> str:
        pk = int(value)
        return f"{pk}-{_mac(pk)}"


register_converter(RefConverter, "ref")
