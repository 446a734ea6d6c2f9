from django.db import migrations


class Migration(migrations.Migration):
    """Placements' status was filled here by running live code; it is computed by ``manage.py recompute_status``."""

    dependencies = [("feedback", "0010_status_open_dues"), ("students", "0011_order_by_ids")]

    operations = []
