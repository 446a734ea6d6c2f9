from django.conf import settings
from django.core.management.base import BaseCommand

from innopraksis.overview import retention


class Command(BaseCommand):
    help = (
        "Anonymise the cohorts that ended more than RETENTION_MONTHS ago: names, e-mail addresses, phone "
        "numbers and free-text answers are removed, the numbers kept. Run daily."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would be anonymised; change nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        cohorts = list(retention.due_cohorts())
        if not cohorts:
            self.stdout.write(f"No cohort ended more than {settings.RETENTION_MONTHS} months ago; nothing to do.")
        for cohort in cohorts:
            outcome = retention.plan(cohort) if dry_run else retention.anonymise(cohort)
            verb = "Would anonymise" if dry_run else "Anonymised"
            self.stdout.write(
                f"{verb} {outcome.cohort}: {outcome.placements} placement(s), {outcome.people} student(s)."
            )
