from django.db import migrations


def fill(apps, schema_editor):
    """Placements that exist already get their status once; from now on every write keeps it."""
    from feedback import status

    status.refresh_all()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0005_placement_status")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
