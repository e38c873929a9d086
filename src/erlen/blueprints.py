"""Flask's ``flask.blueprints`` import path, kept as ``erlen.blueprints``.

The code lives in :mod:`erlen.core.blueprints`; it only re-exports the public names.
"""

from erlen.core.blueprints import (
    Blueprint,
    BlueprintSetupState,
)

__all__ = [
    "Blueprint",
    "BlueprintSetupState",
]
