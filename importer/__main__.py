"""Run the command line: python -m importer."""

import sys

from .cli import main

sys.exit(main())
