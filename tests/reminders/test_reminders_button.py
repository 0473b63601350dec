"""The 催报 button of the missing-reports page, through the real view, service and mail outbox."""

from __future__ import annotations

import pytest
from django.urls import reverse
from factories import make_user

from progress.models import Reminder
from projects import roles

pytestmark = pytest.mark.django_db

SEND = reverse("reminders:send")
MISSING = reverse("review:missing")
FORM = {"period": "2024-03"}


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("admin_user", 302),
        ("sup", 302),
        ("jy1", 403),
        ("bl", 403),
        ("other_supervisor", 302),  # their own jurisdiction: 北仑区
    ],
)
def test_it_checks_access(
    world, client_as, admin_user, other_supervisor, persona, status, mailoutbox
):
    from projects.models import User

    users = {"anonymous": None, "admin_user": admin_user, "other_supervisor": other_supervisor}
    user = users[persona] if persona in users else User.objects.get(username=persona)
    response = client_as(user).post(SEND, FORM)
    assert response.status_code == status
    if status == 302 and user is not None:
        assert response["Location"].startswith(MISSING)
    if user is None or status == 403:
        assert mailoutbox == [] and not Reminder.objects.exists()


def test_a_supervisor_cannot_remind_another_jurisdiction(
    world, client_as, other_jurisdiction, mailoutbox
):
    from projects.models import User

    sup = User.objects.get(username="sup")
    response = client_as(sup).post(SEND, {**FORM, "jurisdiction": other_jurisdiction.pk})
    assert response.status_code == 404
    assert mailoutbox == []


def test_get_is_not_allowed(world, client_as):
    from projects.models import User

    assert client_as(User.objects.get(username="sup")).get(SEND).status_code == 405


def test_the_button_sends_records_and_shows_who_sent_what(world, client_as, mailoutbox):
    from projects.models import User

    sup = User.objects.get(username="sup")
    sup.first_name, sup.last_name = "明", "王"
    sup.save()
    client = client_as(sup)
    page = client.get(MISSING, {"period": "2024-03"}).content.decode()
    assert f'action="{SEND}"' in page

    response = client.post(SEND, FORM, follow=True)
    html = response.content.decode()

    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["jy1@example.cn", "jy2@example.cn"]
    reminder = Reminder.objects.get()
    assert reminder.sent_by == sup and reminder.unit.name == "区教育局"
    assert "已催报 1 个单位" in html  # the message, in Chinese
    assert "区人社局" in html  # no reporter: said so
    assert 'id="reminders"' in html and "王明" in html  # the record, with the real name
    assert "remind-force" in html  # the choice to send again

    client.post(SEND, FORM)  # within a day: not again
    assert len(mailoutbox) == 1
    client.post(SEND, {**FORM, "force": "1"})
    assert len(mailoutbox) == 2 and Reminder.objects.count() == 2


def test_no_reminder_before_the_deadline(world, client_as, mailoutbox):
    from django.utils import timezone

    from progress import periods
    from projects.models import User

    now = periods.period_now(timezone.localdate())
    client = client_as(User.objects.get(username="sup"))
    response = client.post(SEND, {"period": periods.label(now)}, follow=True)
    assert "尚未过" in response.content.decode() or "not passed" in response.content.decode()
    assert mailoutbox == []


def test_the_missing_page_takes_the_same_queries_with_more_reminders(
    world, client_as, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from projects.models import Unit, User

    client = client_as(User.objects.get(username="sup"))
    with CaptureQueriesContext(connection) as few:
        client.get(MISSING, {"period": "2024-03"})
    for unit in Unit.objects.all():
        for _ in range(3):
            Reminder.objects.create(
                period="2024-03-01",
                unit=unit,
                recipients="a@b.cn",
                item_count=1,
                subject="s",
                sent_by=make_user(f"s{unit.pk}{_}", roles.SUPERVISOR),
            )
    with CaptureQueriesContext(connection) as many:
        client.get(MISSING, {"period": "2024-03"})
    assert len(many) == len(few)


def test_the_missing_list_downloads_as_xlsx(world, client_as, other_supervisor):
    import io

    from openpyxl import load_workbook
    from queued import exported

    from progress.jobs.models import Job
    from projects.models import User

    url = reverse("review:missing_export")
    sup = User.objects.get(username="sup")
    # a whole jurisdiction's list: a worker writes it, whatever its size
    response = exported(client_as(sup), url, {"period": "2024-03"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    title, subtitle, header, *rows = list(sheet.iter_rows(values_only=True))
    assert title[0] == "西青区 2024-03 未报送清单"
    assert header[0] == "牵头单位"
    assert subtitle[0].startswith("报送期限：2024-04-05")
    page = client_as(sup).get(MISSING, {"period": "2024-03"})
    assert len(rows) == page.context["item_count"]
    assert {r[0] for r in rows} == {"区教育局", "区人社局"}
    # access: another jurisdiction's supervisor gets 404 asking for this one, reporters 403
    here = sup.jurisdiction_id
    assert client_as(other_supervisor).get(url, {"jurisdiction": here}).status_code == 404
    reporter = User.objects.get(username="jy1")
    assert client_as(reporter).get(url).status_code == 403
    assert client_as(None).get(url).status_code == 302
    # the file: the jurisdiction's supervisors, never its units nor another jurisdiction
    job = Job.objects.get()
    assert job.result_url.startswith(MISSING)
    download = reverse("jobs:download", args=[job.pk])
    assert client_as(reporter).get(download).status_code == 404
    assert client_as(other_supervisor).get(download).status_code == 404
