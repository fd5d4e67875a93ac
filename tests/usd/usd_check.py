"""usdchecker's checks for tests (usd-core 0.26 ships them as UsdValidation, not the CLI)."""

from __future__ import annotations


def validate(path) -> list[str]:
    from pxr import Usd, UsdValidation

    stage = Usd.Stage.Open(str(path))
    validators = UsdValidation.ValidationRegistry().GetOrLoadAllValidators()
    errors = UsdValidation.ValidationContext(validators).Validate(stage)
    return [f"{e.GetName()}: {e.GetMessage()}" for e in errors]
