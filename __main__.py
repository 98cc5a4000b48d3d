"""``python -m pacsim``: the same command line as ``pacsim``."""

import sys

from pacsim.experiments.cli import main

sys.exit(main())
