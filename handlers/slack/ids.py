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

# Modals (view_submission)
CAPTURE_FORM = "capture_form"
RESCHEDULE_FORM = "reschedule_form"
REASSIGN_FORM = "reassign_form"
DECIDE_FORM = "decide_form"

# Shortcuts
MESSAGE_TO_ACTION = "message_to_action"

# Blocks and inputs inside the modals: (block_id, action_id)
WHAT = ("what", "what_input")
OWNER = ("owner", "owner_input")
DUE = ("due", "due_input")
TAG = ("tag", "tag_input")
REASON = ("reason", "reason_input")
OUTCOME = ("outcome", "outcome_input")

# Commands
ACTION_COMMAND = "/action"
DECISION_COMMAND = "/decision"
