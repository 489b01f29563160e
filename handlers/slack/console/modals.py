"""Filling in a modal at the prompt: each input block asked in turn, with its current value as the
default, collected into `view.state.values` exactly as Slack submits them.

Fields the app rejects (`response_action: errors`) are asked again with the app's message;
the others keep their answers, as they do in Slack's form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from handlers.slack.console.render import optional_label
from handlers.slack.console.team import Team

TEXT_KINDS = ("plain_text_input", "number_input", "email_text_input", "url_text_input")
MENU_KINDS = ("static_select", "radio_buttons")
FILLABLE = (*TEXT_KINDS, *MENU_KINDS, "datepicker", "users_select")
CLEAR = "-"
SHOWN_DEFAULT_LENGTH = 40


@dataclass(frozen=True)
class Field:
    block_id: str
    action_id: str
    label: str
    kind: str
    optional: bool
    element: dict[str, Any]

    @property
    def options(self) -> list[dict[str, Any]]:
        groups = [o for group in self.element.get("option_groups") or [] for o in group.get("options") or []]
        return [*(self.element.get("options") or []), *groups]


class ModalForm:
    """One open modal: the fields still to ask, and the answers so far as Slack state values."""

    def __init__(self, view: dict[str, Any], user: str, team: Team) -> None:
        self.view = view
        self.user = user
        self.team = team
        self.fields = [_field(block) for block in view.get("blocks") or [] if block.get("type") == "input"]
        self.values: dict[str, dict[str, Any]] = {}
        self._queue = [f for f in self.fields if f.kind in FILLABLE]
        for field in self.fields:
            if field.kind not in FILLABLE:
                self.values[field.block_id] = {field.action_id: {"type": field.kind}}
        self.errors: dict[str, str] = {}

    @property
    def title(self) -> str:
        return str((self.view.get("title") or {}).get("text", "Form"))

    @property
    def unfillable(self) -> list[Field]:
        return [f for f in self.fields if f.kind not in FILLABLE]

    @property
    def current(self) -> Field | None:
        return self._queue[0] if self._queue else None

    @property
    def complete(self) -> bool:
        return not self._queue

    def prompt(self) -> str:
        field = self.current
        if field is None:
            return ""
        shown = optional_label(field.label, field.optional)
        if field.kind in MENU_KINDS:
            shown += " — " + ", ".join(f"{n} {_label(o)}" for n, o in enumerate(field.options, 1))
        elif field.kind == "datepicker":
            shown += " (YYYY-MM-DD)"
        elif field.kind == "users_select":
            shown += " (@name)"
        default = self._default_shown(field)
        return f"  {shown}" + (f" [{default}]" if default else "") + ": "

    def answer(self, typed: str) -> str | None:
        """Take the answer to the current field; a sentence saying what is wrong, or None."""
        field = self.current
        if field is None:
            return None
        typed = typed.strip()
        if typed == CLEAR and field.optional:
            state: dict[str, Any] = _state(field, None)
        elif not typed:
            if self._default(field) is None and not field.optional:
                return f"{field.label} is required."
            state = _state(field, self._default(field))
        else:
            value, problem = self._read(field, typed)
            if problem is not None:
                return problem
            state = _state(field, value)
        self.values[field.block_id] = {field.action_id: state}
        self._queue.pop(0)
        return None

    def ask_again(self, errors: dict[str, str]) -> None:
        """The app refused the submission: ask the fields it named (all, if it named none we have)."""
        self.errors = errors
        named = [f for f in self.fields if f.block_id in errors and f.kind in FILLABLE]
        self._queue = named or [f for f in self.fields if f.kind in FILLABLE]

    # Reading answers

    def _read(self, field: Field, typed: str) -> tuple[Any, str | None]:
        if field.kind in TEXT_KINDS:
            return typed, None
        if field.kind == "datepicker":
            try:
                return date.fromisoformat(typed).isoformat(), None
            except ValueError:
                return None, f"“{typed}” is not a date: type it as YYYY-MM-DD."
        if field.kind == "users_select":
            member = self.team.member_named(typed)
            if member is None:
                names = ", ".join("@" + m.name for m in self.team.members)
                return None, f"No one here is called “{typed}”: choose one of {names}."
            return member.user_id, None
        options = field.options
        if typed.isdigit() and 1 <= int(typed) <= len(options):
            return options[int(typed) - 1], None
        for option in options:
            if typed.lower() in (_label(option).lower(), str(option.get("value", "")).lower()):
                return option, None
        return None, f"“{typed}” is not one of the choices: type its number, 1 to {len(options)}."

    def _default(self, field: Field) -> Any:
        """What Slack would submit if the field were left as it is: the answer so far, else the initial value."""
        answered = self.values.get(field.block_id, {}).get(field.action_id)
        if answered is not None:
            return _value_of(field, answered)
        element = field.element
        if field.kind in TEXT_KINDS:
            return element.get("initial_value") or None
        if field.kind == "datepicker":
            return element.get("initial_date")
        if field.kind == "users_select":
            return element.get("initial_user")
        return element.get("initial_option")

    def _default_shown(self, field: Field) -> str:
        value = self._default(field)
        if value is None:
            return ""
        if field.kind == "users_select":
            return self.team.person_label(str(value))
        if field.kind in MENU_KINDS:
            return _label(value)
        text = " ".join(str(value).split())
        return text if len(text) <= SHOWN_DEFAULT_LENGTH else text[: SHOWN_DEFAULT_LENGTH - 1] + "…"


def _field(block: dict[str, Any]) -> Field:
    element = block.get("element") or {}
    return Field(
        block_id=str(block.get("block_id", "")),
        action_id=str(element.get("action_id", "")),
        label=str((block.get("label") or {}).get("text", "")),
        kind=str(element.get("type", "")),
        optional=bool(block.get("optional")),
        element=element,
    )


def _state(field: Field, value: Any) -> dict[str, Any]:
    """One input's entry in view.state.values, shaped as Slack shapes it for that element type."""
    if field.kind in TEXT_KINDS:
        return {"type": field.kind, "value": value}
    if field.kind == "datepicker":
        return {"type": field.kind, "selected_date": value}
    if field.kind == "users_select":
        return {"type": field.kind, "selected_user": value}
    return {"type": field.kind, "selected_option": value}


def _value_of(field: Field, state: dict[str, Any]) -> Any:
    key = {"datepicker": "selected_date", "users_select": "selected_user"}.get(field.kind)
    if key is None:
        key = "value" if field.kind in TEXT_KINDS else "selected_option"
    return state.get(key)


def _label(option: dict[str, Any]) -> str:
    return str((option.get("text") or {}).get("text", option.get("value", "")))
