from django.core.management.base import BaseCommand, CommandError

from innopraksis import second_factor, security
from innopraksis.models import User


class Command(BaseCommand):
    help = (
        "For a person who lost their phone or key: remove their second factor (authenticator app, passkeys and "
        "security keys, recovery codes) and e-mail them that it was done. Check who is asking before running it."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The person's e-mail address.")
        parser.add_argument("--by", required=True, help="Who asked for the reset and how it was checked (logged).")

    def handle(self, *args, email: str, by: str, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"Nobody has the e-mail address {email}.")
        removed = second_factor.second_factor_reset(user=user)
        security.log_event("second_factor_reset", user=user, removed=removed, by=repr(by))
        self.stdout.write(
            f"Removed {removed} second factor(s) and the recovery codes of {user.email}, and e-mailed them. "
            + ("They set up a new one at their next sign-in." if second_factor.requires_second_factor(user) else "")
        )
