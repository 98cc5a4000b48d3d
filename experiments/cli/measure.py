"""``pacsim measure``: each strategic mechanism measured on moderate worlds over several seeds."""

from __future__ import annotations

import argparse
from typing import Any


def cmd_measure(args: argparse.Namespace) -> int:
    """Run every mechanism measure and print its table."""
    from pacsim.experiments import mechanisms

    return mechanisms.run(args)


def register(sub: Any) -> None:
    """Add ``measure`` to the ``pacsim`` subparsers."""
    from pacsim.experiments import mechanisms

    measure = sub.add_parser("measure", help="measure each mechanism (C3, C5-C8, shock) over seeds and print a table")
    mechanisms.add_arguments(measure)
    measure.set_defaults(func=cmd_measure)
