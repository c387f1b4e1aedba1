"""`codadesk`: start the TUI on a team server (`--server URL`) or on the embedded demo server.

codadesk                          # the demo: a server in this process, on a SQLite file in the data folder
codadesk --server https://codadesk.example   # the token from CODADESK_TOKEN or the config folder (0600)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from collections.abc import Sequence
from pathlib import Path

from api_client import Client
from tui import paths
from tui.config import Config, ConfigError, load_config, resolve_token
from tui.drafts import DraftStore
from tui.embedded import EmbeddedStartError, open_embedded_client


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="codadesk", description="Keep your clients' master data and CODA mandates right, from the keyboard."
    )
    parser.add_argument("--server", metavar="URL", help="the codadesk server to work on (default: the embedded demo)")
    parser.add_argument("--no-mouse", action="store_true", help="leave the mouse to the terminal (selecting text)")
    parser.add_argument(
        "--demo-size",
        type=int,
        default=2000,
        metavar="N",
        help="clients per demo firm, when the embedded demo is created (default: 2000)",
    )
    parser.add_argument("--data-dir", type=Path, metavar="DIR", help="where the demo and unsaved edits are kept")
    parser.add_argument("--config", type=Path, metavar="FILE", help=f"settings file (default: {paths.config_file()})")
    parser.add_argument("--version", action="version", version=f"codadesk {_version()}")
    arguments = parser.parse_args(argv)
    if arguments.demo_size < 1:
        parser.error("--demo-size must be at least 1")
    if arguments.server is not None and not arguments.server.startswith(("http://", "https://")):
        parser.error("--server must be a URL that starts with http:// or https://")
    return arguments


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("codadesk")
    except PackageNotFoundError:
        return "unknown"


def server_client(arguments: argparse.Namespace, config: Config) -> Client | None:
    """The client of the team server named on the command line or in the config file; None for the demo.

    Raises:
        ConfigError: No token for that server, or a token file others can read.
    """
    server = arguments.server or config.server
    if server is None:
        return None
    token = resolve_token(config)
    if token is None:
        raise ConfigError(
            f"No token for {server}: set CODADESK_TOKEN, or put the token in {paths.default_token_file()} "
            "(mode 0600). `codadesk-server token create` makes one."
        )
    return Client(server, token=token, language=config.language)


async def run(arguments: argparse.Namespace, config: Config) -> int:
    from tui.app import CodadeskApp

    mouse = config.mouse and not arguments.no_mouse
    data_dir = arguments.data_dir or paths.data_dir()
    drafts = DraftStore.in_data_dir(data_dir)
    api = server_client(arguments, config)
    if api is not None:
        settle_memory()
        async with api:
            app = CodadeskApp(api, config=config, drafts=drafts)
            await app.run_async(mouse=mouse)
            return app.return_code or 0

    async def open_demo() -> Client:
        # The app is on screen meanwhile: importing and opening the server takes a moment, seeding minutes.
        api = await open_embedded_client(data_dir=data_dir, demo_size=arguments.demo_size, language=config.language)
        settle_memory()
        return api

    app = CodadeskApp(connect=open_demo, config=config, drafts=drafts)
    try:
        await app.run_async(mouse=mouse)
    finally:
        if app.opened_api is not None:
            await app.opened_api.aclose()
    return app.return_code or 0


def settle_memory() -> None:
    """Once everything the app needs is imported: keep it out of the garbage collector's scans.

    Textual and the embedded server are about a million objects that live as long as the app; each full
    collection scanned them all, pausing a keystroke for up to 0.1 s (measured on the 100,000-client demo:
    search keystroke -> repainted table, worst of 19, 117 ms before, 46 ms after). The collector is off
    from `main` until here: the start's collections were work thrown away (first frame with rows 966 ->
    899 ms, `python -m bench tui_startup`). The command's business, not the app's: tests run many apps in
    one process, where freezing would keep each test's garbage for good.
    """
    gc.freeze()
    gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    gc.disable()  # until the app has what it needs imported: see `settle_memory`
    arguments = parse_arguments(argv)
    try:
        config = load_config(arguments.config)
        return asyncio.run(run(arguments, config))
    except (ConfigError, EmbeddedStartError) as error:
        print(f"codadesk: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
