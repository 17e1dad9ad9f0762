"""The exception tree for bad user input.

Every error a user can fix (a scenario file, a log file, a model file, an order book)
is an :class:`InputError`. Its message names the file, the field / column / row, what
is wrong and what to do, so the command line can print it as one line and exit 2.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["InputError", "LogDataError", "ModelFileError"]


class InputError(ValueError):
    """Bad user input.

    Args:
        message: What is wrong, in plain words.
        file: The file the input came from, if any.
        location: The field, column or row (e.g. ``"column 'yield_pct'"``, ``"row 17"``).
        hint: What the user should do about it.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        location: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.location = location
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [p for p in (self.file, self.location) if p]
        text = ": ".join([*parts, self.message])
        if self.hint:
            text += f" ({self.hint})"
        return text


class LogDataError(InputError):
    """A process-log file cannot be used (missing file or column, unreadable values)."""


class ModelFileError(InputError):
    """A stored surrogate model is missing, tampered with or does not fit the scenario."""
