"""Command line: build, check, serve, init, new, schema, docs, translations. Parses arguments, wires the
pieces together, prints, sets the exit status."""

from __future__ import annotations

import argparse
import functools
import os
import signal
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from generator import __version__
from generator.build import BuildOptions, Mode, build
from generator.diagnostics import ContentError, Diagnostic, format_report, from_exception, os_message, relative
from generator.parallel import put_off_in_finalizer
from generator.schema import NEW_KINDS

EXIT_OK, EXIT_CONTENT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 70
EXIT_INTERRUPTED, EXIT_TERMINATED = 128 + signal.SIGINT, 128 + signal.SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl+C so that every `finally` and `except BaseException` cleans up (the writer
    removes its staging folder) before the process exits."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="briefing", description="Build a static briefing site.")
    parser.add_argument("--version", action="version", version=f"briefing {__version__}")
    parser.add_argument("--debug", action="store_true", help="show a traceback on internal errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build_cmd = commands.add_parser("build", help="build the site")
    build_cmd.add_argument("--content", type=Path, default=Path("content"), help="content folder (default: content)")
    build_cmd.add_argument("--out", type=Path, default=Path("site"), help="output folder (default: site)")
    build_cmd.add_argument("--verbose", action="store_true", help="print per-stage timings")
    build_cmd.add_argument("--no-search", action="store_true", help="skip the search index (Pagefind)")
    build_cmd.add_argument(
        "--no-cache", action="store_true", help="write every file anew instead of keeping unchanged ones"
    )

    serve_cmd = commands.add_parser("serve", help="build, serve locally and rebuild on every change")
    serve_cmd.add_argument("--content", type=Path, default=Path("content"))
    serve_cmd.add_argument("--out", type=Path, default=Path("site"))
    serve_cmd.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve_cmd.add_argument("--port", type=_port, default=8000, help="port (default: 8000; 0 picks a free one)")
    serve_cmd.add_argument("--open", action="store_true", help="open the site in a browser")
    serve_cmd.add_argument("--search", action="store_true", help="also rebuild the search index on every change")

    init_cmd = commands.add_parser("init", help="start a new briefing in an empty folder")
    init_cmd.add_argument("folder", type=Path)
    init_cmd.add_argument("--title", default="A new briefing")
    init_cmd.add_argument("--templates", action="store_true", help="also copy the templates, to customise")

    new_cmd = commands.add_parser("new", help="add an issue, stakeholder, event, source, quote or page")
    new_cmd.add_argument("kind", choices=NEW_KINDS)
    new_cmd.add_argument("id")
    new_cmd.add_argument("--title", default="")
    new_cmd.add_argument("--content", type=Path, default=Path("content"))

    schema_cmd = commands.add_parser("schema", help="write JSON Schemas of the content files, for editors")
    schema_cmd.add_argument("--out", type=Path, default=Path("schemas"))

    docs_cmd = commands.add_parser("docs", help="print the reference of what each template receives")
    docs_cmd.add_argument("topic", choices=("templates",))

    translations_cmd = commands.add_parser("translations", help="record which original a translation was made from")
    translations_cmd.add_argument("action", choices=("mark",))
    translations_cmd.add_argument("files", type=Path, nargs="+", help="translation files, e.g. issues/x.zh-Hans.md")
    translations_cmd.add_argument("--content", type=Path, default=Path("content"))

    check_cmd = commands.add_parser("check", help="validate content and links, write nothing")
    check_cmd.add_argument("--content", type=Path, default=Path("content"))
    check_cmd.add_argument("--strict", action="store_true", help="treat warnings as errors")
    return parser


def _port(text: str) -> int:
    """A TCP port number, 0 (any free port) to 65535."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"`{text}` is not a port number (0 to 65535)")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code not in (0, None) else EXIT_OK
    try:
        with _signals_interrupt():
            return _run(parser, args)
    except ContentError as error:
        return _report(error.diagnostics, _project(args), args.command)
    except Terminated:
        print(_line_start() + "terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print(_line_start() + "interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:
        output = getattr(args, "out", None)
        diagnostic = from_exception(error, output or getattr(args, "content", Path(".")), _project(args), output)
        if diagnostic is None:  # an internal error, not the user's content or machine
            return _internal_error(error, args.debug)
        return _report([diagnostic], None, args.command)


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command == "build":
        return _build(args)
    if args.command == "check":
        return _check(args)
    if args.command == "translations":
        from generator.mark import mark

        for file, count in mark(args.content, args.files):
            print(f"marked {file}: {count} entr{'y' if count == 1 else 'ies'} now current")
        return EXIT_OK
    if args.command in ("init", "new", "schema", "docs"):
        return _author(args)
    if args.command == "serve":
        return _serve(args)
    parser.error(f"unknown command {args.command}")
    return EXIT_USAGE


def _serve(args: argparse.Namespace) -> int:
    from generator.build import check_output
    from generator.builder import BuilderProcess, ignored_saves, watched_folders
    from generator.serve import serve

    # an output no build may write ends the server before it starts, as it ends a build (a content error, which
    # the editor fixes while the server runs, is shown in the browser instead)
    check_output(args.out, args.content)
    # with search, each build re-indexes: a staging folder swapped in, as a one-off build does
    mode = Mode.BUILD if args.search else Mode.PREVIEW
    options = BuildOptions(content=args.content, out=args.out, mode=mode, search=args.search)
    builder = functools.partial(BuilderProcess, options)
    watched, ignored = watched_folders(args.content), ignored_saves(args.content)
    serve(builder, args.out, watched, ignored, args.host, args.port, args.open)
    return EXIT_OK


def _report(diagnostics: list[Diagnostic], project: Path | None, command: str = "build") -> int:
    print(format_report(relative(d, project) for d in diagnostics), file=sys.stderr)
    count = len(diagnostics)
    print(f"{command} failed: {count} error{'s' if count != 1 else ''}", file=sys.stderr)
    return EXIT_CONTENT


def _internal_error(error: Exception, debug: bool) -> int:
    if debug:
        traceback.print_exception(error)
    else:
        print(
            f"internal error: {type(error).__name__}: {error} (run with --debug for a traceback, and please report it)",
            file=sys.stderr,
        )
    return EXIT_INTERNAL


def _project(args: argparse.Namespace) -> Path | None:
    """The folder paths in messages are shown relative to: the one holding the content folder."""
    content = getattr(args, "content", None)
    return content.parent if isinstance(content, Path) else None


def _line_start() -> str:
    """Clears a progress line on a terminal, so the last word stands alone."""
    return "\r\033[K" if sys.stderr.isatty() else ""


@contextmanager
def _signals_interrupt() -> Iterator[None]:
    """Ctrl+C and SIGTERM interrupt the command in this process only; SIGTERM is raised as `Terminated`, so the
    same cleanup runs for both. A forked child that still has this handler (a worker, between its fork and
    setting its own handlers) ignores SIGINT and exits quietly on SIGTERM: no worker prints a traceback."""
    parent = os.getpid()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if os.getpid() != parent:
            if signum == signal.SIGTERM:
                os._exit(EXIT_TERMINATED)
            return
        if not put_off_in_finalizer(signum, frame, on_signal):
            raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()

    previous: dict[int, Any] = {}
    try:
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, on_signal)
    except ValueError:  # not the main thread (called from a test's thread): leave signals as they are
        pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _progress(done: int, total: int) -> None:
    if done == total or done % 50 == 0:
        print(f"\rrendering {done}/{total}", end="" if done < total else "\r\033[K", file=sys.stderr, flush=True)


def _build(args: argparse.Namespace) -> int:
    progress = _progress if sys.stderr.isatty() else None
    options = BuildOptions(
        content=args.content,
        out=args.out,
        search=not args.no_search,
        fresh=args.no_cache,
        progress=progress,
        waiting=lambda: print(f"waiting for another build of {args.out} to finish…", file=sys.stderr, flush=True),
    )
    result = build(options)
    if result.warnings:
        print(format_report(result.warnings), file=sys.stderr)
    print(
        f"built {result.pages} pages ({result.files} files, {result.written} written) into {args.out} "
        f"in {result.seconds * 1000:.0f} ms"
    )
    if args.verbose:
        last = 0.0
        for stage, at in result.timings.items():
            print(f"  {stage:<8} {(at - last) * 1000:7.1f} ms")
            last = at
    return EXIT_OK


def _author(args: argparse.Namespace) -> int:
    from generator import scaffold

    if args.command == "docs":
        from generator.templatedocs import reference

        print(reference(), end="")
        return EXIT_OK
    # only the writing is guarded: a failure to print (a closed pipe) is not the place's fault
    try:
        if args.command == "init":
            written = scaffold.init(args.folder, args.title, args.templates)
            done = (
                f"started a briefing in {args.folder} ({len(written)} files). Next:\n"
                f"  cd {args.folder} && briefing serve      # preview at http://127.0.0.1:8000/\n"
                f'  grep -rn "{scaffold.FILL}" content/     # what to write'
            )
        elif args.command == "new":
            path = scaffold.new(args.content, args.kind, args.id, args.title)
            done = f"added {args.kind} `{args.id}` to {path}; replace each “{scaffold.FILL}”"
        else:
            written = scaffold.write_schemas(args.out)
            done = f"wrote {len(written)} JSON Schemas to {args.out}"
    except scaffold.ScaffoldProblem as problem:
        print(problem.format(), file=sys.stderr)
        return EXIT_CONTENT
    except OSError as error:
        print(_authoring_failure(error, args).format(), file=sys.stderr)
        return EXIT_CONTENT
    print(done)
    return EXIT_OK


_AUTHORING_PLACES = {"init": ("folder", "choose another folder"), "new": ("content", "check the content folder")}


def _authoring_failure(error: OSError, args: argparse.Namespace) -> Diagnostic:
    """What `init`, `new` or `schema` could not do to the user's files, naming the path. Any OSError there is the
    place's fault (a folder /proc will not hold, a full disk), not a bug of ours: one `from_exception` has no
    hint for is told to go elsewhere, not reported as an internal error."""
    place, hint = _AUTHORING_PLACES.get(args.command, ("out", "choose another --out"))
    fallback: Path = getattr(args, place)
    diagnostic = from_exception(error, fallback)
    if diagnostic is not None:
        return diagnostic
    path = Path(os.fsdecode(error.filename)) if error.filename is not None else fallback
    return Diagnostic(path.as_posix(), 0, os_message(error), hint)


def _check(args: argparse.Namespace) -> int:
    result = build(BuildOptions(content=args.content, out=Path("site"), mode=Mode.CHECK))
    if result.warnings:
        print(format_report(result.warnings), file=sys.stderr)
        if args.strict:
            print(f"check failed: {len(result.warnings)} warnings (--strict)", file=sys.stderr)
            return EXIT_CONTENT
    print(f"checked {result.pages} pages: no errors, {len(result.warnings)} warnings")
    return EXIT_OK
