"""pitchlake: a football data lake from API-Football."""

from .hookspecs import hookimpl

__all__ = ["hookimpl"]
