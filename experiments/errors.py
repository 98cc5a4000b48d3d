"""The one-line user errors of experiments: raised before any work starts, printed by the CLI with exit code 2."""

from __future__ import annotations


class ExperimentError(ValueError):
    """An experiment file that cannot be run; its message is one line naming file, line and key."""


class ExecutorError(RuntimeError):
    """An executor that cannot be started or reached; its message is one line."""


class SweepError(RuntimeError):
    """A sweep that cannot start (a clash with an existing run folder, say); its message is one line."""


class ReportError(ValueError):
    """A run folder that cannot be reported on; its message is one line."""


class ManifestError(ValueError):
    """A ``manifest.json`` that cannot be read as a pacsim manifest; its message is one line."""


class OutputError(ValueError):
    """An output folder that cannot be written, or that holds work a command must not overwrite; its message is one line."""


class ResourceError(RuntimeError):
    """Work that would need more memory than this machine has free; its message is one line."""


class ServerError(ValueError):
    """An address or port a server cannot bind, or a scheduler address of the wrong form; its message is one line."""


class StoreError(RuntimeError):
    """A file of a run folder that cannot be read back; its message is one line naming the file."""
