from django.conf import settings
from django.core.management.base import BaseCommand

from students import imports


class Command(BaseCommand):
    help = (
        "Delete uploaded import files (names, addresses, phone numbers) that were neither confirmed nor "
        "cancelled within IMPORT_KEEP_HOURS. Run hourly."
    )

    def handle(self, *args, **options):
        deleted = imports.import_forget_stale()
        self.stdout.write(f"Deleted {deleted} uploaded import file(s) older than {settings.IMPORT_KEEP_HOURS} hours.")
