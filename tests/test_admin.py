"""The admin: every page opens, changelists do not grow queries with rows, autocomplete works,
the correction forms keep the data consistent, and only staff get in."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from factories import (
    BEILUN,
    import_sample,
    make_category,
    make_complete_subitem,
    make_import_batch,
    make_plan,
    make_project,
    make_unit,
)

from importers.models import ImportBatch
from progress.models import ProgressReport
from projects.models import Project, Unit, UnitAlias, User

pytestmark = pytest.mark.django_db

# (app_label, model_name) of every model that has an admin page of its own
MODELS = [
    ("projects", "jurisdiction"),
    ("projects", "unit"),
    ("projects", "person"),
    ("projects", "leader"),
    ("projects", "user"),
    ("projects", "plan"),
    ("projects", "category"),
    ("projects", "project"),
    ("projects", "subitem"),
    ("projects", "milestone"),
    ("projects", "indicator"),
    ("progress", "progressreport"),
    ("importers", "importbatch"),
]
READ_ONLY = {("importers", "importbatch")}


def build(n: int) -> None:
    """n complete sub-items, each in its own plan and jurisdiction, with reports and imports."""
    for _ in range(n):
        subitem = make_complete_subitem()
        make_import_batch(subitem.project.plan)


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def changelist(app_label: str, model_name: str) -> str:
    return reverse(f"admin:{app_label}_{model_name}_changelist")


# --- Every page opens ------------------------------------------------------------------------


@pytest.mark.parametrize(("app_label", "model_name"), MODELS)
def test_changelist_opens(admin_client, app_label, model_name):
    build(2)

    response = admin_client.get(changelist(app_label, model_name))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1  # build() made two, one user is the admin


@pytest.mark.parametrize(("app_label", "model_name"), MODELS)
def test_changelist_search_opens(admin_client, app_label, model_name):
    build(1)

    response = admin_client.get(changelist(app_label, model_name), {"q": "区"})

    assert response.status_code == 200
    assert response.context["cl"].query == "区"


@pytest.mark.parametrize(("app_label", "model_name"), MODELS)
def test_add_page_opens_except_for_imports(admin_client, app_label, model_name):
    response = admin_client.get(reverse(f"admin:{app_label}_{model_name}_add"))

    expected = 403 if (app_label, model_name) in READ_ONLY else 200
    assert response.status_code == expected


@pytest.mark.parametrize(("app_label", "model_name"), MODELS)
def test_change_and_history_pages_open(admin_client, app_label, model_name, django_user_model):
    build(1)
    model = django_user_model if model_name == "user" else None
    if model is None:
        from django.apps import apps

        model = apps.get_model(app_label, model_name)
    obj = model.objects.first()

    change = admin_client.get(reverse(f"admin:{app_label}_{model_name}_change", args=[obj.pk]))
    history = admin_client.get(reverse(f"admin:{app_label}_{model_name}_history", args=[obj.pk]))

    assert change.status_code == 200
    assert change.context["original"] == obj
    assert history.status_code == 200
    assert history.context["object"] == obj


# --- No N+1 ------------------------------------------------------------------------------


@pytest.mark.parametrize(("app_label", "model_name"), MODELS)
def test_changelist_queries_do_not_grow_with_rows(admin_client, app_label, model_name):
    url = changelist(app_label, model_name)
    build(3)
    admin_client.get(url)  # warm up: content types, session
    few = count_queries(admin_client, url)

    build(27)
    many = count_queries(admin_client, url)

    assert many == few


def test_project_changelist_shows_plan_category_and_subitem_count(admin_client):
    subitem = make_complete_subitem()
    project = subitem.project

    response = admin_client.get(changelist("projects", "project"))

    row = next(r for r in response.context["cl"].result_list if r.pk == project.pk)
    assert row.subitem_count == 1
    content = response.content.decode()
    assert project.plan.title in content
    assert project.category.name in content


def test_unit_changelist_counts_led_and_cooperated_subitems(admin_client):
    subitem = make_complete_subitem()
    co_unit = subitem.co_units.get()

    response = admin_client.get(changelist("projects", "unit"))

    rows = {unit.pk: unit for unit in response.context["cl"].result_list}
    assert rows[subitem.lead_unit_id].led_count == 1
    assert rows[subitem.lead_unit_id].person_count == 1
    assert rows[co_unit.pk].co_count == 1


def test_plan_change_page_queries_do_not_grow_with_projects(admin_client):
    """The project inline evaluates the category choices once, not once per row."""
    plan = make_plan()
    category = make_category(plan)
    make_project(plan, category=category)
    url = reverse("admin:projects_plan_change", args=[plan.pk])
    admin_client.get(url)  # warm up: content types, session
    few = count_queries(admin_client, url)

    for _ in range(20):
        make_project(plan, category=category)
    many = count_queries(admin_client, url)

    assert many == few


# --- Filters -------------------------------------------------------------------------------


def test_report_changelist_filters_by_period_and_status(admin_client):
    subitem = make_complete_subitem()  # has a report for March
    april = ProgressReport.objects.create(
        subitem=subitem,
        period=datetime.date(2024, 4, 1),
        status="lagging",
        explanation="原因",
        state=ProgressReport.State.SUBMITTED,
    )
    url = changelist("progress", "progressreport")

    by_period = admin_client.get(url, {"period": "2024-04-01"})
    by_status = admin_client.get(url, {"status__exact": "lagging"})

    assert list(by_period.context["cl"].result_list) == [april]
    assert list(by_status.context["cl"].result_list) == [april]
    assert "2024-04" in by_period.content.decode()


def test_subitem_changelist_filters_by_lead_unit_and_searches_chinese(admin_client):
    subitem = make_complete_subitem()
    make_complete_subitem()
    url = changelist("projects", "subitem")

    by_unit = admin_client.get(url, {"lead_unit__id__exact": subitem.lead_unit_id})
    by_text = admin_client.get(url, {"q": subitem.lead_unit.name[1:]})  # without the 区

    assert list(by_unit.context["cl"].result_list) == [subitem]
    assert list(by_text.context["cl"].result_list) == [subitem]


# --- Autocomplete --------------------------------------------------------------------------


def test_unit_autocomplete_finds_units_by_chinese_name(admin_client):
    unit = make_unit(name="区教育局")
    make_unit(unit.jurisdiction, name="区民政局")

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "projects",
            "model_name": "subitem",
            "field_name": "lead_unit",
            "term": "教育",
        },
    )

    assert response.status_code == 200
    assert response.json()["results"] == [{"id": str(unit.pk), "text": "区教育局"}]


def test_unit_autocomplete_finds_units_by_alias(admin_client):
    unit = make_unit(name="区住房和城乡建设委员会")
    UnitAlias.objects.create(jurisdiction=unit.jurisdiction, unit=unit, alias="住建委")

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "projects", "model_name": "user", "field_name": "unit", "term": "住建委"},
    )

    assert [r["id"] for r in response.json()["results"]] == [str(unit.pk)]


# --- Correction forms keep the data consistent --------------------------------------------


def inline_management(prefix: str, total: int, initial: int = 0) -> dict[str, int]:
    return {
        f"{prefix}-TOTAL_FORMS": total,
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }


def unit_post_data(unit: Unit, aliases: list[str]) -> dict:
    data = {"name": unit.name, "jurisdiction": unit.jurisdiction_id}
    data |= inline_management("aliases", len(aliases))
    data |= inline_management("persons", 0)
    for i, alias in enumerate(aliases):
        data[f"aliases-{i}-alias"] = alias
    return data


def test_unit_alias_inline_takes_the_units_jurisdiction(admin_client):
    unit = make_unit(name="区教育局")
    url = reverse("admin:projects_unit_change", args=[unit.pk])

    response = admin_client.post(url, unit_post_data(unit, ["教体局"]))

    assert response.status_code == 302
    alias = UnitAlias.objects.get()
    assert (alias.unit, alias.jurisdiction, alias.alias) == (unit, unit.jurisdiction, "教体局")


def test_unit_alias_inline_rejects_an_alias_of_another_unit(admin_client):
    unit = make_unit(name="区教育局")
    other = make_unit(unit.jurisdiction, name="区体育局")
    UnitAlias.objects.create(jurisdiction=unit.jurisdiction, unit=other, alias="教体局")
    url = reverse("admin:projects_unit_change", args=[unit.pk])

    response = admin_client.post(url, unit_post_data(unit, ["教体局"]))

    assert response.status_code == 200  # the form again, with the error
    assert UnitAlias.objects.filter(unit=unit).count() == 0
    assert "区体育局" in response.content.decode()


def test_project_category_must_belong_to_the_projects_plan(admin_client):
    project = make_complete_subitem(report=False).project
    foreign_category = make_category()
    url = reverse("admin:projects_project_change", args=[project.pk])
    data = {
        "plan": project.plan_id,
        "category": foreign_category.pk,
        "number": project.number,
        "name": project.name,
        "description": "",
        "order": project.order,
        **inline_management("subitems", 0),
    }

    response = admin_client.post(url, data)

    assert response.status_code == 200
    project.refresh_from_db()
    assert project.category != foreign_category


def test_report_offers_only_its_own_subitems_milestones(admin_client):
    subitem = make_complete_subitem()
    other = make_complete_subitem()
    report = subitem.reports.get()

    response = admin_client.get(reverse("admin:progress_progressreport_change", args=[report.pk]))

    choices = response.context["adminform"].form.fields["milestones_achieved"].queryset
    assert set(choices) == set(subitem.milestones.all())
    assert not set(choices) & set(other.milestones.all())


def test_user_unit_must_belong_to_the_users_jurisdiction(admin_client):
    unit = make_unit()
    other_unit = make_unit()  # another jurisdiction
    data = {
        "username": "newreporter",
        "usable_password": "true",
        "password1": "a-long-pass-phrase-9",
        "password2": "a-long-pass-phrase-9",
        "jurisdiction": unit.jurisdiction_id,
        "unit": other_unit.pk,
    }

    rejected = admin_client.post(reverse("admin:projects_user_add"), data)
    accepted = admin_client.post(
        reverse("admin:projects_user_add"), data | {"unit": unit.pk, "jurisdiction": ""}
    )

    assert rejected.status_code == 200
    assert accepted.status_code == 302
    user = User.objects.get(username="newreporter")
    assert (user.unit, user.jurisdiction) == (unit, unit.jurisdiction)


def test_import_batches_are_read_only(admin_client):
    batch = make_import_batch()

    response = admin_client.get(reverse("admin:importers_importbatch_change", args=[batch.pk]))
    delete = admin_client.post(reverse("admin:importers_importbatch_delete", args=[batch.pk]))

    assert response.status_code == 200
    assert b'type="submit"' not in response.content.split(b'id="content-main"')[1]
    assert delete.status_code == 403
    assert ImportBatch.objects.filter(pk=batch.pk).exists()


def test_admin_changes_are_kept_with_who_made_them(admin_client, admin_user):
    project = make_project()
    url = reverse("admin:projects_project_change", args=[project.pk])
    data = {
        "plan": project.plan_id,
        "category": "",
        "number": project.number,
        "name": "新名称",
        "description": "",
        "order": project.order,
        **inline_management("subitems", 0),
    }

    response = admin_client.post(url, data)

    assert response.status_code == 302
    latest = Project.history.filter(id=project.pk).latest()
    assert (latest.name, latest.history_user) == ("新名称", admin_user)


# --- Only staff get in ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["supervisor", "reporter"])
def test_non_staff_users_are_sent_to_the_admin_login(client_as, request, role):
    user = request.getfixturevalue(role)

    response = client_as(user).get(changelist("projects", "plan"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_anonymous_is_sent_to_the_admin_login(client):
    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.django_db
def test_admin_group_member_who_is_not_superuser_can_manage_plans(client):
    from django.contrib.auth.models import Group

    from projects.models import User

    user = User.objects.create_user("office-admin", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="admin"))
    client.force_login(user)
    for url in (
        "/admin/projects/plan/",
        "/admin/progress/progressreport/",
        "/admin/importers/importbatch/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.context["cl"].model._meta.db_table in url.replace("/", "_")


@pytest.mark.django_db
def test_import_link_is_shown_to_admins_only(client):
    from django.contrib.auth.models import Group

    from projects.models import User

    admin = User.objects.create_user("office-admin", password="x")
    admin.groups.add(Group.objects.get_or_create(name="admin")[0])
    supervisor = User.objects.create_user("office-supervisor", password="x")
    supervisor.groups.add(Group.objects.get_or_create(name="supervisor")[0])
    client.force_login(admin)
    assert reverse("importers:upload") in client.get(reverse("home")).content.decode()
    client.force_login(supervisor)
    assert reverse("importers:upload") not in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_correcting_a_report_in_the_admin_refreshes_its_status(admin_client):
    from progress.models import ItemStatus

    import_sample(BEILUN, "北仑区")
    report = ProgressReport.objects.filter(status="on_track").first()
    url = reverse("admin:progress_progressreport_change", args=[report.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        {
            "subitem": report.subitem_id,
            "period": "2024-10-01",
            "status": "lagging",
            "explanation": "资金未到位",
            "milestones_achieved": [],
            "values-TOTAL_FORMS": 0,
            "values-INITIAL_FORMS": 0,
            "attachments-TOTAL_FORMS": 0,
            "attachments-INITIAL_FORMS": 0,
            "events-TOTAL_FORMS": 0,
            "events-INITIAL_FORMS": 0,
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else ""
    )
    row = ItemStatus.objects.get(subitem_id=report.subitem_id, period=report.period)
    assert row.reported_status == "lagging"
