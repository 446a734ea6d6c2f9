from django.db import migrations


def open_agreements(apps, schema_editor):
    """Placements already in the agreement state get their (empty) agreement to fill in."""
    Placement = apps.get_model("students", "Placement")
    ExpectationAgreement = apps.get_model("students", "ExpectationAgreement")
    for placement in Placement.objects.filter(state="agreement", agreement__isnull=True):
        ExpectationAgreement.objects.create(placement=placement)


class Migration(migrations.Migration):
    dependencies = [("students", "0004_expectation_agreement")]

    operations = [migrations.RunPython(open_agreements, migrations.RunPython.noop)]
