"""Keep only a hash of each calendar feed secret; addresses already in use keep working."""

import hashlib

from django.db import migrations, models


def hash_existing_tokens(apps, schema_editor):
    # When these addresses were made is not known: the profile says only that one exists.
    User = apps.get_model("innopraksis", "User")
    for user in User.objects.exclude(calendar_token=None).only("pk", "calendar_token"):
        user.calendar_token_hash = hashlib.sha256(user.calendar_token.encode()).hexdigest()
        user.save(update_fields=["calendar_token_hash"])


class Migration(migrations.Migration):
    dependencies = [("innopraksis", "0004_sign_in_limits_per_account_and_address")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="calendar_token_hash",
            field=models.CharField(
                blank=True, editable=False, max_length=64, null=True, unique=True, verbose_name="calendar token hash"
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="calendar_token_made_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="calendar address made"),
        ),
        migrations.RunPython(hash_existing_tokens, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="user", name="calendar_token"),
    ]
