"""``pacsim viz``: serve the live view (``solara run viz/app.py``) on 127.0.0.1 unless told otherwise.

A ``--host`` that is not a loopback address is served, with a one-line warning that other
machines can reach it; a port outside 1-65535, a port in use or an address this machine
does not have is refused in one line before the server starts.

This module imports neither Solara nor the app, so the rest of the CLI stays fast; it
checks the scenario and overrides against the schema, hands them to the app through the
environment, and runs Solara's server as a child process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from pacsim.experiments.preflight import check_bind, check_memory, params_bytes, port_number
from pacsim.model.params import parse_assignments
from pacsim.model.scenarios import DEFAULT_SCENARIO, load_scenario

APP = Path(__file__).with_name("app.py")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def solara_command(host: str, port: int, open_browser: bool) -> list[str]:
    """The command line that serves the app with Solara in production mode."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(APP),
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--open" if open_browser else "--no-open",
    ]


def viz_environment(scenario: str, sets: list[str] | None, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The child's environment: the scenario and the ``--set`` overrides, validated first (raises ParameterError)."""
    overrides = parse_assignments(sets)
    load_scenario(scenario, overrides)
    env = dict(os.environ if environ is None else environ)
    env["PACSIM_VIZ_SCENARIO"] = scenario
    env["PACSIM_VIZ_OVERRIDES"] = json.dumps(overrides)
    return env


def cmd_viz(args: argparse.Namespace) -> int:
    """Serve the live view until interrupted, after checking the scenario, the address and the port."""
    env = viz_environment(args.scenario, args.set)
    _, params = load_scenario(args.scenario, parse_assignments(args.set))
    check_memory(params_bytes(params), params.electorate.n_voters, force=args.force)
    check_bind(args.host, args.port, prog="pacsim viz")
    command = solara_command(args.host, args.port, args.open)
    print(f"pacsim viz: serving scenario '{args.scenario}' at http://{args.host}:{args.port}/ (Ctrl-C stops)", flush=True)
    return subprocess.call(command, env=env)


def register(subparsers: Any) -> None:
    """Add the ``viz`` subcommand to the ``pacsim`` parser."""
    viz = subparsers.add_parser("viz", help="serve the live visualisation (Solara) in the browser")
    viz.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO, help="scenario the page starts with (default: %(default)s)")
    viz.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default: %(default)s; any other prints a warning)")
    viz.add_argument("--port", type=port_number, default=DEFAULT_PORT, help="port, 1-65535 (default: %(default)s)")
    viz.add_argument(
        "--set", action="append", metavar="KEY=VALUE", help="fix a parameter for the session, e.g. --set electorate.n_voters=20000"
    )
    viz.add_argument("--open", action="store_true", help="also open a browser")
    viz.add_argument("--force", action="store_true", help="serve even if the model's memory estimate exceeds what is free")
    viz.set_defaults(func=cmd_viz)
