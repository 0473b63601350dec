"""python manage.py load_demo: the five sample lists and demo accounts, for `make run`.

Safe to run again: importing a file twice changes nothing, and the accounts are reset. The
imported progress tables give reports for 2024-10 (北仑区) and 2024-03 (山亭区); one more report,
for 2024-11, is submitted so that the review queue has something in it.
"""

import os
from datetime import date
from pathlib import Path

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from importers.services import run_import
from importers.types import ImportFileError
from progress import periods
from progress.models import ProgressReport, Status
from progress.reporting import services as reporting_services
from projects import roles
from projects.models import Jurisdiction, SubItem, Unit, User
from projects.naming import unit_key

SAMPLES_DIR = Path(settings.BASE_DIR) / "fixtures" / "samples"
# file -> the jurisdiction to pass when the title doesn't name one
SAMPLES = {
    "xiqing-2023-minxin-plan.xlsx": None,
    "xiqing-2023-work-report-tasks.docx": None,
    "beilun-2024-10-progress.xlsx": "北仑区",
    "shanting-2024-q1-ledger.docx": "山亭区",
    "qingdao-2023-city-plan.xlsx": "青岛市",
}
# username, role, jurisdiction, unit, staff, superuser
ACCOUNTS = [
    ("admin", roles.ADMIN, None, None, True, True),
    ("supervisor", roles.SUPERVISOR, "西青区", None, False, False),
    ("reporter", roles.REPORTER, "西青区", "区教育局", False, False),
    ("reporter_beilun", roles.REPORTER, "北仑区", "教育局", False, False),
    ("supervisor_beilun", roles.SUPERVISOR, "北仑区", None, False, False),
    ("beilun_weijian", roles.REPORTER, "北仑区", "卫健局", False, False),
    ("beilun_zhujian", roles.REPORTER, "北仑区", "住建局", False, False),
    ("xiqing_minzheng", roles.REPORTER, "西青区", "区民政局", False, False),
    ("xiqing_renshe", roles.REPORTER, "西青区", "区人社局", False, False),
]
# the demo people's names (姓, 名): pages greet and list people by name, not user name
NAMES = {
    "admin": ("赵", "管理"),
    "supervisor": ("李", "建国"),
    "reporter": ("王", "丽"),
    "reporter_beilun": ("陈", "静"),
    "supervisor_beilun": ("张", "伟"),
    "beilun_weijian": ("刘", "洋"),
    "beilun_zhujian": ("周", "强"),
    "xiqing_minzheng": ("孙", "芳"),
    "xiqing_renshe": ("吴", "磊"),
}
EMAIL_DOMAIN = "example.com"  # send_reminders prints to the console in the demo
# the report submitted for review: by this account, for the first item its unit leads
DEMO_SUBMISSION = ("beilun_weijian", date(2024, 11, 1))
URL = "http://127.0.0.1:{port}"  # `make run PORT=8001` passes --port


class Command(BaseCommand):
    help = "Import the five sample lists from fixtures/samples and create the demo accounts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--samples", default=str(SAMPLES_DIR), help="folder holding the sample files"
        )
        parser.add_argument(
            "--port", type=int, default=8000, help="the port the demo is served on (printed)"
        )

    def handle(self, *args, **opts):
        failed = [
            name
            for name, jurisdiction in SAMPLES.items()
            if not self._import(Path(opts["samples"]) / name, jurisdiction)
        ]
        password = os.environ.get("DEMO_PASSWORD", "demo12345")
        accounts = [self._account(*spec, password=password) for spec in ACCOUNTS]
        if "beilun-2024-10-progress.xlsx" not in failed:
            self._submit_demo_report(*DEMO_SUBMISSION)
        self._print_accounts(accounts, password, port=opts["port"])
        if failed:
            raise CommandError(
                f"{len(failed)} sample(s) could not be imported: {', '.join(failed)}"
            )

    def _import(self, path: Path, jurisdiction: str | None) -> bool:
        try:
            outcome = run_import(
                data=path.read_bytes(), filename=path.name, jurisdiction=jurisdiction
            )
        except (OSError, ImportFileError) as exc:
            self.stderr.write(f"{path.name}: {exc}")
            return False
        doc = outcome.document
        for issue in doc["errors"]:
            self.stderr.write(
                f"{path.name}: row {issue['row'] or '-'}, column {issue['column'] or '-'}: "
                f"{issue['message']}"
            )
        if not outcome.applied:
            return False
        written = sum(c["created"] + c["updated"] for c in outcome.changes.values())
        counts = ", ".join(f"{k} {v}" for k, v in doc["summary"].items())
        state = f"{written} rows written" if written else "unchanged"
        self.stdout.write(f"{path.name}: {doc['jurisdiction']} {doc['year']} · {counts} · {state}")
        return True

    @transaction.atomic
    def _account(self, username, role, jurisdiction, unit, staff, superuser, *, password):
        place = Jurisdiction.objects.get_or_create(name=jurisdiction)[0] if jurisdiction else None
        if unit:
            unit = Unit.objects.filter(jurisdiction=place, key=unit_key(unit)).first() or (
                Unit.objects.create(jurisdiction=place, name=unit)
            )
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "jurisdiction": place,
                "unit": unit,
                "is_staff": staff,
                "is_superuser": superuser,
                "is_active": True,
                "email": f"{username}@{EMAIL_DOMAIN}",
                "last_name": NAMES.get(username, ("", ""))[0],
                "first_name": NAMES.get(username, ("", ""))[1],
            },
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        user.groups.set([Group.objects.get_or_create(name=role)[0]])
        axes_reset(username=username)  # a reset password also lifts a lockout
        return user, role

    def _submit_demo_report(self, username: str, period: date) -> None:
        """A report of the unit's first item still on track, submitted through the service (as
        the web form does) unless the unit already has one for the period."""
        user = User.objects.get(username=username)
        led = SubItem.objects.filter(lead_unit_id=user.unit_id).select_related("project__plan")
        if ProgressReport.objects.filter(subitem__in=led, period=period).exists():
            return
        subitem = (
            led.filter(
                project__plan__year=period.year,
                reports__period=periods.add_months(period, -1),
                reports__status=Status.ON_TRACK,
            )
            .order_by("project__order", "number")
            .first()
        )
        if subitem is None:
            return
        report = reporting_services.report_save(
            subitem=subitem,
            period=period,
            user=user,
            data=reporting_services.ReportData(
                status=Status.ON_TRACK,
                completion="按计划推进，本月完成阶段性建设任务，进度符合序时要求。",
                next_steps="12月底前完成全年目标任务。",
            ),
            expected_version=None,
            submit=True,
        )
        self.stdout.write(
            f"Submitted for review: {subitem.lead_unit} {report.period:%Y-%m} "
            f"{subitem.name[:30]} (by {username})"
        )

    def _print_accounts(self, accounts, password: str, *, port: int = 8000) -> None:
        rows = [("user", "name", "role", "jurisdiction", "unit")] + [
            (
                u.username,
                u.get_full_name() or "-",
                role,
                str(u.jurisdiction or "-"),
                str(u.unit or "-"),
            )
            for u, role in accounts
        ]
        widths = [max(_width(r[i]) for r in rows) for i in range(5)]
        self.stdout.write("")
        for row in rows:
            cells = (c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip())
        self.stdout.write(
            f"\nPassword for every account: {password} (set DEMO_PASSWORD to change it)"
        )
        self.stdout.write(self.style.SUCCESS(f"Open {URL.format(port=port)}"))


def _width(text: str) -> int:
    """Columns on a terminal: CJK characters take two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
