"""``python -m pitchlake_sandbox serve ...``: the sandbox's command line without the main CLI."""

from . import app

app(prog_name="python -m pitchlake_sandbox")
