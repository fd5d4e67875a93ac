"""The trainer's one error type: bad input (data, config, weights) a user can fix."""

from __future__ import annotations


class TrainerError(Exception):
    """A data file, config or weights file is missing or wrong. The message names it.

    ``user_facing`` tells ``galaxyreel`` to print the message as one line and exit 2.
    """

    user_facing = True

    def __init__(self, path, problem: str):
        self.path = None if path is None else str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}" if self.path else problem)
