"""The add-on's one error type: what the CLI prints as one line and Blender shows as a report."""


class AddonError(Exception):
    user_facing = True
