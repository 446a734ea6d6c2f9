from pathlib import Path

from django.core.management.base import BaseCommand

from innopraksis import backup


class Command(BaseCommand):
    help = "Restore a dump made by backup_database into an existing, empty PostgreSQL database."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The dump to restore.")
        parser.add_argument("--database", required=True, help="The empty database to restore into.")

    def handle(self, *args, file: Path, database: str, **options):
        backup.restore(file, database=database)
        self.stdout.write(f"Restored {file} into {database}.")
