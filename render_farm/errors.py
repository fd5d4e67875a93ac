"""The farm's one error type: the CLI prints it as one line and exits 2."""


class FarmError(Exception):
    """A problem the user can act on: a bad frame range, an unreadable manifest, missing frames."""

    user_facing = True
