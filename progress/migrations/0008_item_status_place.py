"""ItemStatus carries its sub-item's jurisdiction, plan, category and lead unit, so that the
dashboards count it without joins. Existing rows are filled from the sub-items here (one UPDATE
with correlated subqueries, portable between SQLite and PostgreSQL); from then on
progress.statuses.refresh_statuses writes them with every row."""

import django.db.models.deletion
from django.db import migrations, models

FILL = """
UPDATE progress_itemstatus SET
    plan_id = (SELECT p.plan_id FROM projects_subitem si
               JOIN projects_project p ON p.id = si.project_id
               WHERE si.id = progress_itemstatus.subitem_id),
    jurisdiction_id = (SELECT pl.jurisdiction_id FROM projects_subitem si
                       JOIN projects_project p ON p.id = si.project_id
                       JOIN projects_plan pl ON pl.id = p.plan_id
                       WHERE si.id = progress_itemstatus.subitem_id),
    category_id = (SELECT p.category_id FROM projects_subitem si
                   JOIN projects_project p ON p.id = si.project_id
                   WHERE si.id = progress_itemstatus.subitem_id),
    lead_unit_id = (SELECT si.lead_unit_id FROM projects_subitem si
                    WHERE si.id = progress_itemstatus.subitem_id)
"""


def fill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            # the foreign keys are deferred: checked now, so that ALTER TABLE may follow
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(FILL)


class Migration(migrations.Migration):
    dependencies = [
        ("progress", "0007_publication"),
        ("projects", "0005_wider_values"),
    ]

    operations = [
        migrations.AddField(
            model_name="itemstatus",
            name="category",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="projects.category",
            ),
        ),
        migrations.AddField(
            model_name="itemstatus",
            name="jurisdiction",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="projects.jurisdiction",
            ),
        ),
        migrations.AddField(
            model_name="itemstatus",
            name="lead_unit",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="projects.unit",
            ),
        ),
        migrations.AddField(
            model_name="itemstatus",
            name="plan",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="projects.plan",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="itemstatus",
            name="jurisdiction",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="projects.jurisdiction",
            ),
        ),
        migrations.AlterField(
            model_name="itemstatus",
            name="plan",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="projects.plan",
            ),
        ),
        migrations.AddIndex(
            model_name="itemstatus",
            index=models.Index(fields=["jurisdiction", "period"], name="item_status_jurisdiction"),
        ),
    ]
