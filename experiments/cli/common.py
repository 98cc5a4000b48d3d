"""What every ``pacsim`` subcommand shares: the parser class, the user errors and the summary printer."""

from __future__ import annotations

import argparse
import importlib
import math
from collections.abc import Callable
from typing import Any, NoReturn

from pacsim.experiments.errors import (
    ExecutorError,
    ExperimentError,
    ManifestError,
    OutputError,
    ReportError,
    ResourceError,
    ServerError,
    StoreError,
    SweepError,
)
from pacsim.model.params import ParameterError
from pacsim.model.scenarios import ScenarioError

#: Errors that mean the user's input is wrong: one line on stderr, exit code 2.
USER_ERRORS: tuple[type[Exception], ...] = (
    ParameterError,
    ScenarioError,
    ExperimentError,
    SweepError,
    ExecutorError,
    ReportError,
    ManifestError,
    OutputError,
    ResourceError,
    ServerError,
    StoreError,
)


def one_line(exc: BaseException | str) -> str:
    """An error message folded onto one line."""
    return " ".join(str(exc).split())


class Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line and exit code 2; a subcommand's options can load with its module.

    With ``module``, the name of a module with ``add_arguments(parser)`` and
    ``run(args)``, that module is imported and its options added only when this parser
    reads a command line, so ``pacsim --help`` and a mistake in another command's input
    do not wait for what the module imports (a benchmark imports the whole model, Mesa and
    numba with it).
    """

    def __init__(self, *args: Any, module: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._module = module

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        """Add the module's options, once, then parse as argparse does."""
        if self._module:
            module = importlib.import_module(self._module)
            self._module = ""
            module.add_arguments(self)
            self.set_defaults(func=module.run)
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        """Print the mistake in one line and exit with code 2."""
        self.exit(2, f"{self.prog}: error: {one_line(message)}\n")


def integer(text: str) -> int:
    """An argparse type: a whole number, with a message that says so."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed; allowed: an integer") from None


def integer_in(lo: int, hi: int) -> Callable[[str], int]:
    """An argparse type: a whole number in [lo, hi], with a message that gives the range."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = lo - 1
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{text!r} is not allowed; allowed: an integer in [{lo:,}, {hi:,}]")
        return value

    return parse


def integers_in(lo: int, hi: int) -> Callable[[str], list[int]]:
    """An argparse type: a comma-separated list of whole numbers, each in [lo, hi]."""
    one = integer_in(lo, hi)

    def parse(text: str) -> list[int]:
        try:
            return [one(part) for part in text.split(",")]
        except argparse.ArgumentTypeError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not allowed; allowed: integers in [{lo:,}, {hi:,}] separated by commas"
            ) from None

    return parse


def format_value(value: float) -> str:
    """A summary number as a person reads it: n/a, thousands separators, three decimals or an integer."""
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
        print(f"{key:<{width}}  {format_value(value):>14}")


def plural(n: int, word: str) -> str:
    """``1 cycle``, ``2 cycles``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
