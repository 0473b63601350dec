"""The item list's order copied onto ItemStatus (plan, project order, sub-item number), with
the indexes the list's first page is read from; the rows there already get their copies."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('progress', '0010_background_jobs'),
        ('projects', '0006_withdrawn'),
    ]

    operations = [
        migrations.AddField(
            model_name='itemstatus',
            name='project_order',
            field=models.PositiveIntegerField(db_default=0),
        ),
        migrations.AddField(
            model_name='itemstatus',
            name='subitem_number',
            field=models.PositiveIntegerField(db_default=0),
        ),
        migrations.AddIndex(
            model_name='itemstatus',
            index=models.Index(fields=['jurisdiction', 'period', 'plan', 'project_order', 'subitem_number'], name='item_status_list_order'),
        ),
        migrations.AddIndex(
            model_name='itemstatus',
            index=models.Index(fields=['period', 'plan', 'project_order', 'subitem_number'], name='item_status_list_all'),
        ),
        migrations.RunSQL(
            """
            UPDATE progress_itemstatus SET
                subitem_number = (
                    SELECT s.number FROM projects_subitem s
                    WHERE s.id = progress_itemstatus.subitem_id
                ),
                project_order = (
                    SELECT p."order" FROM projects_subitem s
                    JOIN projects_project p ON p.id = s.project_id
                    WHERE s.id = progress_itemstatus.subitem_id
                )
            """,
            migrations.RunSQL.noop,
        ),
    ]
