"""``pacsim sweep``, ``pacsim sensitivity`` and ``pacsim experiments``: declared experiments, run and analysed."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pacsim.experiments.cli.common import integer, plural
from pacsim.experiments.executors import EXECUTORS, MAX_WORKERS, start_local_workers
from pacsim.experiments.spec import list_experiments, load_experiment


def default_out(name: str) -> Path:
    """Where an experiment's run folder goes unless ``--out`` says otherwise."""
    return Path("runs") / name


def sweep_options(parser: argparse.ArgumentParser) -> None:
    """The options every command that runs a sweep takes."""
    parser.add_argument("--workers", type=integer, help=f"worker processes, 1 to {MAX_WORKERS} (default: the CPUs available)")
    parser.add_argument("--executor", choices=EXECUTORS, default="local", help="where runs execute (default: %(default)s)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="a running dask scheduler, e.g. tcp://127.0.0.1:8786 (with --executor dask)")
    parser.add_argument("--out", help="run folder (default: runs/<experiment name>)")
    parser.add_argument(
        "--no-progress",
        "--quiet",
        dest="no_progress",
        action="store_true",
        help="hide the progress bar (it shows only when stderr is a terminal)",
    )
    parser.add_argument("--force", action="store_true", help="run even if the memory estimate exceeds what is free")


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run every design point x replicate of an experiment file."""
    spec = load_experiment(args.file)
    if not args.check:
        start_local_workers(args.executor, args.workers, args.scheduler)
    from pacsim.experiments.sweep import check_sweep, run_sweep

    out = Path(args.out) if args.out else default_out(spec.name)
    if args.check:
        check_sweep(spec, out, kind=args.executor, workers=args.workers, scheduler=args.scheduler, resume=args.resume, force=args.force)
        print(f"pacsim sweep: {spec.name}: the experiment file, run folder {out}/, executor options and memory checked; nothing run")
        return 0
    summary = run_sweep(
        spec,
        out,
        kind=args.executor,
        workers=args.workers,
        scheduler=args.scheduler,
        resume=args.resume,
        progress=not args.no_progress,
        csv=not args.no_csv,
        force=args.force,
    )
    print(
        f"pacsim sweep: {spec.name}: {plural(summary.ok, 'run')} finished, {summary.failed} failed, {summary.skipped} already done, "
        f"{summary.seconds:.1f} s"
    )
    print(f"results in {summary.out}/ (pacsim report {summary.out})")
    return 1 if summary.failed else 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Run a Sobol or Morris experiment (resuming what is done) and write its sensitivity indices and plot."""
    spec = load_experiment(args.file)
    from pacsim.experiments.sensitivity import check_design, sensitivity_report

    check_design(spec, args.outcome)
    start_local_workers(args.executor, args.workers, args.scheduler)
    from pacsim.experiments.sweep import run_sweep

    out = Path(args.out) if args.out else default_out(spec.name)
    run_sweep(
        spec,
        out,
        kind=args.executor,
        workers=args.workers,
        scheduler=args.scheduler,
        resume=(out / "manifest.json").is_file(),
        progress=not args.no_progress,
        force=args.force,
    )
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
    """Add ``sweep``, ``sensitivity`` and ``experiments`` to the ``pacsim`` subparsers."""
    sweep = sub.add_parser("sweep", help="run an experiment file: every design point x replicate")
    sweep.add_argument("file", help="experiment file (TOML) or the name of a shipped experiment")
    sweep_options(sweep)
    sweep.add_argument("--resume", action="store_true", help="run only what is missing from --out")
    sweep.add_argument("--no-csv", action="store_true", help="skip the CSV export")
    sweep.add_argument("--check", action="store_true", help="check the file, the run folder, the executor options and memory, then stop")
    sweep.set_defaults(func=cmd_sweep)

    sens = sub.add_parser("sensitivity", help="Sobol or Morris sensitivity indices of an experiment's outcomes")
    sens.add_argument("file", help="experiment file with design 'sobol' or 'morris'")
    sweep_options(sens)
    sens.add_argument("--outcome", action="append", help="outcome to analyse (default: the file's outcomes)")
    sens.set_defaults(func=cmd_sensitivity)

    exps = sub.add_parser("experiments", help="list the shipped experiment files")
    exps.set_defaults(func=cmd_experiments)
