"""The ``kexie`` console script.

    kexie demo [--scale tiny|small|city|province] [--seed N] [--port P]   set up, seed and serve the demo
    kexie serve [--port P] [--host H]                                      serve the site (waitress)
    kexie seed --scale S --seed N                                          generate a fictional province
    kexie token create USERNAME                                            print an API token
    kexie people dedup [--auto-merge-threshold X] [--format json]          find and merge duplicate people (job)
    kexie import {orgs|people|memberships|groups} FILE [--org CODE] [--mode skip|update|fill] [--dry-run]
                 [--format json] [--user USERNAME]                       import a spreadsheet (exit 1 on any error)
    kexie manage <django command> ...                                      any Django management command
    kexie <command> ...                                                    shorthand for ``kexie manage <command>``
"""

from __future__ import annotations

import argparse
import os
import sys


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kexie.settings")
    import django

    django.setup()


def serve(host: str, port: int, threads: int = 8) -> None:
    from waitress import serve as waitress_serve

    from kexie.wsgi import application

    print(f"kexie 正在运行：http://{host}:{port}/  （Ctrl+C 停止）", flush=True)
    waitress_serve(application, host=host, port=port, threads=threads, ident="kexie")


def demo(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="kexie demo", description="创建演示数据库并启动演示站点")
    parser.add_argument("--scale", default="small", choices=["tiny", "small", "city", "province"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--no-serve", action="store_true", help="只准备数据，不启动服务")
    args = parser.parse_args(argv)
    os.environ.setdefault("KEXIE_TASK_BACKEND", "immediate")
    _setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    from kexie.orgs.models import Organisation

    if not Organisation.objects.exists():
        call_command("seed", scale=args.scale, seed=args.seed)
    from kexie.demo.accounts import print_accounts

    print_accounts()
    if not args.no_serve:
        serve(args.host, args.port)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return
    command, rest = argv[0], argv[1:]
    if command == "demo":
        demo(rest)
        return
    if command == "serve":
        parser = argparse.ArgumentParser(prog="kexie serve")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        args = parser.parse_args(rest)
        _setup()
        serve(args.host, args.port)
        return
    if command == "manage":
        command, rest = (rest[0], rest[1:]) if rest else ("help", [])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kexie.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kexie", command, *rest])


if __name__ == "__main__":
    main()
