"""``python -m hub.api.openapi``: print the OpenAPI document (the one /schema/openapi.json serves).

No database or configuration is needed: the document depends on the routes only.
"""

from __future__ import annotations

import sys
from typing import Any, cast


def main() -> int:
    from hub.api.app import create_app
    from hub.api.openapi.document import build_document, render
    from hub.runtime import Hub

    app = create_app(cast(Hub, cast(Any, None)), manage_lifecycle=False)
    sys.stdout.write(render(build_document(app)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
