"""Exceptions raised for bad user input.

Every user-facing failure (scenario file, ``--set`` override, claims file) is raised as a
subclass of :class:`SimiInputError`. The CLI turns these into a message and exit code 2; they
never surface as tracebacks.
"""

from __future__ import annotations


class SimiInputError(Exception):
    """Bad user input. ``problems`` is a list of ``(dotted.path, message)`` pairs (an empty
    path: the file as a whole); ``note``, a closing line that is not a problem (counts, what
    to do)."""

    def __init__(self, source: str, problems: list[tuple[str, str]], note: str = ""):
        self.source = source
        self.problems = list(problems)
        self.note = note
        super().__init__(self.format())

    def format(self) -> str:
        lines = [f"{self.source}: {len(self.problems)} problem(s)"]
        for path, msg in self.problems:
            lines.append(f"  {path}: {msg}" if path else f"  {msg}")
        if self.note:
            lines.append(f"  {self.note}")
        return "\n".join(lines)


class ScenarioError(SimiInputError):
    """A scenario file or override is invalid."""


class ClaimsError(SimiInputError):
    """A claims file is invalid."""
