"""``python -m symchain``."""

from .cli import main

main()
