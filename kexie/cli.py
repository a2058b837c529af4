"""The ``kexie`` console script.

    kexie demo [--scale tiny|small|city|province] [--seed N] [--port P]   set up, seed and serve the demo
    kexie serve [--port P] [--host H]                                      serve the site (waitress); needs
                                                                           KEXIE_SECRET_KEY and KEXIE_PII_KEY
    kexie seed --scale S --seed N                                          generate a fictional province
    kexie token create USERNAME [--days N] [--name TEXT]                   print a new API token (once)
    kexie token list USERNAME | kexie token revoke ID                      list a user's tokens / revoke one
    kexie backup FILE [--no-media]                                         database + uploaded files, one file
    kexie restore FILE [--force] [--check]                                 restore a backup into an empty database
    kexie pii status | rotate [--batch-size N]                             PII keys: counts; re-encrypt with the new key
    kexie db_worker                                                        the task worker; needs the keys like serve
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
from typing import Any


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kexie.settings")
    import django

    django.setup()


# Commands that start a long-running server or worker: refused with the published demo keys (kexie demo
# serves its own application and never goes through these).
SERVER_COMMANDS = {"serve", "db_worker", "runserver"}


def _refuse_demo_keys() -> None:
    """Exit with the Chinese explanation when KEXIE_SECRET_KEY / KEXIE_PII_KEY are unset or the demo keys."""
    from django.core.exceptions import ImproperlyConfigured

    from kexie.core.crypto import require_server_keys

    try:
        require_server_keys()
    except ImproperlyConfigured as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None


def _demo_keys_banner() -> None:
    from django.utils.translation import gettext as _

    from kexie.core.crypto import server_key_problems
    from kexie.core.text import join_list

    problems = server_key_problems()
    if not problems:
        return
    line = "!" * 78
    print(f"\n{line}\n" + _("注意：演示站点正在使用随源代码公开的演示密钥（%(names)s 未设置）。\n"
                             "任何人都能用它们伪造登录、解密身份证号和手机号：切勿在此录入真实数据。\n"
                             "正式部署请设置 KEXIE_SECRET_KEY 和 KEXIE_PII_KEY 并使用 kexie serve（见 docs/operations.md）。")
          % {"names": join_list(problems)} + f"\n{line}\n", flush=True)


def serve(host: str, port: int, threads: int = 8, application: Any = None) -> None:
    from waitress import serve as waitress_serve

    if application is None:
        from kexie.wsgi import application  # refuses the demo keys

    print(f"kexie 正在运行：http://{host}:{port}/  （Ctrl+C 停止）", flush=True)
    waitress_serve(application, host=host, port=port, threads=threads, ident="kexie")


def demo(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="kexie demo", description="创建演示数据库并启动演示站点")
    parser.add_argument("--scale", default="small", choices=["tiny", "small", "city", "province"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--no-serve", action="store_true", help="只准备数据，不启动服务")
    parser.add_argument("--today", default=None, help="演示数据所依据的日期（YYYY-MM-DD），默认今天")
    args = parser.parse_args(argv)
    os.environ.setdefault("KEXIE_TASK_BACKEND", "immediate")
    _setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    _demo_keys_banner()
    call_command("migrate", interactive=False, verbosity=0)
    from kexie.orgs.models import Organisation

    if not Organisation.objects.exists():
        call_command("seed", *(["--today", args.today] if args.today else []), scale=args.scale, seed=args.seed)
    from kexie.demo.accounts import print_accounts

    _rotate_demo_values()
    print_accounts()
    _demo_keys_banner()
    if not args.no_serve:
        from django.core.wsgi import get_wsgi_application

        serve(args.host, args.port, application=get_wsgi_application())


def _rotate_demo_values() -> None:
    """A demo database from before the PII key stood apart: its values open with the legacy demo key (see
    settings.PII_OLD_KEYS); re-encrypt them once so that exact look-ups by ID and phone find them again."""
    from kexie.core import rotation

    status = rotation.status()
    if status.pending and not status.unknown():
        from django.core.management import call_command

        call_command("pii", "rotate")


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
        _refuse_demo_keys()
        serve(args.host, args.port)
        return
    if command == "manage":
        command, rest = (rest[0], rest[1:]) if rest else ("help", [])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kexie.settings")
    if command in SERVER_COMMANDS and not {"-h", "--help"} & set(rest):
        _setup()
        _refuse_demo_keys()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kexie", command, *rest])


if __name__ == "__main__":
    main()
