"""``python -m pitchlake.sandbox serve ...``: the sandbox's command line without the main CLI."""

from .cli import app

app(prog_name="python -m pitchlake.sandbox")
