"""The Slack adapter. `register` is the one place that shows every entry point of the app."""

from __future__ import annotations

import re

from slack_bolt.async_app import AsyncApp

from bot.agenda import CheckinStatus
from bot.model import ItemKind
from handlers.slack import ids
from handlers.slack.actions import ItemActions
from handlers.slack.commands import ItemCommand
from handlers.slack.events import Events
from handlers.slack.install import Uninstall
from handlers.slack.nudge_actions import NudgeActions
from handlers.slack.runtime import Runtime
from handlers.slack.session_actions import SessionActions
from handlers.slack.session_command import SessionCommand
from handlers.slack.shortcuts import Shortcuts
from handlers.slack.views import Forms


def register(app: AsyncApp, runtime: Runtime, uninstall: Uninstall) -> None:
    actions, forms, events = ItemActions(runtime), Forms(runtime), Events(runtime)
    sessions = SessionActions(runtime, actions)
    nudges = NudgeActions(runtime, actions)

    app.command(ids.ACTION_COMMAND)(ItemCommand(runtime, ItemKind.ACTION))
    app.command(ids.DECISION_COMMAND)(ItemCommand(runtime, ItemKind.DECISION))
    app.command(ids.SESSION_COMMAND)(SessionCommand(runtime))

    app.action(ids.DONE)(actions.done)
    app.action(ids.DECIDE)(actions.decide)
    app.action(ids.RESCHEDULE)(actions.reschedule)
    app.action(ids.REASSIGN)(actions.reassign)
    app.action(ids.ITEM_MENU)(actions.menu)
    app.action(ids.OPEN_CAPTURE_FORM)(actions.open_capture_form)
    app.action(ids.AGENDA_DONE)(sessions.agenda_done)
    app.action(ids.AGENDA_RESCHEDULE)(sessions.agenda_reschedule)
    app.action(re.compile(f"^{ids.CHECKIN_PREFIX}(?:{'|'.join(CheckinStatus)})$"))(sessions.checkin_status)
    app.action(ids.CHECKIN_COMMENT)(sessions.open_comment)
    app.action(ids.NUDGE_DONE)(nudges.done)
    app.action(ids.NUDGE_SNOOZE)(nudges.snooze)
    app.action(ids.NUDGE_RESCHEDULE)(nudges.reschedule)
    app.action(ids.NUDGE_DECIDE)(nudges.decide)
    app.action(ids.NUDGE_STOP)(nudges.stop)
    app.action(ids.NUDGE_UNDO_STOP)(nudges.undo_stop)

    app.view(ids.CAPTURE_FORM)(forms.capture)
    app.view(ids.RESCHEDULE_FORM)(forms.reschedule)
    app.view(ids.REASSIGN_FORM)(forms.reassign)
    app.view(ids.DECIDE_FORM)(forms.decide)
    app.view(ids.CHECKIN_COMMENT_FORM)(sessions.save_comment)
    app.view(ids.NUDGE_SNOOZE_FORM)(nudges.save_snooze)

    app.shortcut(ids.MESSAGE_TO_ACTION)(Shortcuts(runtime).message_to_action)

    app.event("app_home_opened")(events.app_home_opened)
    app.event("user_change")(events.user_change)
    app.event("app_uninstalled")(uninstall.app_uninstalled)
    app.event("tokens_revoked")(uninstall.tokens_revoked)
    app.event("team_access_revoked")(uninstall.team_access_revoked)
