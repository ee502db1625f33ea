"""``python -m numsolve``: see :mod:`numsolve._cli`."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
