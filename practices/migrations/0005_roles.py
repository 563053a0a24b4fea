"""The two roles, as groups: curators grow the base, reviewers decide what the public sees.

Curators add and edit practices, their countries, figures, sources, organisations and
evaluations, submit practices for review, and import and export spreadsheets. They delete
nothing but a practice's own rows (a figure, a country link), which history keeps. Reviewers
may do all that, and publish, unpublish, archive, delete practices and rate them on the
scorecard.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATOR = {
    "practices": {
        "practice": ["add", "change", "view", "submit", "import", "export"],
        "practicecountry": ["add", "change", "delete", "view"],
        "outcomemetric": ["add", "change", "delete", "view"],
        "source": ["add", "change", "view"],
        "organisation": ["add", "change", "view"],
        "evaluation": ["add", "change", "view"],
        "scorecardrating": ["view"],
        "theme": ["view"],
        "targetgroup": ["view"],
        "stage": ["view"],
        "gcmobjective": ["view"],
        "discussionquestion": ["view"],
        "outcome": ["view"],
    },
    "countries": {"country": ["view"]},
}
REVIEWER_EXTRA = {
    "practices": {
        "practice": ["publish", "delete"],
        "evaluation": ["delete"],
        "scorecardrating": ["add", "change", "delete"],
    },
}


def codenames(spec):
    for app_label, models in spec.items():
        for model, actions in models.items():
            for action in actions:
                yield app_label, f"{action}_{model}"


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; these groups need them now.
    for app_label in ("practices", "countries"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions(spec):
        found = []
        for app_label, codename in codenames(spec):
            found.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        return found

    curator, _ = Group.objects.get_or_create(name="curator")
    curator.permissions.set(permissions(CURATOR))
    reviewer, _ = Group.objects.get_or_create(name="reviewer")
    reviewer.permissions.set(permissions(CURATOR) + permissions(REVIEWER_EXTRA))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["curator", "reviewer"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("practices", "0004_evidence_history_permissions"),
        ("countries", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
