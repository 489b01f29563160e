"""Block Kit in the terminal: each message a panel saying where it appeared and who sees it, its
blocks laid out readably, and every button and menu numbered so `:click` can press it.

Elements are numbered in the order the driver finds them (block by block: accessory, element,
elements), so "the second `item_menu` in this message" means the same thing to both.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from handlers.slack.console.feed import Kind, Message
from handlers.slack.console.mrkdwn import Reader, plain_to_text, to_text
from handlers.slack.standin.server import blocks_text

CLICKABLE = ("button", "overflow", "static_select", "radio_buttons")
BUTTON_STYLES = {"primary": "bold green", "danger": "bold red"}
BORDERS = {Kind.POSTED: "cyan", Kind.UPDATED: "blue", Kind.EPHEMERAL: "magenta", Kind.FILE: "cyan"}


@dataclass(frozen=True)
class Option:
    label: str
    value: str


@dataclass(frozen=True)
class Clickable:
    """A numbered element: `action_id`, and `nth` among elements with that id in `source`."""

    number: int
    action_id: str
    nth: int
    label: str
    options: tuple[Option, ...]  # a menu's choices; empty for a button
    source: dict[str, Any]
    channel: str | None  # None: a view (the Home tab), not a message
    only_for: str | None  # only this person sees the message, so only they can click in it
    ephemeral: bool


class Renderer:
    """Renders one batch of output; `clickables` are numbered from 1 across the whole batch."""

    def __init__(self, reader: Reader, viewer: str) -> None:
        self.reader = reader
        self.viewer = viewer
        self.clickables: list[Clickable] = []
        self._seen: Counter[str] = Counter()
        self._place: tuple[dict[str, Any], str | None, str | None, bool] = ({}, None, None, False)

    def message(self, message: Message) -> RenderableType:
        label = self.where(message)
        if message.kind is Kind.DELETED:
            return Text(f"✂ {label}", style="dim")
        only_for = message.only_for or _dm_partner(self.reader, message.channel)
        self._start(message.source, message.channel, only_for, message.only_for is not None)
        body = self._content(message.shown)
        if message.kind is Kind.FILE:
            body = [plain_to_text(str(message.shown.get("text", "")))]
        return Panel(Group(*body), title=Text(label), title_align="left", border_style=BORDERS[message.kind])

    def home(self, view: dict[str, Any], user: str) -> RenderableType:
        self._start(view, None, user, False)
        title = "your Home tab in Tanto" if user == self.viewer else f"{self.reader.team.person_label(user)}'s Home tab"
        return Panel(Group(*self._content(view)), title=Text(title), title_align="left", border_style="green")

    def modal(self, view: dict[str, Any], who: str) -> RenderableType:
        """A modal's content; its inputs are listed here and then asked one by one."""
        self._start({}, None, None, False)
        title = _plain((view.get("title") or {}).get("text", "Form"))
        submit = _plain((view.get("submit") or {}).get("text", "Submit"))
        return Panel(
            Group(*self._content(view)),
            title=Text(f"form: {title} · opened for {who}"),
            title_align="left",
            # Short enough for an 80-column terminal, where a longer subtitle is cut off.
            subtitle=Text(f"fields asked in turn, then {submit} · Enter keeps [value] · :cancel closes"),
            subtitle_align="left",
            border_style="yellow",
        )

    def where(self, message: Message) -> str:
        """Where a message appeared and who sees it, from the reader's point of view."""
        team = self.reader.team
        partner = _dm_partner(self.reader, message.channel)
        if partner is not None:
            place = "DM to you" if partner == self.viewer else f"DM to {team.person_label(partner)}"
        else:
            place = f"in {team.channel_label(message.channel)}"
        audience = ""
        if message.only_for is not None:
            you = message.only_for == self.viewer
            audience = "only you see this" if you else f"only {team.person_label(message.only_for)} sees this"
        match message.kind:
            case Kind.EPHEMERAL:
                return f"{audience} · {place}"
            case Kind.DELETED:
                if message.only_for is None:
                    return f"removed a message {place}"
                who = "you" if message.only_for == self.viewer else team.person_label(message.only_for)
                return f"removed the message only {who} saw {place}"
            case Kind.UPDATED:
                return " · ".join(filter(None, (f"updated {place}", audience)))
            case Kind.FILE:
                return f"file shared {place}"
        thread = " · in a thread" if message.in_thread else ""
        return (place if partner is not None else f"posted {place}") + thread

    # Blocks

    def _start(self, source: dict[str, Any], channel: str | None, only_for: str | None, ephemeral: bool) -> None:
        self._seen = Counter()
        self._place = (source, channel, only_for, ephemeral)

    def _content(self, shown: dict[str, Any]) -> list[RenderableType]:
        blocks = shown.get("blocks")
        if isinstance(blocks, list) and blocks:
            return [rendered for block in blocks if (rendered := self._block(block)) is not None]
        return [to_text(str(shown.get("text") or ""), self.reader)]

    def _block(self, block: dict[str, Any]) -> RenderableType | None:
        match block.get("type"):
            case "header":
                return Text(_plain((block.get("text") or {}).get("text", "")), style="bold underline")
            case "section":
                return self._section(block)
            case "context":
                pieces = [self._text_object(e, style="dim") for e in block.get("elements") or []]
                return Text("  ").join(p for p in pieces if p.plain) if pieces else None
            case "divider":
                return Rule(style="dim")
            case "actions":
                return Text("  ").join(self._element(e) for e in block.get("elements") or [])
            case "input":
                return self._input(block)
            case "image":
                return Text(f"🖼  {block.get('alt_text', 'image')}", style="dim")
            case "rich_text":
                return to_text(blocks_text([block]), self.reader)
        return Text(f"[{block.get('type')} block]", style="dim")

    def _section(self, block: dict[str, Any]) -> RenderableType:
        parts: list[RenderableType] = []
        if isinstance(block.get("text"), dict):
            parts.append(self._text_object(block["text"]))
        fields = [self._text_object(f) for f in block.get("fields") or []]
        if fields:
            grid = Table.grid(padding=(0, 4))
            grid.add_column()
            grid.add_column()
            for left in range(0, len(fields), 2):
                grid.add_row(*fields[left : left + 2])
            parts.append(grid)
        if isinstance(block.get("accessory"), dict):
            parts.append(Text("  ") + self._element(block["accessory"]))
        return Group(*parts)

    def _input(self, block: dict[str, Any]) -> Text:
        label = _plain((block.get("label") or {}).get("text", ""))
        shown = Text("▸ ", style="yellow") + Text(optional_label(label, bool(block.get("optional"))), style="bold")
        if isinstance(block.get("hint"), dict):
            shown += Text(f" — {_plain(block['hint'].get('text', ''))}", style="dim")
        return shown

    def _element(self, element: dict[str, Any]) -> Text:
        kind = element.get("type")
        if kind == "image":
            return Text(f"🖼  {element.get('alt_text', 'image')}", style="dim")
        if kind not in CLICKABLE or "action_id" not in element:
            return Text(f"[{kind}]", style="dim")
        label = _plain(((element.get("text") or element.get("placeholder")) or {}).get("text", "")) or "⋯"
        options = tuple(
            Option(_plain((option.get("text") or {}).get("text", "")), str(option.get("value", "")))
            for option in _options(element)
        )
        number = self._add(str(element["action_id"]), label, options)
        if kind == "button":
            suffix = " ↗" if element.get("url") else ""
            style = BUTTON_STYLES.get(element.get("style", ""), "bold")
            return Text(f"[{number}{label}{suffix}]", style=style)
        choices = " · ".join(f"{n} {option.label}" for n, option in enumerate(options, 1))
        return Text(f"[{number}{label} ▾] ", style="bold") + Text(choices, style="dim")

    def _add(self, action_id: str, label: str, options: tuple[Option, ...]) -> str:
        """Number the element if it can be clicked from here; its number and a space, or nothing."""
        source, channel, only_for, ephemeral = self._place
        nth = self._seen[action_id]
        self._seen[action_id] += 1
        if not source:
            return ""
        number = len(self.clickables) + 1
        self.clickables.append(Clickable(number, action_id, nth, label, options, source, channel, only_for, ephemeral))
        return f"{number} "

    def _text_object(self, obj: dict[str, Any], *, style: str = "") -> Text:
        if obj.get("type") == "mrkdwn":
            return to_text(str(obj.get("text", "")), self.reader, style=style)
        if obj.get("type") == "image":
            return Text(f"🖼  {obj.get('alt_text', '')}", style="dim")
        return plain_to_text(str(obj.get("text", "")), style=style)


def optional_label(label: str, optional: bool) -> str:
    """The label, marked optional unless it says so itself ("Account tag (optional)")."""
    return label + " (optional)" if optional and "optional" not in label.lower() else label


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    groups = [option for group in element.get("option_groups") or [] for option in group.get("options") or []]
    return [*(element.get("options") or []), *groups]


def _plain(text: str) -> str:
    return plain_to_text(text).plain


def _dm_partner(reader: Reader, channel: str) -> str | None:
    member = reader.team.dm_partner(channel)
    return member.user_id if member else None
