from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation


def send_templated_mail(*, to: str, template: str, context: dict, language: str, now: bool = False) -> None:
    """Send ``emails/<template>_subject.txt`` and ``_body.txt`` in the recipient's language.

    Sent when the surrounding transaction commits, so a rolled-back change never mails anybody. With
    ``now``, sent at once and a failure raises, for a caller that records the sending in the same
    transaction and must not record a mail that was not handed over.
    """

    def send() -> None:
        with translation.override(language):
            subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
            body = render_to_string(f"emails/{template}_body.txt", context)
        send_mail(subject, body, None, [to])

    if now:
        send()
    else:
        transaction.on_commit(send)


def absolute_url(path: str) -> str:
    """A link for an e-mail: the portal's public address (PORTAL_URL) and ``path``."""
    return settings.PORTAL_URL + path
