"""An index of the published practices' ids (see Practice.Meta.indexes)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("practices", "0005_roles"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="practice",
            index=models.Index(fields=["publication_state", "id"], name="practices_state_id_idx"),
        ),
    ]
