"""One run of `tanto console`: who you are and where, what you can click, the form being filled,
and the answer to every line you type.

`handle(line)` returns what to print; it never raises, so a typo or a surprise from the app is
an answer on the screen, not a traceback.
"""

from __future__ import annotations

import logging

from rich.console import RenderableType
from rich.rule import Rule
from rich.text import Text

from handlers.slack.console import guide, timetravel
from handlers.slack.console.feed import Message, ModalOpened, ModalUpdated, Origin, Seen, acknowledgement, read_calls
from handlers.slack.console.guide import CANCEL, COMMANDS, FIRST_COMMAND, NOTE, QUIT
from handlers.slack.console.modals import ModalForm
from handlers.slack.console.mrkdwn import Reader
from handlers.slack.console.render import Clickable, Option, Renderer
from handlers.slack.console.team import Channel, Member
from handlers.slack.console.workspace import LocalWorkspace
from handlers.slack.standin.driver import Reply
from handlers.slack.standin.server import Call

log = logging.getLogger(__name__)

ERROR = "red"


class ConsoleSession:
    def __init__(self, workspace: LocalWorkspace) -> None:
        self.workspace = workspace
        self.team = workspace.team
        self.user: Member = self.team.members[0]
        self.channel: Channel = self.team.channels[0]
        self.clickables: list[Clickable] = []
        self.forms: list[ModalForm] = []
        self.choosing: Clickable | None = None
        self.origins: dict[str, Origin] = {}
        self.finished = False
        actions = {
            ":as": self._act_as,
            ":in": self._move_to,
            ":click": self._click,
            ":time": self._time,
            ":home": self._home,
            ":who": self._who,
            ":channels": self._channels,
            ":help": self._help,
            ":quit": self._quit,
        }
        self._commands = {name: actions[command.names[0]] for command in COMMANDS for name in command.names}

    @property
    def prompt(self) -> str:
        if self.forms:
            form = self.forms[-1]
            return form.prompt() or f"  Send “{form.title}”? Enter sends it, {CANCEL} closes it: "
        if self.choosing is not None:
            return f"  Choose 1–{len(self.choosing.options)} for “{self.choosing.label}” (Enter: none): "
        return f"{self.user.name} in #{self.channel.name} › "

    def welcome(self, storage: str) -> list[RenderableType]:
        return [guide.welcome(self._whoami(), self.channel, self._now(), storage)]

    def handle(self, line: str) -> list[RenderableType]:
        try:
            return self._handle(line)
        except Exception as error:  # anything unforeseen is an answer on the screen, not the end
            log.debug("console line %r failed", line, exc_info=True)
            return _problem(f"That did not work: {error}. The app is still running; :help lists what you can type.")

    def interrupt(self) -> list[RenderableType]:
        """Ctrl-C: drop the form or menu in progress, keep the console."""
        dropped = bool(self.forms or self.choosing)
        self.forms.clear()
        self.choosing = None
        note = "Form closed; nothing was sent. " if dropped else ""
        return [Text(f"{note}:quit or Ctrl-D leaves.", NOTE)]

    def _handle(self, line: str) -> list[RenderableType]:
        if self.forms:
            return self._fill(line)
        typed = line.strip()
        if self.choosing is not None:
            if not typed.startswith((":", "/")):
                return self._choose(line)
            # No option starts with `:` or `/`: typing a command leaves the menu, as clicking
            # elsewhere closes one in Slack.
            self.choosing = None
            return [Text("Nothing chosen.", NOTE), *self._handle(line)]
        if not typed:
            return []
        if typed.startswith("/"):
            return self._slash(typed)
        if typed.startswith(":"):
            name, _, argument = typed.partition(" ")
            command = self._commands.get(name.lower())
            if command is None:
                known = ", ".join(c.names[0] for c in COMMANDS)
                return _problem(f"“{name}” is not a console command; these are: {known}. :help explains them.")
            return command(argument.strip())
        return _problem(
            f"Tanto listens for slash commands, not chat. Type one, such as\n  {FIRST_COMMAND}\n"
            "or a console command such as :help."
        )

    # Slash commands, clicks and forms: what Slack would send, and what everyone then sees

    def _slash(self, typed: str) -> list[RenderableType]:
        command, _, text = typed.partition(" ")
        if command.lower() not in guide.SLASH_COMMANDS:
            known = ", ".join(guide.SLASH_COMMANDS)
            return _problem(f"Tanto answers {known}; “{command}” is not one of them. :help shows examples.")
        url = self._response_url(Origin(self.channel.channel_id, self.user.user_id, ephemeral=False))
        mark = self.workspace.mark()
        reply = self.workspace.command(
            command.lower(),
            self.team.escape(text.strip()),
            user=self.user.user_id,
            channel=self.channel.channel_id,
            response_url=url,
        )
        if failed := _failure(reply):
            return failed
        calls = self.workspace.calls_since(mark)
        # An empty acknowledgement is answered by response URL; the driver then hands that post back.
        answer = None
        if not any(call.args is reply.body for call in calls):
            answer = acknowledgement(reply.body, channel=self.channel.channel_id, user=self.user.user_id)
        return self._show([*([answer] if answer else []), *self._seen(calls)])

    def _click(self, argument: str) -> list[RenderableType]:
        parts = argument.split(maxsplit=1)
        if not parts or not parts[0].isdigit():
            return _problem("Say which: `:click 2` presses [2 …]; `:click 3 2` picks option 2 of menu [3 …].")
        if not self.clickables:
            return _problem("Nothing to click yet: buttons and menus are numbered, like [1 Done], in what is shown.")
        number = int(parts[0])
        if not 1 <= number <= len(self.clickables):
            return _problem(f"There is no [{number}]: what was shown last has [1] to [{len(self.clickables)}].")
        target = self.clickables[number - 1]
        if target.only_for is not None and target.only_for != self.user.user_id:
            who = self.team.person_label(target.only_for)
            return _problem(f"Only {who} sees that message, so only they can click in it: `:as {who}` first.")
        if not target.options:
            if len(parts) > 1:  # an option asked of a button: pressing it anyway would surprise
                return _problem(f"[{number} {target.label}] is a button, not a menu: `:click {number}` presses it.")
            return self._press(target, None)
        if len(parts) == 1:
            self.choosing = target
            choices = "  ".join(f"{n} {option.label}" for n, option in enumerate(target.options, 1))
            return [Text(f"[{number} {target.label}] offers: {choices}", NOTE)]
        option = _option(target, parts[1])
        if option is None:
            return _problem(f"[{number} {target.label}] has no option “{parts[1]}”: 1 to {len(target.options)}.")
        return self._press(target, option)

    def _choose(self, typed: str) -> list[RenderableType]:
        target, self.choosing = self.choosing, None
        assert target is not None
        if not typed.strip():
            return [Text("Nothing chosen.", NOTE)]
        option = _option(target, typed.strip())
        if option is None:
            self.choosing = target
            return _problem(f"“{typed.strip()}” is not one of the options: type 1 to {len(target.options)}.")
        return self._press(target, option)

    def _press(self, target: Clickable, option: Option | None) -> list[RenderableType]:
        channel = target.channel or self.channel.channel_id
        url = self._response_url(Origin(channel, self.user.user_id, ephemeral=target.ephemeral))
        mark = self.workspace.mark()
        reply = self.workspace.click(
            target.source,
            target.action_id,
            nth=target.nth,
            user=self.user.user_id,
            option=option.value if option else None,
            response_url=url,
        )
        if failed := _failure(reply):
            return failed
        shown = self._show(self._seen(self.workspace.calls_since(mark)))
        if target.channel is None:  # clicked in the Home tab, which the app has now redrawn
            shown += self._home("")
        return shown

    def _fill(self, line: str) -> list[RenderableType]:
        form = self.forms[-1]
        typed = line.strip()
        if typed in QUIT:
            return self._quit("")
        if typed == CANCEL:
            self.forms.pop()
            return [Text(f"“{form.title}” closed; nothing was sent.", NOTE)]
        if typed.partition(" ")[0].lower() in self._commands:
            return _problem(f"Finish “{form.title}” first, or {CANCEL} to close it.")
        if not form.complete:
            problem = form.answer(line)
            if problem is not None:
                return _problem(problem)
            if not form.complete:
                return []
        return self._submit(form)

    def _submit(self, form: ModalForm) -> list[RenderableType]:
        mark = self.workspace.mark()
        reply = self.workspace.submit(form.view, form.values, user=form.user)
        if failed := _failure(reply):
            self.forms.pop()
            return failed
        body = reply.body if isinstance(reply.body, dict) else {}
        action = body.get("response_action")
        if action == "errors":
            errors = {str(k): str(v) for k, v in (body.get("errors") or {}).items()}
            form.ask_again(errors)
            labels = {f.block_id: f.label for f in form.fields}
            lines = "\n".join(
                f"  • {_error_line(labels.get(block, block), message)}" for block, message in errors.items()
            )
            return _problem(f"Tanto did not accept the form:\n{lines}\nAnswer again, or {CANCEL} to close the form.")
        done: list[RenderableType] = [Text(f"✓ “{form.title}” sent.", NOTE)]
        if action == "clear":
            self.forms.clear()
        else:
            self.forms.pop()
        seen = self._seen(self.workspace.calls_since(mark))
        if action in ("update", "push") and isinstance(body.get("view"), dict):
            seen.append(ModalOpened(body["view"]))
            if action == "update":
                done = []
        return done + self._show(seen)

    # Showing what happened

    def _seen(self, calls: list[Call]) -> list[Seen]:
        return read_calls(calls, self.origins, self.workspace.standin)

    def _show(self, seen: list[Seen], renderer: Renderer | None = None) -> list[RenderableType]:
        renderer = renderer or self._renderer()
        shown: list[RenderableType] = []
        for thing in seen:
            if isinstance(thing, Message):
                shown.append(renderer.message(thing))
            elif isinstance(thing, ModalOpened):
                self.forms.append(ModalForm(thing.view, self.user.user_id, self.team))
                shown.append(renderer.modal(thing.view, self._you()))
                shown += self._unfillable(self.forms[-1])
            elif isinstance(thing, ModalUpdated):
                shown += self._modal_updated(thing, renderer)
        if any(isinstance(thing, Message) for thing in seen):
            self.clickables = renderer.clickables
        return shown

    def _modal_updated(self, update: ModalUpdated, renderer: Renderer) -> list[RenderableType]:
        for index, form in enumerate(self.forms):
            if self._view_id(form) == update.view_id:
                self.forms[index] = ModalForm(update.view, form.user, self.team)
                return [renderer.modal(update.view, self.team.person_label(form.user))]
        return []

    def _view_id(self, form: ModalForm) -> str | None:
        try:
            return self.workspace.standin.view_id(form.view)
        except KeyError:  # a view the app sent back in a response_action: Slack gave it no id we know
            return None

    def _unfillable(self, form: ModalForm) -> list[RenderableType]:
        if not form.unfillable:
            return []
        kinds = ", ".join(f"{f.label} ({f.kind})" for f in form.unfillable)
        return [Text(f"This console cannot fill {kinds}; left empty.", NOTE)]

    def _renderer(self) -> Renderer:
        return Renderer(Reader(self.team, self.user.tz), self.user.user_id)

    def _response_url(self, origin: Origin) -> str:
        url = self.workspace.standin.new_response_url()
        self.origins[url] = origin
        return url

    # Console commands

    def _act_as(self, argument: str) -> list[RenderableType]:
        member = self.team.member_named(argument) if argument else None
        if member is None:
            names = ", ".join("@" + m.name for m in self.team.members)
            asked = f"No one here is called “{argument}”" if argument else "Say who"
            return _problem(f"{asked}: try one of {names}, e.g. `:as @jan`.")
        self.user = member
        return [Text(f"You are now {self._whoami()}; it is {self._now()} for you.")]

    def _move_to(self, argument: str) -> list[RenderableType]:
        channel = self.team.channel_named(argument) if argument else None
        if channel is None:
            names = ", ".join("#" + c.name for c in self.team.channels)
            asked = f"There is no channel “{argument}”" if argument else "Say which channel"
            return _problem(f"{asked}: try {names}, e.g. `:in #{self.team.channels[-1].name}`.")
        self.channel = channel
        return [Text(f"You are now in #{channel.name} ({channel.topic}).")]

    def _time(self, argument: str) -> list[RenderableType]:
        now = self.workspace.clock.now()
        if not argument:
            return [Text(f"It is {self._now()} for you ({self.user.tz}); {timetravel.EXAMPLES} move the clock.")]
        try:
            target = timetravel.target(argument, now, self.user.tz)
        except timetravel.TimeError as error:
            return _problem(str(error))
        if target <= now:
            return _problem(f"It is already {self._now()} for you: the clock only moves forward.")
        shown: list[RenderableType] = [
            Text(f"⏩ {self._now()} → {timetravel.moment_text(target, self.user.tz)} ({self.user.tz})", NOTE)
        ]
        renderer = self._renderer()
        happened: list[Seen] = []
        for tick in self.workspace.advance(target):
            seen = self._seen(tick.calls)
            if seen:
                shown.append(Rule(f"{timetravel.moment_text(tick.at, self.user.tz)} your time", style=NOTE))
                shown += self._show(seen, renderer)
                happened += seen
        if any(isinstance(thing, Message) for thing in happened):
            self.clickables = renderer.clickables
        else:
            shown.append(Text("Nothing came due on the way.", NOTE))
        shown.append(Text(f"It is now {self._now()} for you."))
        return shown

    def _home(self, _: str) -> list[RenderableType]:
        view = self.workspace.open_home(self.user.user_id)
        if view is None:
            return _problem("Tanto published no Home tab for you.")
        renderer = self._renderer()
        shown = [renderer.home(view, self.user.user_id)]
        self.clickables = renderer.clickables
        return shown

    def _who(self, _: str) -> list[RenderableType]:
        return [guide.team_table(self.team, self.user, self.workspace.clock.now())]

    def _channels(self, _: str) -> list[RenderableType]:
        return [guide.channel_table(self.team, self.channel)]

    def _help(self, _: str) -> list[RenderableType]:
        return guide.help_tables()

    def _quit(self, _: str) -> list[RenderableType]:
        self.finished = True
        return [Text("Stopping the app. Bye!", NOTE)]

    # Small helpers

    def _now(self) -> str:
        return timetravel.moment_text(self.workspace.clock.now(), self.user.tz)

    def _whoami(self) -> str:
        return f"@{self.user.name} ({self.user.real_name}, {self.user.role}, {self.user.tz})"

    def _you(self) -> str:
        return f"you (@{self.user.name})"


def _option(target: Clickable, typed: str) -> Option | None:
    if typed.isdigit():
        number = int(typed)
        return target.options[number - 1] if 1 <= number <= len(target.options) else None
    wanted = typed.lower()
    return next((o for o in target.options if wanted in (o.label.lower(), o.value.lower())), None)


def _error_line(label: str, message: str) -> str:
    """`Due date: …`, unless the app's message already starts with the field's name."""
    return message if message.lower().startswith(label.lower()) else f"{label}: {message}"


def _problem(text: str) -> list[RenderableType]:
    return [Text(text, ERROR)]


def _failure(reply: Reply) -> list[RenderableType]:
    """Slack shows an error when the app does not answer 200; so does the console."""
    if reply.status == 200:
        return []
    return _problem(f"The app answered HTTP {reply.status}: {reply.text or 'no details'}")
