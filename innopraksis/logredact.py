"""Secrets in addresses never reach a log.

A calendar feed, an invitation and a password reset each carry a secret in their path; whoever reads
the access log or the portal's own log must not be able to open them. `redact` blanks those parts of
any text; `RedactSecrets` applies it to every record the portal logs (settings.LOGGING), traceback
included, and gunicorn.conf.py's logger to every field of gunicorn's access log (the request line, the
path, the referrer) and to its error log.

No Django imports: gunicorn loads this before the application.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

# The paths of urls.py whose segments are secrets: the calendar feed, an invitation, a password reset.
_SECRET_IN_PATH = [
    (re.compile(r"(/calendar/)[^/\s?#\"']+(\.ics)"), rf"\1{REDACTED}\2"),
    (re.compile(r"(/invitation/)[^/\s?#\"']+"), rf"\1{REDACTED}"),
    (re.compile(r"(/password/reset/)[^/\s?#\"']+/[^/\s?#\"']+/"), rf"\1{REDACTED}/{REDACTED}/"),
]


def redact(text: str) -> str:
    for pattern, replacement in _SECRET_IN_PATH:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites a record's message with its secrets blanked (the arguments are merged into it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
