"""``pacsim measure``: each strategic mechanism measured on moderate worlds over several seeds."""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    """Add ``measure`` to the ``pacsim`` subparsers; :mod:`pacsim.experiments.mechanisms` loads when it runs."""
    sub.add_parser(
        "measure",
        help="measure each mechanism (C3, C5-C8, shock) over seeds and print a table",
        module="pacsim.experiments.mechanisms",
    )
