"""The ``pacsim sweep``, ``report``, ``sensitivity`` and ``experiments`` commands.

Each command ends a mistake (a malformed experiment file, a clash with an existing run
folder, an unreachable scheduler) with one line on stderr and exit code 2, before anything
is written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from experiments.executors import EXECUTORS, ExecutorError
from experiments.spec import ExperimentError, list_experiments, load_experiment


class ReportError(ValueError):
    """A run folder that cannot be reported on; its message is one line."""


def _one_line_errors(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn this module's expected errors into one line on stderr and exit code 2."""
    from experiments.sweep import SweepError

    @wraps(fn)
    def wrapper(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except (ExperimentError, SweepError, ExecutorError, ReportError) as exc:
            print(f"pacsim: error: {exc}", file=sys.stderr)
            return 2

    return wrapper


def _default_out(name: str) -> Path:
    return Path("runs") / name


def _sweep_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=int, help="worker processes (default: the CPUs available)")
    parser.add_argument("--executor", choices=EXECUTORS, default="local", help="where runs execute (default: %(default)s)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="a running dask scheduler, e.g. tcp://127.0.0.1:8786 (with --executor dask)")
    parser.add_argument("--out", help="run folder (default: runs/<experiment name>)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


@_one_line_errors
def cmd_sweep(args: argparse.Namespace) -> int:
    """Run every design point x replicate of an experiment file."""
    from experiments.sweep import run_sweep

    spec = load_experiment(args.file)
    out = Path(args.out) if args.out else _default_out(spec.name)
    summary = run_sweep(spec, out, kind=args.executor, workers=args.workers, scheduler=args.scheduler,
                        resume=args.resume, progress=not args.no_progress, csv=not args.no_csv)
    print(f"pacsim sweep: {spec.name}: {summary.ok} runs finished, {summary.failed} failed, {summary.skipped} already done, "
          f"{summary.seconds:.1f} s")
    print(f"results in {summary.out}/ (pacsim report {summary.out})")
    return 1 if summary.failed else 0


@_one_line_errors
def cmd_report(args: argparse.Namespace) -> int:
    """Figures, a Markdown summary and a regression table from a sweep's run folder."""
    from experiments.report import write_report

    run_dir = Path(args.run_dir)
    written = write_report(run_dir, Path(args.out) if args.out else None)
    print(f"pacsim report: {len(written)} files in {written[0].parent}/" if written else "pacsim report: nothing written")
    for path in written:
        print(f"  {path}")
    return 0


@_one_line_errors
def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Run a Sobol or Morris experiment (resuming what is done) and write its sensitivity indices and plot."""
    from experiments.sensitivity import sensitivity_report
    from experiments.sweep import run_sweep

    spec = load_experiment(args.file)
    out = Path(args.out) if args.out else _default_out(spec.name)
    from experiments.sensitivity import check_design

    check_design(spec, args.outcome)
    run_sweep(spec, out, kind=args.executor, workers=args.workers, scheduler=args.scheduler,
              resume=(out / "manifest.json").is_file(), progress=not args.no_progress)
    table, written = sensitivity_report(spec, out, args.outcome)
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    for path in written:
        print(f"  {path}")
    return 0


def cmd_experiments(args: argparse.Namespace) -> int:
    """List the shipped experiment files with the claim each one tests."""
    for name in list_experiments():
        spec = load_experiment(name)
        print(f"{name:<32} {spec.claim:<5} {spec.design.value:<10} {spec.description}")
    return 0


def register(sub: Any) -> None:
    """Add the experiment commands to the ``pacsim`` subparsers."""
    sweep = sub.add_parser("sweep", help="run an experiment file: every design point x replicate")
    sweep.add_argument("file", help="experiment file (TOML) or the name of a shipped experiment")
    _sweep_options(sweep)
    sweep.add_argument("--resume", action="store_true", help="run only what is missing from --out")
    sweep.add_argument("--no-csv", action="store_true", help="skip the CSV export")
    sweep.set_defaults(func=cmd_sweep)

    report = sub.add_parser("report", help="figures, summary and regression table from a sweep's run folder")
    report.add_argument("run_dir", help="a run folder written by pacsim sweep")
    report.add_argument("--out", help="report folder (default: RUN_DIR/report)")
    report.set_defaults(func=cmd_report)

    sens = sub.add_parser("sensitivity", help="Sobol or Morris sensitivity indices of an experiment's outcomes")
    sens.add_argument("file", help="experiment file with design 'sobol' or 'morris'")
    _sweep_options(sens)
    sens.add_argument("--outcome", action="append", help="outcome to analyse (default: the file's outcomes)")
    sens.set_defaults(func=cmd_sensitivity)

    exps = sub.add_parser("experiments", help="list the shipped experiment files")
    exps.set_defaults(func=_one_line_errors(cmd_experiments))
