"""The ``pacsim`` command line.

Every command reads parameters through the one schema; a bad value, key or file ends the
command with a one-line message on stderr and exit code 2, before anything is written.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from model.params import FIELDS, ParameterError, parse_assignments
from model.scenarios import DEFAULT_SCENARIO, ScenarioError, list_scenarios, load_scenario, read_scenario


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def parse_sets(items: Sequence[str] | None) -> dict[str, Any]:
    """``--set`` items as dotted-path overrides (see :func:`model.params.parse_assignments`)."""
    return parse_assignments(list(items or []))


def _fmt(value: float) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    if isinstance(value, float) and abs(value) >= 1e5:
        return f"{value:,.0f}"
    if isinstance(value, float) and value != int(value):
        return f"{value:.3f}"
    return f"{int(value)}" if isinstance(value, float) else str(value)


def print_summary(title: str, summary: dict[str, float]) -> None:
    """A two-column table of the headline numbers."""
    width = max(len(k) for k in summary)
    print(title)
    print("-" * (width + 18))
    for key, value in summary.items():
        print(f"{key:<{width}}  {_fmt(value):>14}")


# --------------------------------------------------------------------- commands
def cmd_run(args: argparse.Namespace) -> int:
    """Run one scenario and write its tables."""
    from experiments.runner import run_scenario

    overrides = parse_sets(args.set)
    if args.seed is not None:
        overrides["run.seed"] = args.seed
    if args.cycles is not None:
        overrides["run.n_cycles"] = args.cycles
    name, params = load_scenario(args.scenario, overrides)
    out = Path(args.out) if args.out else Path("runs") / f"{name}-seed{params.run.seed}"
    summary = run_scenario(name, params, out, csv=args.csv, progress=not args.no_progress)
    print_summary(f"pacsim run: scenario '{name}', seed {params.run.seed}, {params.run.n_cycles} cycles", summary)
    print(f"tables written to {out}/")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    """List every parameter with its default, range, units and description."""
    for spec in FIELDS.values():
        if args.section and not spec.path.startswith(f"{args.section}."):
            continue
        rng = f"[{spec.lo:g}, {spec.hi:g}]" if spec.lo is not None and spec.hi is not None else (
            "|".join(spec.choices) if spec.choices else "")
        print(f"{spec.path:<40} {spec.default!s:<24} {rng:<18} {spec.units:<28} {spec.description}")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    """List the shipped scenarios."""
    for name in list_scenarios():
        _, description, _ = read_scenario(name)
        print(f"{name:<20} {description}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``pacsim`` argument parser with every subcommand."""
    parser = _Parser(prog="pacsim", description="Agent-based simulator of how money and attention shape legislation.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run one scenario and write its tables")
    run.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO, help="scenario name or TOML file (default: %(default)s)")
    run.add_argument("--seed", type=int, help="master seed (default: the scenario's run.seed)")
    run.add_argument("--cycles", type=int, help="election cycles (default: the scenario's run.n_cycles)")
    run.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a parameter, e.g. --set target.salience=0.4")
    run.add_argument("--out", help="output folder (default: runs/<scenario>-seed<seed>)")
    run.add_argument("--csv", action="store_true", help="also write every table as CSV")
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    run.set_defaults(func=cmd_run)

    params = sub.add_parser("params", help="list every parameter with its default, range and units")
    params.add_argument("--section", help="only this section, e.g. target")
    params.set_defaults(func=cmd_params)

    scen = sub.add_parser("scenarios", help="list the shipped scenarios")
    scen.set_defaults(func=cmd_scenarios)

    for register in EXTRA_COMMANDS:
        register(sub)
    return parser


from experiments.commands import register as experiment_commands  # noqa: E402
from viz.command import register as viz_command  # noqa: E402

EXTRA_COMMANDS: list[Callable[[Any], None]] = [experiment_commands, viz_command]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pacsim`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ParameterError, ScenarioError) as exc:
        print(f"pacsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pacsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
