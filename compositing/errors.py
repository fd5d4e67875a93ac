"""The one error type of the compositing package."""

from __future__ import annotations


class StoryboardError(Exception):
    """A storyboard, its frames or its media cannot make a film.

    The message names the file (and, for storyboard keys, the line and key) and every problem
    found, so a user fixes them all in one pass. The CLI prints it as one message, exit 2.
    """

    user_facing = True

    def __init__(self, message: str, problems: tuple[str, ...] = ()):
        super().__init__(message)
        self.problems = tuple(problems)

    @classmethod
    def collect(cls, what: str, problems: list[str]) -> StoryboardError:
        """One error listing ``problems`` (each already naming its file:line and key)."""
        if len(problems) == 1:
            return cls(f"{what}: {problems[0]}", tuple(problems))
        body = "\n  ".join(problems)
        return cls(f"{what}: {len(problems)} problems:\n  {body}", tuple(problems))
