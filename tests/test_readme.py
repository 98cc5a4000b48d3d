"""The README's commands and code still run as written."""

from __future__ import annotations

import gc
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def blocks(language: str) -> list[str]:
    """Fenced code blocks of one language in the README."""
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_readme_gives_exactly_two_setup_commands() -> None:
    """The set-up section gives two commands: one runs the main job, one runs the tests."""
    setup = README.split("## Set up (fresh clone)")[1].split("##")[0]
    commands = [line.split("#")[0].strip() for line in blocks("sh")[0].splitlines() if line.strip()]
    assert commands == ["make run", "make test"]
    assert "make run" in setup and "make test" in setup
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    assert re.search(r"^run: install\n\t\$\(VENV\)/bin/pacsim run$", makefile, flags=re.M)
    assert re.search(r"^test: install browser\n\t\$\(VENV\)/bin/pytest", makefile, flags=re.M)


def test_readme_error_example_is_what_the_cli_prints(tmp_path: Path) -> None:
    """The bad-input example in the README is exactly what pacsim prints, with exit code 2."""
    example = re.search(r"```\n(\$ pacsim .*?)```", README, flags=re.S)
    assert example is not None
    command, expected = example.group(1).strip().splitlines()
    args = shlex.split(command.removeprefix("$ pacsim "))
    proc = subprocess.run([sys.executable, "-m", "pacsim", *args, "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip() == expected


@pytest.mark.slow
def test_readme_python_example_runs() -> None:
    """The README's Python example runs and prints a capture index."""
    (code,) = blocks("python")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert 0.0 <= float(proc.stdout.strip().splitlines()[-1]) <= 1.0


@pytest.mark.slow
def test_readme_run_example_writes_tables(tmp_path: Path) -> None:
    """``pacsim run default --seed 3 --cycles 2 --set target.salience=0.4 --csv`` works (on a smaller electorate)."""
    line = next(line for line in blocks("sh")[1].splitlines() if "--seed 3" in line)
    args = shlex.split(line.split("#")[0].replace(".venv/bin/pacsim", "").strip())
    proc = subprocess.run(
        [sys.executable, "-m", "pacsim", *args, "--set", "electorate.n_voters=20000", "--out", str(tmp_path / "run"), "--no-progress"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert "capture_index" in proc.stdout
    for table in ("steps", "legislators", "votes", "bills", "races", "spending", "events"):
        assert (tmp_path / "run" / f"{table}.parquet").is_file()
        assert (tmp_path / "run" / f"{table}.csv").is_file()
    assert (tmp_path / "run" / "manifest.json").is_file()


@pytest.mark.parametrize("command", ["params", "scenarios", "experiments"])
def test_listing_commands_run(command: str) -> None:
    """The listing commands the README names print something."""
    proc = subprocess.run([sys.executable, "-m", "pacsim", command], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip()


def test_the_command_ends_without_a_last_full_collection(capsys: pytest.CaptureFixture[str]) -> None:
    """``pacsim`` and ``python -m pacsim`` freeze what the command loaded before the process ends; ``main`` alone does not.

    Python's last full collection at exit took half a second after every command that had
    loaded the model (``cli.entry``). Scripts and tests call ``main`` in processes that go
    on, so it must leave their collector as it was.
    """
    from pacsim.experiments.cli import main

    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]["pacsim"] == "pacsim.experiments.cli:entry"
    probe = (
        "import atexit, gc, runpy, sys\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count(), file=sys.stderr))\n"
        "sys.argv = ['pacsim', 'params']\n"
        "runpy.run_module('pacsim', run_name='__main__')\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    frozen = re.search(r"^frozen (\d+)$", proc.stderr, flags=re.M)
    assert frozen is not None and int(frozen.group(1)) > 10_000, proc.stderr
    before = gc.get_freeze_count()
    assert main(["params"]) == 0
    capsys.readouterr()
    assert gc.get_freeze_count() == before
