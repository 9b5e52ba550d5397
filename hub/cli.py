"""The ``payhub`` command."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from hub.config import Settings, load_settings
from hub.doctor_cli import add_parser as add_doctor_parser
from hub.domain.errors import ConfigError
from hub.ledger_cli import add_parsers as add_ledger_parsers
from hub.lifecycle.guard import run_guarded
from hub.reconciliation.cli import add_parsers as add_reconcile_parsers
from hub.simulation.cli import add_parsers as add_simulate_parsers
from hub.stream.cli import add_parsers as add_event_parsers
from hub.webhooks_cli import add_parsers as add_webhook_parsers


def _fast_event_loop() -> None:
    """uvloop under ``serve`` and ``worker`` when installed (a dependency except on Windows):
    cheaper sockets and callbacks for uvicorn, asyncpg, aiohttp and arq alike."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def _settings(args: argparse.Namespace) -> Settings:
    try:
        return load_settings(args.config)
    except ConfigError as exc:
        print(f"payhub: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


# ----------------------------------------------------------------------------- serve
def cmd_serve(args: argparse.Namespace) -> int:
    from hub.lifecycle.serve import serve
    from hub.logs import setup_logging

    settings = _settings(args)
    setup_logging(settings.log_level, settings.log_format)
    _fast_event_loop()
    host, port = args.host or settings.host, args.port or settings.port
    if args.workers is not None and args.workers < 1:
        print("payhub serve: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.workers and args.workers > 1:
        from hub.lifecycle.workers import serve_workers

        return serve_workers(settings, host, port, args.workers)
    return asyncio.run(serve(settings, host, port))


def cmd_worker(args: argparse.Namespace) -> int:
    from hub.lifecycle.worker import run_worker
    from hub.logs import setup_logging

    settings = _settings(args)
    setup_logging(settings.log_level, settings.log_format)
    _fast_event_loop()
    return run_worker(settings)


def cmd_migrate(args: argparse.Namespace) -> int:
    from hub.store.db import create_engine, migrate

    settings = _settings(args)

    async def main() -> None:
        engine = create_engine(settings.database_url)
        await migrate(engine)
        await engine.dispose()

    asyncio.run(main())
    print("payhub: database schema is up to date")
    return 0


def cmd_api_keys_create(args: argparse.Namespace) -> int:
    from hub.runtime import Hub

    settings = _settings(args)

    async def main() -> str:
        hub = Hub(settings)
        await hub.start()
        try:
            key, _ = await hub.api_keys.create(role=args.role, name=args.name, owner=args.owner)
            return key
        finally:
            await hub.stop()

    print(asyncio.run(main()))  # an unreachable database: one line from run_guarded, exit 2
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from hub.services.audit import AuditLog
    from hub.store.db import create_engine

    settings = _settings(args)

    async def main() -> int:
        engine = create_engine(settings.database_url)
        try:
            result = await AuditLog(engine).verify()
        finally:
            await engine.dispose()
        print(result.describe())
        if result.ok:
            print(f"head hash: {result.head_hash}")
        return 0 if result.ok else 1

    return asyncio.run(main())


def cmd_vault_rotate(args: argparse.Namespace) -> int:
    from hub.security import build_vault
    from hub.services.rotation import ColumnReport, RetireRefused, Rotation
    from hub.store.db import create_engine

    settings = _settings(args)
    if settings.kms.backend == "aws-kms" and not args.rewrap_only:
        # a key created here would be known to this process only: every serve and worker must
        # know a KEK version before anything is wrapped under it
        print(
            "payhub vault rotate: with aws-kms, create the new KMS key yourself, append its ARN to "
            "[kms] aws_key_ids (the last one takes new writes), roll it out to every serve and "
            "worker, then run `payhub vault rotate --rewrap-only`",
            file=sys.stderr,
        )
        return 2

    def progress(rep: ColumnReport) -> None:
        print(f"  {rep.label}: scanned {rep.scanned}, re-wrapped {rep.rewrapped}, "
              f"current {rep.current}, changed {rep.changed}, failed {rep.failed}", flush=True)

    async def main() -> int:
        engine = create_engine(settings.database_url)
        rotation = Rotation(engine, build_vault(settings.kms))
        try:
            if not args.rewrap_only:
                version = await rotation.rotate()
                print(f"KEK {rotation.vault.kms.key_id}: new version {version} takes new writes")
            print(f"re-wrapping onto version {rotation.vault.kms.current_version} "
                  f"(batches of {args.batch_size})", flush=True)
            report = await rotation.rewrap_all(batch_size=args.batch_size, progress=progress)
            for col in report.columns:
                for error in col.errors:
                    print(f"  error: {error}", file=sys.stderr)
            print(f"done: {report.rewrapped} re-wrapped, {report.changed} changed concurrently, "
                  f"{report.failed} failed")
            census = await rotation.census()
            for (kek_id, version), n in sorted(census.items()):
                print(f"  in use: KEK {kek_id} version {version}: {n}")
            if args.retire is not None:
                try:
                    await rotation.retire(args.retire)
                except RetireRefused as exc:
                    print(f"payhub vault rotate: refused: {exc}", file=sys.stderr)
                    return 1
                print(f"KEK {rotation.vault.kms.key_id} version {args.retire} retired")
            return 1 if report.failed else 0
        finally:
            await engine.dispose()

    return asyncio.run(main())  # a service or the KMS unusable: one line, exit 2 (run_guarded)


def cmd_simulator_serve(args: argparse.Namespace) -> int:
    from adapters.simulator.app import serve

    options = {
        "api_key": args.api_key,
        "webhook_secret": args.webhook_secret,
        "webhook_url": args.webhook_url,
        "hang_seconds": args.hang_seconds,
        "payout_delay": args.payout_delay,
    }
    serve(args.host, args.port, **{k: v for k, v in options.items() if v is not None})
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from hub.demo import run_demo

    url = args.url or os.environ.get("PAYHUB_URL", "http://127.0.0.1:8000")
    key = args.api_key or os.environ.get("PAYHUB_API_KEY") or os.environ.get("PAYHUB_BOOTSTRAP_API_KEY")
    if not key:
        print("payhub demo: pass --api-key or set PAYHUB_API_KEY", file=sys.stderr)
        return 2
    return asyncio.run(run_demo(url, key, account=args.account))


def cmd_adapters_list(args: argparse.Namespace) -> int:
    from contract_tests.cli_support import adapters_table

    print(adapters_table())
    return 0


def cmd_adapters_new(args: argparse.Namespace) -> int:
    from contract_tests.cli_support import new_adapter

    text, code = new_adapter(args.name, Path(args.root) if args.root else None)
    print(text)
    return code


def cmd_contract_test(args: argparse.Namespace) -> int:
    from contract_tests.cli_support import contract_test

    text, code = contract_test(args.adapter, args.target)
    print(text)
    return code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="payhub", description="payhub: one payments API, many providers")
    parser.add_argument("--config", help="TOML configuration file (or PAYHUB_CONFIG)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the API server")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--workers", type=int, default=None,
                   help="API processes sharing the port (SO_REUSEPORT; default 1): one per core")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="run background jobs (resolution, sweeper) from Redis")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("migrate", help="bring the database schema up to date")
    p.set_defaults(func=cmd_migrate)

    keys = sub.add_parser("api-keys", help="manage API keys").add_subparsers(dest="sub", required=True)
    p = keys.add_parser("create", help="create an API key and print it")
    p.add_argument(
        "--role", required=True, choices=["admin", "payments", "refunds", "payouts", "read", "auditor"]
    )
    p.add_argument("--name", default="cli")
    p.add_argument("--owner", default="default")
    p.set_defaults(func=cmd_api_keys_create)

    audit = sub.add_parser("audit", help="the audit log").add_subparsers(dest="sub", required=True)
    p = audit.add_parser("verify", help="check the hash chain; print the first broken link (exit 1)")
    p.set_defaults(func=cmd_audit_verify)

    vault = sub.add_parser("vault", help="the vault").add_subparsers(dest="sub", required=True)
    p = vault.add_parser("rotate", help="add a KEK version and re-wrap every stored data key (online)")
    p.add_argument("--rewrap-only", action="store_true", help="re-wrap onto the current version only")
    p.add_argument("--batch-size", type=int, default=500)
    p.add_argument("--retire", type=int, metavar="VERSION",
                   help="afterwards retire VERSION (refused while anything still uses it)")
    p.set_defaults(func=cmd_vault_rotate)

    sim = sub.add_parser("simulator", help="the simulated PSP").add_subparsers(dest="sub", required=True)
    p = sim.add_parser("serve", help="serve the simulated PSP on a real port")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8090)
    p.add_argument("--api-key", help="require this Bearer key (the account's credentials.api_key)")
    p.add_argument("--webhook-url", help="POST every event here, e.g. http://hub/v1/webhooks/sandbox")
    p.add_argument("--webhook-secret", help="whsec_... signing secret (the account's credentials.webhook_secret)")
    p.add_argument("--hang-seconds", type=float, help="how long the hang card waits before answering (30)")
    p.add_argument("--payout-delay", type=float, help="seconds until a payout is paid or rejected (1)")
    p.set_defaults(func=cmd_simulator_serve)

    p = sub.add_parser("demo", help="drive a full flow against a running hub")
    p.add_argument("--url")
    p.add_argument("--api-key")
    p.add_argument("--account")
    p.set_defaults(func=cmd_demo)

    ad = sub.add_parser("adapters", help="adapters").add_subparsers(dest="sub", required=True)
    p = ad.add_parser("list", help="list adapters and their capabilities")
    p.set_defaults(func=cmd_adapters_list)
    p = ad.add_parser("new", help="scaffold a new adapter package")
    p.add_argument("name")
    p.add_argument("--root", help="where the adapters/ package lives (default: this installation)")
    p.set_defaults(func=cmd_adapters_new)

    p = sub.add_parser("contract-test", help="run the adapter contract suite")
    p.add_argument("adapter")
    p.add_argument("--target", default="fake", choices=["fake", "sandbox", "all"])
    p.set_defaults(func=cmd_contract_test)

    add_webhook_parsers(sub, _settings)  # payhub webhooks replay | list
    add_ledger_parsers(sub, _settings)  # payhub ledger verify | backfill | balances
    add_event_parsers(sub, _settings)  # payhub events replay --from EVENT_ID
    add_simulate_parsers(sub)  # payhub simulate (DESIGN §18)
    add_doctor_parser(sub)  # payhub doctor [--json]
    add_reconcile_parsers(sub, _settings)  # payhub reconcile ACCOUNT --from --to (DESIGN §14)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_guarded(args.func, args)  # an expected failure: one line, exit 2 (DESIGN §19)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
