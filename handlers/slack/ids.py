"""Every action_id, callback_id and block_id the app sends and listens for.

Builders in `blocks.py` and listeners registered in `__init__.py` share these names, so a
button can never point at a listener that does not exist.
"""

# Buttons and menus (block_actions)
DONE = "item_done"
DECIDE = "item_decide"
RESCHEDULE = "item_reschedule"
REASSIGN = "item_reassign"
ITEM_MENU = "item_menu"
OPEN_CAPTURE_FORM = "draft_open_form"
# On agenda messages: change the item, then redraw only its row in the agenda.
AGENDA_DONE = "agenda_done"
AGENDA_RESCHEDULE = "agenda_reschedule"
# On check-in DMs: one button per status, `checkin_<status>` (a block's action ids must differ).
CHECKIN_PREFIX = "checkin_"
CHECKIN_COMMENT = "checkin_comment_open"
# On nudge DMs: change the item, then redraw only its row in the DM.
NUDGE_DONE = "nudge_done"
NUDGE_SNOOZE = "nudge_snooze"  # a menu: 1 day, 3 days, pick a date
NUDGE_RESCHEDULE = "nudge_reschedule"
NUDGE_DECIDE = "nudge_decide"
NUDGE_STOP = "nudge_stop"
NUDGE_UNDO_STOP = "nudge_undo_stop"  # on a row redrawn after Stop

# Modals (view_submission)
CAPTURE_FORM = "capture_form"
RESCHEDULE_FORM = "reschedule_form"
REASSIGN_FORM = "reassign_form"
DECIDE_FORM = "decide_form"
CHECKIN_COMMENT_FORM = "checkin_comment_form"
NUDGE_SNOOZE_FORM = "nudge_snooze_form"

# Shortcuts
MESSAGE_TO_ACTION = "message_to_action"

# Blocks and inputs inside the modals: (block_id, action_id)
WHAT = ("what", "what_input")
OWNER = ("owner", "owner_input")
DUE = ("due", "due_input")
TAG = ("tag", "tag_input")
REASON = ("reason", "reason_input")
OUTCOME = ("outcome", "outcome_input")
COMMENT = ("comment", "comment_input")
SNOOZE_UNTIL = ("snooze_until", "snooze_until_input")

# Commands
ACTION_COMMAND = "/action"
DECISION_COMMAND = "/decision"
SESSION_COMMAND = "/session"
