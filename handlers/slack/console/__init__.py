"""`tanto console`: try Tanto in the terminal, without a Slack workspace.

The real app (the same listeners, core and storage as `tanto run`) is wired to the local Slack
stand-in the tests use; you type slash commands as a chosen person in a chosen channel, see what
each person would see, click buttons, fill in forms and move a simulated clock.
"""

from handlers.slack.console.loop import ScriptedLines, run_console

__all__ = ["ScriptedLines", "run_console"]
