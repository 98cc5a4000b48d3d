"""``pacsim run``, ``pacsim params`` and ``pacsim scenarios``: one model run and the parameter surface."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pacsim.experiments.cli.common import integer, plural, print_summary
from pacsim.model.params import FIELDS, parse_assignments
from pacsim.model.scenarios import DEFAULT_SCENARIO, list_scenarios, load_scenario, read_scenario


def cmd_run(args: argparse.Namespace) -> int:
    """Run one scenario and write its tables (with ``--check``, only check everything and say so)."""
    overrides = parse_assignments(list(args.set or []))
    if args.seed is not None:
        overrides["run.seed"] = args.seed
    if args.cycles is not None:
        overrides["run.n_cycles"] = args.cycles
    name, params = load_scenario(args.scenario, overrides)
    # The parameters are checked before the model (Mesa, numba) is loaded, so a mistake in them is reported at once.
    from pacsim.experiments.runner import check_run, holds_run, run_scenario

    out = Path(args.out) if args.out else Path("runs") / f"{name}-seed{params.run.seed}"
    # The default folder is named by scenario and seed, so an earlier run there is the same run's: replace it, and say so.
    replace = args.out is None and holds_run(out)
    if args.check:
        check_run(params, out, force=args.force, replace=replace)
        print(f"pacsim run: scenario '{name}', seed {params.run.seed}: parameters, output folder {out}/ and memory checked; nothing run")
        return 0
    if replace:
        print(f"pacsim run: replacing the earlier run in {out}/ (the default folder of this scenario and seed)", flush=True)
    summary = run_scenario(name, params, out, csv=args.csv, progress=not args.no_progress, force=args.force, replace=replace)
    print_summary(f"pacsim run: scenario '{name}', seed {params.run.seed}, {plural(params.run.n_cycles, 'cycle')}", summary)
    print(f"tables written to {out}/")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    """List every parameter with its default, range, units and description."""
    for spec in FIELDS.values():
        if args.section and not spec.path.startswith(f"{args.section}."):
            continue
        rng = (
            f"[{spec.lo:g}, {spec.hi:g}]"
            if spec.lo is not None and spec.hi is not None
            else ("|".join(spec.choices) if spec.choices else "")
        )
        print(f"{spec.path:<40} {spec.default!s:<24} {rng:<18} {spec.units:<28} {spec.description}")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    """List the shipped scenarios."""
    for name in list_scenarios():
        _, description, _ = read_scenario(name)
        print(f"{name:<20} {description}")
    return 0


def register(sub: Any) -> None:
    """Add ``run``, ``params`` and ``scenarios`` to the ``pacsim`` subparsers."""
    run = sub.add_parser("run", help="run one scenario and write its tables")
    run.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO, help="scenario name or TOML file (default: %(default)s)")
    run.add_argument("--seed", type=integer, help="master seed (default: the scenario's run.seed)")
    run.add_argument("--cycles", type=integer, help="election cycles (default: the scenario's run.n_cycles)")
    run.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a parameter, e.g. --set target.salience=0.4")
    run.add_argument(
        "--out",
        help="output folder, new or empty unless --force (default: runs/<scenario>-seed<seed>, "
        "where an earlier run of the same scenario and seed is replaced)",
    )
    run.add_argument("--csv", action="store_true", help="also write every table as CSV")
    run.add_argument(
        "--force", action="store_true", help="write over an earlier run in --out, and run even if the memory estimate exceeds what is free"
    )
    run.add_argument("--check", action="store_true", help="check the parameters, the output folder and memory, then stop without running")
    run.add_argument(
        "--no-progress",
        "--quiet",
        dest="no_progress",
        action="store_true",
        help="hide the progress bar (it shows only when stderr is a terminal)",
    )
    run.set_defaults(func=cmd_run)

    params = sub.add_parser("params", help="list every parameter with its default, range and units")
    params.add_argument("--section", help="only this section, e.g. target")
    params.set_defaults(func=cmd_params)

    scen = sub.add_parser("scenarios", help="list the shipped scenarios")
    scen.set_defaults(func=cmd_scenarios)
