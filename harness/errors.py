"""One error family for everything the user can fix, and the exit codes the CLI returns.

Results of cells are data, never exceptions: these errors are only for input that cannot be run
at all (a bad matrix, template or compose file) and for an unreachable Docker engine.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    """Every cell reached a verdict."""
    CELL_FAILED = 1
    """A cell could not be tested (`error`), or `--fail-on` matched."""
    BAD_INPUT = 2
    """The matrix, template or compose file is invalid; nothing was launched."""
    DOCKER_UNAVAILABLE = 3
    """The Docker engine (or, for `bisect watch`, the registry) could not be reached."""
    INTERRUPTED = 130
    """Ctrl-C or SIGTERM."""


class HarnessError(Exception):
    """A problem the user can fix; printed as one line, never as a traceback."""

    exit_code: ExitCode = ExitCode.BAD_INPUT


class MatrixError(HarnessError):
    """The matrix file is missing, unreadable or invalid."""


class TemplateError(HarnessError):
    """The compose template failed to render for a cell."""


class ComposeError(HarnessError):
    """A rendered compose file uses something the harness cannot translate."""


class UsageError(HarnessError):
    """A command-line option has a value the harness does not know."""


class LogFileError(HarnessError):
    """A log given to `bisect classify` cannot be read."""


class DockerUnavailableError(HarnessError):
    """The Docker engine cannot be reached."""

    exit_code = ExitCode.DOCKER_UNAVAILABLE
