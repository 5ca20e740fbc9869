"""Errors a user can cause or meet, each with a message that says what to do.

The CLI maps them to exit codes: 2 for bad input or usage, 1 for processing failures.
"""


class VidkitError(Exception):
    """Base class: processing failed (exit code 1)."""

    exit_code = 1


class BadInputError(VidkitError):
    """The input file or an option is unusable (exit code 2)."""

    exit_code = 2


class ConfigError(BadInputError):
    """vidkit.toml or a flag has an unknown key or a value of the wrong type."""


class ProcessingError(VidkitError):
    """An external step (ffmpeg, a model) failed on valid input."""
