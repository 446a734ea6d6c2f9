from django.db import migrations

# The six practices of the experience write-up: (practice, owner, days from the start).
DEFAULTS = [
    ("clarify", "supervisor", 0),
    ("question_time", "supervisor", 0),
    ("adapted", "supervisor", 7),
    ("range", "supervisor", 14),
    ("safe_to_ask", "both", 14),
    ("workload", "both", 28),
]


def add_defaults(apps, schema_editor):
    Cohort = apps.get_model("students", "Cohort")
    OnboardingTemplateItem = apps.get_model("students", "OnboardingTemplateItem")
    for cohort in Cohort.objects.filter(onboarding_template__isnull=True):
        OnboardingTemplateItem.objects.bulk_create(
            OnboardingTemplateItem(cohort=cohort, position=position, practice=practice, owner=owner, due_days=days)
            for position, (practice, owner, days) in enumerate(DEFAULTS, start=1)
        )


class Migration(migrations.Migration):
    dependencies = [("students", "0006_onboarding")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
