"""``python -m ui [--host 127.0.0.1] [--port 7860]``: the web page and the REST API."""

from __future__ import annotations

import argparse
import logging
import sys

from ui.server import quiet_outside_calls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ui", description="政策助手：网页与 REST API（同一端口）"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error("--port must be between 1 and 65535")

    quiet_outside_calls()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    from knowledge.settings import Settings
    from ui.server import serve

    serve(Settings(), host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
