"""Start a durable toy run in this process: ``python start_run.py WORKSPACE SETTINGS_JSON``.

Used by the recovery tests, which kill this process with SIGKILL part-way through.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from conftest import toy_config

from overture.conductor import Runner
from overture.workspace import Workspace


def main() -> None:
    workspace = Path(sys.argv[1])
    settings: dict[str, str] = json.loads(sys.argv[2])
    with Runner(Workspace(workspace)) as runner:
        _, outcome = runner.run(toy_config(workspace, settings=settings))
    print(outcome.kind.value, flush=True)


if __name__ == "__main__":
    main()
