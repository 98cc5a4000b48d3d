"""``pacsim report``: figures, a cited Markdown summary and a regression table from a sweep's run folder."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pacsim.experiments.cli.common import plural


def cmd_report(args: argparse.Namespace) -> int:
    """Write the report of a run folder and list the files written."""
    from pacsim.experiments.report import write_report

    run_dir = Path(args.run_dir)
    written = write_report(run_dir, Path(args.out) if args.out else None)
    print(f"pacsim report: {plural(len(written), 'file')} in {written[0].parent}/" if written else "pacsim report: nothing written")
    for path in written:
        print(f"  {path}")
    return 0


def register(sub: Any) -> None:
    """Add ``report`` to the ``pacsim`` subparsers."""
    report = sub.add_parser("report", help="figures, summary and regression table from a sweep's run folder")
    report.add_argument("run_dir", help="a run folder written by pacsim sweep")
    report.add_argument("--out", help="report folder (default: RUN_DIR/report)")
    report.set_defaults(func=cmd_report)
