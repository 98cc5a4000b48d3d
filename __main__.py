"""``python -m pacsim``: the same command line as ``pacsim``."""

import sys

from pacsim.experiments.cli import entry

sys.exit(entry())
