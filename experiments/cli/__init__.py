"""The ``pacsim`` command line: one subcommand per job, each in its own module.

``run``, ``params`` and ``scenarios`` (:mod:`.run`); ``sweep``, ``sensitivity`` and
``experiments`` (:mod:`.sweep`); ``report`` (:mod:`.report`); ``measure`` (:mod:`.measure`);
``bench`` (:mod:`.bench`); ``viz`` (:mod:`pacsim.viz.command`). Every command reads
parameters through the one schema; a bad value, key or file ends it with a one-line
message on stderr and exit code 2, before anything is written.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence

from pacsim.experiments.cli import bench, measure, report, run, sweep
from pacsim.experiments.cli.common import USER_ERRORS, Parser, one_line
from pacsim.viz import command as viz_command

#: Each module adds its subcommands to the parser, in the order ``pacsim --help`` lists them.
COMMAND_MODULES = (run, sweep, report, measure, bench, viz_command)


def build_parser() -> Parser:
    """The ``pacsim`` argument parser with every subcommand."""
    from pacsim import __version__

    parser = Parser(prog="pacsim", description="Agent-based simulator of how money and attention shape legislation.")
    parser.add_argument("--version", action="version", version=f"pacsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises KeyboardInterrupt, so a terminated sweep records itself as interrupted and cleans up."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pacsim`` command: its exit code (2 for any mistake in the input, with one line on stderr)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # a usage mistake (2), or --help and --version (0)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        with terminate_as_interrupt():
            return int(args.func(args) or 0)
    except USER_ERRORS as exc:
        print(f"pacsim: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader of stdout went away (| head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:  # the machine, not the input: a full disk, a folder removed under a running job
        print(f"pacsim: error: {one_line(exc)}", file=sys.stderr)
        return 1
    except MemoryError:
        print("pacsim: error: out of memory; allowed: a smaller electorate.n_voters or fewer --workers", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("pacsim: interrupted", file=sys.stderr)
        return 130


def entry() -> int:
    """The ``pacsim`` executable (and ``python -m pacsim``): :func:`main`, whose process then ends without a last full collection.

    As it exits, Python collects every object still alive, and a command that has loaded
    the model, Mesa, pandas and numba holds about 190,000 of them: that collection took half
    a second after every ``pacsim run`` or ``pacsim sweep``, while nothing waits for the
    memory the system frees anyway. ``gc.freeze()`` moves those objects to the permanent
    generation, which no collection visits. Exit handlers still run, the standard streams
    are still flushed and every object not in a reference cycle is still freed as the
    modules are cleared; only cycles alive at the very end keep their finalisers unrun, and
    pacsim closes every file it writes before a command returns. :func:`main` itself does
    not freeze, since tests and scripts call it in processes that go on.
    """
    code = main()
    gc.freeze()
    return code
