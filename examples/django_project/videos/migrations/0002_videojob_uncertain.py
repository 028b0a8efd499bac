from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("videos", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="videojob",
            name="uncertain",
            field=models.JSONField(
                blank=True, help_text="SubmissionUncertainError.to_dict(), for the sweep.",
                null=True,
            ),
        ),
    ]
