from django.db import migrations


def fill(apps, schema_editor):
    """Placements that exist already get their status (with its token) and their cohorts a dashboard
    stamp; from now on every write keeps them. This runs the current ``feedback.status`` code, so it
    must stay the last migration that changes PlacementStatus: move it after any later one."""
    from feedback import status

    status.refresh_all()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0010_status_open_dues"), ("students", "0011_order_by_ids")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
