"""Mail servers that fail, for tests of what the portal does when mail cannot be sent."""

from __future__ import annotations

import smtplib

from django.core.mail.backends.locmem import EmailBackend

# Addresses the refusing server will not take; a test sets them.
REFUSED: set[str] = set()


class DownBackend(EmailBackend):
    """A mail server that cannot be reached."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class RefusingBackend(EmailBackend):
    """A mail server that refuses messages to the addresses in REFUSED and takes the others."""

    def send_messages(self, messages):
        for message in messages:
            if set(message.to) & REFUSED:
                raise smtplib.SMTPRecipientsRefused({address: (550, b"No such user") for address in message.to})
        return super().send_messages(messages)
