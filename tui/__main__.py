"""`python -m tui` does what `jtui` does."""

import sys

from .cli import main

sys.exit(main())
