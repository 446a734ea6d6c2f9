from django.core.management.base import BaseCommand

from feedback.status import status_recompute


class Command(BaseCommand):
    help = (
        "Compute every placement's status from its check-ins, follow-ups and onboarding items, and store what "
        "differs. Run once after upgrading from a version without it; advance_placements also does it daily."
    )

    def handle(self, *args, **options):
        corrected = status_recompute(log=False)
        self.stdout.write(f"Computed the status of {corrected} placement(s) anew.")
