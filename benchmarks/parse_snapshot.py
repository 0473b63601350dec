"""Snapshot of what the readers and the parser make of every fixture, to prove a speed change
changed no result (issue 11).

    .venv/bin/python benchmarks/parse_snapshot.py OUT.json        (at one commit, then another)
    .venv/bin/python benchmarks/parse_snapshot.py --compare A.json B.json

For every file under fixtures/samples, fixtures/formats, fixtures/habits and fixtures/pdf, the
habit files fixtures/habits/make_habits.py builds, and four generated benchmark plans
(benchmarks/import_bench.py: 5,000 rows and three smaller seeds), it records a digest of the
tables read_tables returns (every cell's text and origin, row numbers, pages) and the whole
import document (importers.document.to_document of parse_file: what `import_tasklist --json`
prints before anything is written), once with the file's own title and once with the
jurisdiction, year and period given as options. --compare lists every difference and exits 1
when there is one. No database is used.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATED = [(5000, 2024), (800, 1), (800, 7), (300, 99)]
SKIP_SUFFIXES = (".py", ".sh", ".json")


def _files(tmp: Path) -> list[tuple[str, Path, str]]:
    """(key, path, the filename the importer is given)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import import_bench

    files = []
    for sub in ("samples", "formats", "habits", "pdf"):
        for path in sorted((ROOT / "fixtures" / sub).iterdir()):
            if (
                path.is_file()
                and path.suffix not in SKIP_SUFFIXES
                and not path.name.startswith(".")
            ):
                files.append((f"fixtures/{sub}/{path.name}", path, path.name))
    spec = importlib.util.spec_from_file_location(
        "make_habits", ROOT / "fixtures/habits/make_habits.py"
    )
    make_habits = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_habits)
    for name, build in make_habits.BUILDERS.items():
        files.append((f"built/{name}", build(tmp / name), name))
    for rows, seed in GENERATED:
        path = tmp / f"bench-{rows}-{seed}.xlsx"
        import_bench.generate_xlsx(path, rows, seed)
        files.append((f"generated/{path.name}", path, import_bench.FILENAME))
    return files


def snapshot(out: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from importers.document import to_document
    from importers.readers import read_tables
    from importers.services import parse_file
    from importers.types import ImportFileError

    def tables_digest(tables) -> str:
        plain = [
            {
                "source": t.source,
                "title": t.title_lines,
                "rows": t.row_numbers,
                "pages": t.row_pages,
                "cells": [[[c.text, list(c.origin)] for c in row] for row in t.rows],
            }
            for t in tables
        ]
        return hashlib.sha256(json.dumps(plain, ensure_ascii=False).encode()).hexdigest()

    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        for key, path, filename in _files(Path(tmp)):
            data = path.read_bytes()
            entry = {}
            try:
                entry["tables"] = tables_digest(read_tables(data, filename))
            except ImportFileError as exc:
                entry["tables"] = f"ERR {exc}"
            for label, options in (
                ("default", {}),
                ("options", {"jurisdiction": "测试区", "year": 2024, "period": "2024-10"}),
            ):
                try:
                    entry[label] = to_document(parse_file(data=data, filename=filename, **options))
                except ImportFileError as exc:
                    entry[label] = f"ERR {exc}"
            result[key] = entry
            print(key, file=sys.stderr)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1, sort_keys=True, default=str))


def compare(a: Path, b: Path) -> int:
    old, new = json.loads(a.read_text()), json.loads(b.read_text())
    differences = 0
    for key in sorted(set(old) | set(new)):
        for part in sorted(set(old.get(key, {})) | set(new.get(key, {}))):
            before, after = old.get(key, {}).get(part), new.get(key, {}).get(part)
            if before != after:
                differences += 1
                print(
                    f"DIFFERENT {key} [{part}]\n  before: {str(before)[:300]}\n  after:  {str(after)[:300]}"
                )
    documents = sum(isinstance(v, dict) for e in old.values() for v in e.values())
    print(f"{len(old)} files, {documents} documents compared: {differences} differences")
    return 1 if differences else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--compare", action="store_true")
    args = parser.parse_args()
    if args.compare:
        sys.exit(compare(*args.paths))
    snapshot(args.paths[0])


if __name__ == "__main__":
    main()
