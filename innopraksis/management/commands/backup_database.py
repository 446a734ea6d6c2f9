from pathlib import Path

from django.core.management.base import BaseCommand

from innopraksis import backup


class Command(BaseCommand):
    help = "Dump the PostgreSQL database to a file (pg_dump custom format)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="Where to write the dump.")

    def handle(self, *args, file: Path, **options):
        backup.backup(file)
        self.stdout.write(f"Backed up the database to {file}.")
