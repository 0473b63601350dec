"""Export benchmark: the monthly progress table of the synthetic jurisdiction, every plan.

    python manage.py migrate && python manage.py seed_synthetic --subitems 20000   # first, once
    .venv/bin/python benchmarks/export_bench.py [--jurisdiction 合成区] [--period YYYY-MM]
        [--biggest] [--keep DIR]

A script, not a test. It needs the synthetic jurisdiction of `seed_synthetic` (20,000
sub-items in four yearly plans by default) in the database that DATABASE_URL names (default:
SQLite db.sqlite3 of the checkout), and stops with the commands to run when it is absent. It

1. picks the latest period with reports in the jurisdiction (or --period);
2. in a child process (so that the peak RSS is the export's own, not the parent's), exports
   the monthly table (seed 002's layout) of every plan of the jurisdiction for that period,
   one file per plan, or only the plan with the most sub-items with --biggest. Each export
   goes the way the download does after its access check: progress.exports.files.
   monthly_response, i.e. progress.exports.selectors.monthly_table_rows (sub-items iterated in
   chunks of 2,000) into progress.exports.xlsx.write_monthly_xlsx (openpyxl write-only) into
   a spooled temporary file, sent by FileResponse, whose streamed blocks are counted here;
3. measures the wall time of the exports, the child's max RSS (resource.getrusage; this is
   peak_mb, Django and the ORM included) and its RSS before the first export, the number of
   queries (DEBUG off: counted with CaptureQueriesContext around each export), and reopens
   every file with openpyxl (read-only) to count its data rows;
4. prints a line per plan and ends with one line:
   export_s=X.XX peak_mb=XXX rows=N
   where rows is the number of sub-item rows written, all plans together.

With --ledger-docx it writes the quarterly ledger as .docx instead (progress.exports.files.
ledger_response(docx=True), the download of /exports/plans/<id>/ledger/<period>.docx), and
counts its rows in word/document.xml (read as a stream). Seed one plan of 20,000 sub-items
for the issue's figure: `seed_synthetic --subitems 20000 --plans 1`.

Aim (issue): peak under 300 MB; the .docx ledger of a 20,000-sub-item plan under 15 s and
250 MB (issue 9). DJANGO_SETTINGS_MODULE defaults to config.settings.local and
DEBUG to 0.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_JURISDICTION = "合成区"
AIM_PEAK_MB = 300


def _pad(text: str, width: int) -> str:
    """Left-align text that mixes Chinese (two columns a character) and ASCII."""
    shown = sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
    return text + " " * max(1, width - shown)


def max_rss_mb() -> float:
    """The process's peak resident set size: KiB on Linux, bytes on macOS."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()


def docx_rows(path: Path) -> int:
    """The table rows of a .docx but its header row, counted in a stream of document.xml."""
    import zipfile

    count, carry = 0, b""
    with zipfile.ZipFile(path) as z, z.open("word/document.xml") as xml:
        while block := xml.read(1 << 20):
            block = carry + block
            count += block.count(b"</w:tr>")
            carry = block[-6:]
    return count - 1


def child(args: argparse.Namespace) -> None:
    """Runs in a child process: the exports, so that max RSS is theirs."""
    _django()
    import openpyxl
    from django.db import connection
    from django.db.models import Count, Max
    from django.test.utils import CaptureQueriesContext

    from progress import periods
    from progress.exports.files import ledger_response, monthly_response
    from progress.models import ProgressReport
    from projects.models import Jurisdiction, Plan

    out: dict = {"vendor": connection.vendor}
    jurisdiction = Jurisdiction.objects.filter(name=args.jurisdiction).first()
    plans = list(
        Plan.objects.filter(jurisdiction=jurisdiction)
        .select_related("jurisdiction")
        .annotate(n=Count("projects__subitems"))
        .order_by("-n", "title")
    )
    if jurisdiction is None or not plans:
        out["error"] = (
            f"{args.jurisdiction} has no plans in this database: run `python manage.py migrate "
            "&& python manage.py seed_synthetic --subitems 20000` first, with the same "
            "DATABASE_URL"
        )
        Path(args.out).write_text(json.dumps(out, ensure_ascii=False))
        return
    if args.biggest:
        plans = plans[:1]
    reports = ProgressReport.objects.filter(subitem__project__plan__jurisdiction=jurisdiction)
    period = periods.parse_period(args.period) if args.period else None
    period = period or reports.aggregate(p=Max("period"))["p"]
    out["period"] = periods.label(period)
    out["approved"] = reports.filter(period=period, state=ProgressReport.State.APPROVED).count()
    out["rss_before_mb"] = max_rss_mb()

    keep = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="export_bench_"))
    keep.mkdir(parents=True, exist_ok=True)
    out["files"] = []
    total_s = 0.0
    for i, plan in enumerate(plans, start=1):
        suffix = "docx" if args.ledger_docx else "xlsx"
        path = keep / f"plan{i}-{periods.label(period)}.{suffix}"
        t0 = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            if args.ledger_docx:
                response = ledger_response(plan, period, docx=True)
            else:
                response = monthly_response(plan, period, publication=None, show_persons=True)
            size = 0
            with path.open("wb") as f:
                for block in response.streaming_content:
                    size += len(block)
                    f.write(block)
            response.close()
        seconds = time.perf_counter() - t0
        total_s += seconds
        if args.ledger_docx:
            rows = docx_rows(path)
        else:
            ws = openpyxl.load_workbook(path, read_only=True).active
            # the rows under the two header rows, above the three lines of 填报说明
            rows = sum(1 for _ in ws.iter_rows(min_row=5, values_only=True)) - 3
        out["files"].append(
            {
                "plan": plan.title,
                "subitems": plan.n,
                "rows": rows,
                "seconds": seconds,
                "queries": len(queries),
                "kib": size / 1024,
                "rss_after_mb": max_rss_mb(),
            }
        )
        if not args.keep:
            path.unlink()
    out["export_s"] = total_s
    out["peak_mb"] = max_rss_mb()
    out["dir"] = str(keep) if args.keep else None
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jurisdiction", default=DEFAULT_JURISDICTION)
    parser.add_argument("--period", help="YYYY-MM (default: the latest period with reports)")
    parser.add_argument("--biggest", action="store_true", help="only the biggest plan")
    parser.add_argument("--keep", help="keep the files in this directory")
    parser.add_argument(
        "--ledger-docx", action="store_true", help="the quarterly ledger as .docx instead"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    env.setdefault("DEBUG", "0")
    with tempfile.TemporaryDirectory(prefix="export_bench_") as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--out", str(out)]
        cmd += ["--jurisdiction", args.jurisdiction]
        if args.period:
            cmd += ["--period", args.period]
        if args.biggest:
            cmd.append("--biggest")
        if args.ledger_docx:
            cmd.append("--ledger-docx")
        if args.keep:
            cmd += ["--keep", str(Path(args.keep).resolve())]
        proc = subprocess.run(cmd, env=env, cwd=ROOT, check=False)
        if proc.returncode != 0 or not out.exists():
            sys.exit(f"the export failed (exit {proc.returncode})")
        res = json.loads(out.read_text())
    if "error" in res:
        sys.exit(res["error"])

    import django
    import openpyxl

    db = env.get("DATABASE_URL", "sqlite (db.sqlite3 of the checkout)")
    print(
        f"Python {sys.version.split()[0]}  Django {django.__version__}  openpyxl {openpyxl.__version__}"
    )
    print(f"database: {res['vendor']} ({db.split('@')[-1]})")
    print(
        f"{args.jurisdiction}, period {res['period']} ({res['approved']} approved reports); "
        f"{'the biggest plan' if args.biggest else 'every plan, one file each'}; "
        f"{'the .docx ledger' if args.ledger_docx else 'the monthly table (.xlsx)'}"
    )
    print()
    print(f"{'plan':<34}{'rows':>8}{'seconds':>9}{'queries':>9}{'KiB':>9}{'RSS MB':>8}")
    rows = 0
    for f in res["files"]:
        rows += f["rows"]
        ok = "" if f["rows"] == f["subitems"] else f"  (sub-items {f['subitems']})"
        print(
            f"{_pad(f['plan'][:16], 34)}{f['rows']:>8}{f['seconds']:>9.2f}{f['queries']:>9}"
            f"{f['kib']:>9.0f}{f['rss_after_mb']:>8.0f}{ok}"
        )
    print()
    print(
        f"peak RSS of the export process {res['peak_mb']:.0f} MB "
        f"(before the first export {res['rss_before_mb']:.0f} MB; aim < {AIM_PEAK_MB})"
    )
    if res["dir"]:
        print(f"files kept in {res['dir']}")
    print(f"export_s={res['export_s']:.2f} peak_mb={res['peak_mb']:.0f} rows={rows}")


if __name__ == "__main__":
    main()
