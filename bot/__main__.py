"""`python -m bot` is the `tanto` command."""

import sys

from bot.cli import main

sys.exit(main())
