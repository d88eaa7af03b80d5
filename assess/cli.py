"""Command-line commands registered on the app (``flask --app wsgi …``)."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func, select

from .extensions import db


def register(app: Flask) -> None:
    from .extraction.cli import import_cli
    from .holidays.cli import calendar_cli
    from .rubrics.cli import rubric_cli

    app.cli.add_command(demo_command)
    app.cli.add_command(rubric_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(calendar_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    from .ranking.cli import ranking_command

    app.cli.add_command(ranking_command)
    from .documents.cli import COMMANDS as document_commands

    for command in document_commands:
        app.cli.add_command(command)
    from .reviewaids.cli import aids_cli

    app.cli.add_command(aids_cli)
    from .notify.cli import notify_cli

    app.cli.add_command(notify_cli)


@click.command("demo")
@with_appcontext
@click.option("--departments", default=24, show_default=True, type=click.IntRange(1, 20000))
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="Only load the demo into an empty database.")
def demo_command(departments: int, seed: int, if_empty: bool) -> None:
    """Load a demo office (示范县政务公开办) and print its log-ins."""
    from .demo import DEMO_PASSWORD, create_demo
    from .models import Office, User

    has_data = db.session.scalar(select(func.count()).select_from(Office).execution_options(unscoped=True))
    if has_data:
        if not if_empty:
            raise click.ClickException("The database already holds data; use an empty database for the demo.")
        users = db.session.scalars(select(User).where(User.username.in_(
            ["admin", "office", "reviewer1", "reviewer2", "viewer", "rsj-admin", "rsj-editor", "city-office"]))
        ).all()
        click.echo("演示数据已存在。演示账号（密码均为 %s）：" % DEMO_PASSWORD)
        for u in users:
            click.echo(f"  {u.username:<14} {u.display_name}")
        return
    result = create_demo(departments=departments, seed=seed,
                         on_step=lambda name, seconds: click.echo(f"  {name}: {seconds:.1f} s", err=True))
    db.session.commit()
    click.echo(f"已创建演示单位：{result.office.name}（{departments} 个部门）")
    click.echo(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
    for username, role, scope in result.logins:
        click.echo(f"  {username:<14} {role:<16} {scope}")


@click.command("backup")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def backup_command(file: str) -> None:
    """Write a consistent backup (database and stored files) to FILE while the app runs."""
    from .backup import make_backup

    manifest = make_backup(file)
    click.echo(f"{file}: {sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables, "
               f"{len(manifest['files'])} files")


@click.command("restore")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def restore_command(file: str) -> None:
    """Restore FILE into an empty installation (run `flask db upgrade` first)."""
    from .backup import BackupError, restore_backup

    try:
        manifest = restore_backup(file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {sum(manifest['tables'].values())} rows and {len(manifest['files'])} files from {file}")
