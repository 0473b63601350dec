"""python manage.py import_tasklist FILE [--jurisdiction NAME] [--year YYYY] [--period YYYY-MM]
[--dry-run] [--json] [--withdraw-missing] [--yes]"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from importers.services import KINDS, run_import
from importers.types import ImportFileError

LISTED = 50  # rows of "not in this file" printed per kind; --json lists them all


class Command(BaseCommand):
    help = (
        "Import a yearly task list or a progress table (.xlsx, .xls, .ods, .docx, .doc, .pdf, .csv, "
        ".tsv, .txt), all or nothing. What the file leaves out is kept unless --withdraw-missing."
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
        parser.add_argument(
            "--withdraw-missing",
            action="store_true",
            help="withdraw (撤销, archive, never delete) the sub-items, milestones and indicators "
            "of the plan that the file does not hold",
        )
        parser.add_argument(
            "--yes",
            "--confirm-large",
            dest="yes",
            action="store_true",
            help="confirm an import that changes or withdraws more than IMPORT_LARGE_CHANGE_SHARE "
            "of the sub-items the plan already has",
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
                withdraw_missing=opts["withdraw_missing"],
                confirm_large=opts["yes"],
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
            self._print_text(outcome, opts)
        if doc["errors"]:
            raise CommandError(_("%(n)d errors: nothing was imported.") % {"n": len(doc["errors"])})
        if outcome.needs_confirmation:
            raise CommandError(
                _(
                    "%(numbers)s Nothing was imported: check the file, then run the command again "
                    "with --yes."
                )
                % {"numbers": outcome.confirmation_message()}
            )

    def _print_text(self, outcome, opts) -> None:
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
        for issue in doc.get("skipped") or []:
            self.stdout.write(
                _("Skipped, row %(row)s: %(msg)s")
                % {"row": issue["row"] or "-", "msg": issue["message"]}
            )
        for kind in KINDS:
            c = outcome.changes.get(kind)
            if c and any(c.values()):
                self.stdout.write(f"  {kind}: " + ", ".join(f"{k} {v}" for k, v in c.items() if v))
        if doc["errors"]:
            return
        self._print_not_in_file(doc.get("not_in_file") or {}, opts["withdraw_missing"])
        if outcome.impact and outcome.impact.needs_confirmation(opts["withdraw_missing"]):
            self.stdout.write(
                outcome.confirmation_message()
                + " "
                + (_("Confirm it with --yes.") if not opts["yes"] else _("Confirmed with --yes."))
            )
        if opts["dry_run"]:
            self.stdout.write(self.style.SUCCESS(_("Dry run: nothing was written.")))
        elif outcome.applied:
            self.stdout.write(self.style.SUCCESS(_("Imported.")))

    def _print_not_in_file(self, left_out: dict, withdrawn: bool) -> None:
        if not any(left_out.values()):
            return
        self.stdout.write(
            _("Not in this file (withdrawn):") if withdrawn else _("Not in this file (kept):")
        )
        lines = [
            *(
                _("  sub-item %(p)s (%(n)s) %(name)s · %(unit)s · %(reports)d reports")
                % {
                    "p": s["project"],
                    "n": s["number"],
                    "name": s["name"],
                    "unit": s["lead_unit"] or "—",
                    "reports": s["reports"],
                }
                for s in left_out.get("subitems", [])
            ),
            *(
                _("  milestone of %(p)s (%(n)s): %(due)s %(text)s")
                % {"p": m["project"], "n": m["subitem"], "due": m["due"], "text": m["text"][:40]}
                for m in left_out.get("milestones", [])
            ),
            *(
                _("  indicator of %(p)s (%(n)s): %(name)s (%(unit)s)")
                % {"p": i["project"], "n": i["subitem"], "name": i["name"], "unit": i["unit"]}
                for i in left_out.get("indicators", [])
            ),
        ]
        for line in lines[:LISTED]:
            self.stdout.write(line)
        if len(lines) > LISTED:
            self.stdout.write(
                _("  … and %(n)d more (--json lists them all).") % {"n": len(lines) - LISTED}
            )
        if not withdrawn:
            self.stdout.write(
                _(
                    "They are kept as they are. --withdraw-missing withdraws them (撤销): out of "
                    "reporting, the dashboards and the exports, kept with their history."
                )
            )
