"""python manage.py import_tasklist FILE [--jurisdiction NAME] [--year YYYY] [--period YYYY-MM] [--dry-run] [--json]"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from importers.services import KINDS, run_import
from importers.types import ImportFileError


class Command(BaseCommand):
    help = (
        "Import a yearly task list or a progress table (.xlsx, .xls, .ods, .docx, .doc, .csv, "
        ".tsv, .txt), all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--jurisdiction", help="区/县/市 the list belongs to, when its title doesn't say"
        )
        parser.add_argument("--year", type=int)
        parser.add_argument("--period", help="YYYY-MM of the progress reported in the file")
        parser.add_argument("--dry-run", action="store_true", help="parse and count, write nothing")
        parser.add_argument(
            "--json", action="store_true", help="print the import as one JSON document"
        )

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        try:
            outcome = run_import(
                data=path.read_bytes(),
                filename=path.name,
                jurisdiction=opts["jurisdiction"],
                year=opts["year"],
                period=opts["period"],
                dry_run=opts["dry_run"],
            )
        except ImportFileError as exc:
            if opts["json"]:
                self.stdout.write(
                    json.dumps(
                        {"errors": [{"row": None, "column": None, "message": str(exc)}]},
                        ensure_ascii=False,
                    )
                )
            raise CommandError(str(exc)) from exc
        doc = outcome.document
        if outcome.applied:
            from importers.batches import batch_record

            batch_record(
                data=path.read_bytes(),
                filename=path.name,
                outcome=outcome,
                options={k: opts[k] for k in ("jurisdiction", "year", "period")},
            )
        if opts["json"]:
            self.stdout.write(
                json.dumps({**doc, "changes": outcome.changes}, ensure_ascii=False, indent=1)
            )
        else:
            self._print_text(outcome, opts["dry_run"])
        if doc["errors"]:
            raise CommandError(_("%(n)d errors: nothing was imported.") % {"n": len(doc["errors"])})

    def _print_text(self, outcome, dry_run: bool) -> None:
        doc = outcome.document
        self.stdout.write(
            f"{doc['title']} · {doc['jurisdiction']} · {doc['year']}"
            + (f" · {doc['period']}" if doc["period"] else "")
        )
        self.stdout.write(" ".join(f"{k}={v}" for k, v in doc["summary"].items()))
        for issue in doc["errors"]:
            self.stderr.write(
                _("Error, row %(row)s, column %(col)s: %(msg)s")
                % {
                    "row": issue["row"] or "-",
                    "col": issue["column"] or "-",
                    "msg": issue["message"],
                }
            )
        for issue in doc["warnings"]:
            self.stdout.write(
                _("Warning, row %(row)s, column %(col)s: %(msg)s")
                % {
                    "row": issue["row"] or "-",
                    "col": issue["column"] or "-",
                    "msg": issue["message"],
                }
            )
        for kind in KINDS:
            c = outcome.changes.get(kind)
            if c and any(c.values()):
                self.stdout.write(f"  {kind}: " + ", ".join(f"{k} {v}" for k, v in c.items() if v))
        if doc["errors"]:
            return
        self.stdout.write(
            self.style.SUCCESS(_("Dry run: nothing was written.") if dry_run else _("Imported."))
        )
