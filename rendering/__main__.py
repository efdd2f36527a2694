"""``python -m rendering``: the engine's command line under its old name (``python -m painter`` now)."""

import sys

from painter.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
