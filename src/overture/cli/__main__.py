"""``python -m overture.cli``: the same as the ``overture`` command."""

from overture.cli import main

main()
