"""Command line of the reader study.

python -m gan_lib.validation create-study --run runs/quick --n-real 50 --n-generated 50
python -m gan_lib.validation add-reader "Dr A" --study runs/quick/study
python -m gan_lib.validation revoke-reader "Dr A" --study runs/quick/study
python -m gan_lib.validation serve --study runs/quick/study
python -m gan_lib.validation export --study runs/quick/study --out reader_study.csv
python -m gan_lib.validation demo --out demo_export.csv
"""

from __future__ import annotations

import argparse
import ipaddress
import sqlite3
import sys
from datetime import timedelta
from pathlib import Path

import pandas as pd
import uvicorn

from gan_lib.validation import db
from gan_lib.validation.app import create_app
from gan_lib.validation.security import redact_invite_tokens_in_logs
from gan_lib.validation.simulate import demo_items, simulate_readers
from gan_lib.validation.study import create_study_from_run


def _db_path(args: argparse.Namespace) -> Path:
    if args.db is not None:
        return Path(args.db)
    if args.study is not None:
        return Path(args.study) / "ratings.sqlite"
    raise SystemExit("error: pass --study runs/<name>/study (or --db path/to/ratings.sqlite).")


def _open_db(args: argparse.Namespace) -> sqlite3.Connection:
    """The study database, brought up to the current schema (an older study keeps its answers)."""
    try:
        conn = db.connect(_db_path(args))
    except FileNotFoundError as error:
        raise SystemExit(f"error: {error}") from None
    db.init_schema(conn)
    return conn


def _add_db_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--study", help="study folder written by create-study (holds items/ and ratings.sqlite)")
    parser.add_argument("--db", help="study database (default: <study>/ratings.sqlite)")


def cmd_create_study(args: argparse.Namespace) -> None:
    try:
        study = create_study_from_run(
            args.run,
            n_real=args.n_real,
            n_generated=args.n_generated,
            seed=args.seed,
            repeats=args.repeats,
            out_dir=args.out,
        )
    except (ValueError, FileNotFoundError) as error:
        raise SystemExit(f"error: {error}") from None
    print(
        f"Study created in {study.root}: {study.n_real} real + {study.n_generated} generated images "
        f"({study.image_shape[0]}x{study.image_shape[1]}, {study.png_bytes} bytes each), "
        f"{study.n_repeat_items} shown twice."
    )
    print("\nADMIN SECRET (shown once; only its hash is stored; keep it private):")
    print(f"  {study.admin_secret}\n")
    print("Next steps:")
    print(f"  python -m gan_lib.validation add-reader NAME --study {study.root}")
    print(f"  python -m gan_lib.validation serve --study {study.root}")


def cmd_add_reader(args: argparse.Namespace) -> None:
    conn = _open_db(args)
    try:
        ttl = timedelta(days=args.expires_days)
        if args.new_invite:
            token = db.new_invite(conn, args.name, invite_ttl=ttl)
        else:
            _, token = db.add_reader(conn, args.name, invite_ttl=ttl)
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    finally:
        conn.close()
    print(f"One-time invitation for {args.name!r} (valid {args.expires_days} days; send it privately):")
    print(f"  {args.base_url.rstrip('/')}/invite/{token}")
    if args.new_invite:
        print("Their earlier links and sessions no longer work; their answers are kept.")


def cmd_revoke_reader(args: argparse.Namespace) -> None:
    conn = _open_db(args)
    try:
        ended = db.revoke_reader(conn, args.name)
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    finally:
        conn.close()
    print(
        f"{args.name!r}: {ended} session(s) ended and unused invitations voided; their answers are kept. "
        f"To let them continue: add-reader {args.name!r} --new-invite"
    )


def cmd_serve(args: argparse.Namespace) -> None:
    if args.study is None:
        raise SystemExit("error: serve needs --study runs/<name>/study.")
    try:
        loopback = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        loopback = args.host == "localhost"
    if not loopback:
        print(
            f"WARNING: serving on {args.host} exposes the study beyond this machine; put it behind an HTTPS "
            "reverse proxy and pass --secure-cookies.",
            file=sys.stderr,
        )
    hosts = sorted({"127.0.0.1", "localhost", "[::1]", args.host, *args.allowed_host})
    app = create_app(args.study, _db_path(args), cookie_secure=args.secure_cookies, allowed_hosts=hosts)
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        server_header=False,
        limit_concurrency=args.limit_concurrency,
        timeout_keep_alive=5,
    )
    server = uvicorn.Server(config)  # Config sets up uvicorn's loggers; the filter goes on after that
    redact_invite_tokens_in_logs()
    server.run()


def cmd_export(args: argparse.Namespace) -> None:
    conn = _open_db(args)
    try:
        table = db.export_ratings(conn)
    finally:
        conn.close()
    path = db.write_export(table, args.out)
    print(f"{len(table)} answers from {table['reader'].nunique()} reader(s) written to {path}")


def cmd_demo(args: argparse.Namespace) -> None:
    if args.study is not None or args.db is not None:
        conn = db.connect(_db_path(args))
        try:
            items = pd.DataFrame(
                [
                    dict(r)
                    for r in conn.execute("SELECT item_id, label, repeat_item, source FROM items ORDER BY item_id")
                ]
            )
        finally:
            conn.close()
    else:
        items = demo_items(seed=args.seed)
    table = simulate_readers(items, n_readers=args.readers, seed=args.seed)
    path = db.write_export(table, args.out)
    print(
        f"SIMULATED export ({args.readers} simulated readers, {len(table)} answers; not data from people) "
        f"written to {path}"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m gan_lib.validation", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("create-study", help="draw held-out real + generated images from a run into a blinded study")
    p.add_argument("--run", required=True, help="pipeline run folder, e.g. runs/quick")
    p.add_argument("--n-real", type=int, default=50, help="held-out real images (test split first, then heldout)")
    p.add_argument("--n-generated", type=int, default=50, help="images generated by the run's generator")
    p.add_argument("--repeats", type=int, default=10, help="items shown twice for intra-reader consistency")
    p.add_argument("--seed", type=int, default=0, help="seed for image selection and generation")
    p.add_argument("--out", default=None, help="study folder (default: <run>/study)")
    p.set_defaults(func=cmd_create_study)

    p = sub.add_parser("add-reader", help="create a reader and print their one-time invitation link")
    p.add_argument("name", help="reader's display name (unique)")
    _add_db_options(p)
    p.add_argument("--base-url", default="http://127.0.0.1:8000", help="address readers open (the server's)")
    p.add_argument("--expires-days", type=float, default=14.0, help="days until the invitation expires")
    p.add_argument("--new-invite", action="store_true", help="issue a fresh link for an existing reader")
    p.set_defaults(func=cmd_add_reader)

    p = sub.add_parser("revoke-reader", help="end a reader's sessions and void their unused invitations")
    p.add_argument("name", help="reader's display name")
    _add_db_options(p)
    p.set_defaults(func=cmd_revoke_reader)

    p = sub.add_parser("serve", help="run the web application")
    _add_db_options(p)
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default loopback only)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--secure-cookies", action="store_true", help="mark cookies Secure (when behind HTTPS)")
    p.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        help="extra Host header to accept (the public name behind a reverse proxy); repeatable",
    )
    p.add_argument("--limit-concurrency", type=int, default=100, help="connections served at once; more get 503")
    p.add_argument("--log-level", default="info")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("export", help="write every answer, joined with the answer key, to CSV")
    _add_db_options(p)
    p.add_argument("--out", required=True, help="CSV file to write")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("demo", help="write a SIMULATED export (simulated readers) to try the analysis")
    _add_db_options(p)
    p.add_argument("--out", required=True, help="CSV file to write")
    p.add_argument("--readers", type=int, default=3, help="number of simulated readers")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
