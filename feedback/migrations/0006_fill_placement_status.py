from django.db import migrations


class Migration(migrations.Migration):
    """Placements' status used to be filled here; it is filled in 0011, once every column it writes exists."""

    dependencies = [("feedback", "0005_placement_status")]

    operations = []
