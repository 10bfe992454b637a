"""Command line: build / check / serve / new / init. Parses arguments, prints, sets the exit status."""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from generator import __version__
from generator.build import BuildOptions, build
from generator.diagnostics import ContentError, format_report

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


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
    build_cmd.add_argument("--no-cache", action="store_true", help="ignore and do not update the build cache")

    serve_cmd = commands.add_parser("serve", help="build, serve locally and rebuild on every change")
    serve_cmd.add_argument("--content", type=Path, default=Path("content"))
    serve_cmd.add_argument("--out", type=Path, default=Path("site"))
    serve_cmd.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve_cmd.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    serve_cmd.add_argument("--open", action="store_true", help="open the site in a browser")
    serve_cmd.add_argument("--search", action="store_true", help="also rebuild the search index on every change")

    init_cmd = commands.add_parser("init", help="start a new briefing in an empty folder")
    init_cmd.add_argument("folder", type=Path)
    init_cmd.add_argument("--title", default="A new briefing")
    init_cmd.add_argument("--templates", action="store_true", help="also copy the templates, to customise")

    new_cmd = commands.add_parser("new", help="add an issue, stakeholder, event, source, quote or page")
    new_cmd.add_argument("kind", choices=("issue", "stakeholder", "event", "source", "quote", "page"))
    new_cmd.add_argument("id")
    new_cmd.add_argument("--title", default="")
    new_cmd.add_argument("--content", type=Path, default=Path("content"))

    schema_cmd = commands.add_parser("schema", help="write JSON Schemas of the content files, for editors")
    schema_cmd.add_argument("--out", type=Path, default=Path("schemas"))

    docs_cmd = commands.add_parser("docs", help="print the reference of what each template receives")
    docs_cmd.add_argument("topic", choices=("templates",))

    check_cmd = commands.add_parser("check", help="validate content and links, write nothing")
    check_cmd.add_argument("--content", type=Path, default=Path("content"))
    check_cmd.add_argument("--strict", action="store_true", help="treat warnings as errors")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code not in (0, None) else EXIT_OK
    try:
        if args.command == "build":
            return _build(args)
        if args.command == "check":
            return _check(args)
        if args.command in ("init", "new", "schema", "docs"):
            return _author(args)
        if args.command == "serve":
            from generator.serve import serve

            serve(args.content, args.out, args.host, args.port, args.open, search=args.search)
            return EXIT_OK
    except ContentError as error:
        print(format_report(error.diagnostics), file=sys.stderr)
        count = len(error.diagnostics)
        print(f"build failed: {count} error{'s' if count != 1 else ''}", file=sys.stderr)
        return EXIT_CONTENT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception:  # an internal error, not the user's content
        if args.debug:
            traceback.print_exc()
        else:
            error = sys.exc_info()[1]
            print(
                f"internal error: {type(error).__name__}: {error} (run with --debug for a traceback, "
                "and please report it)",
                file=sys.stderr,
            )
        return 70
    parser.error(f"unknown command {args.command}")
    return EXIT_USAGE


def _progress(done: int, total: int) -> None:
    if done == total or done % 50 == 0:
        print(f"\rrendering {done}/{total}", end="" if done < total else "\r\033[K", file=sys.stderr, flush=True)


def _build(args: argparse.Namespace) -> int:
    progress = _progress if sys.stderr.isatty() else None
    options = BuildOptions(
        content=args.content, out=args.out, search=not args.no_search, cache=not args.no_cache, progress=progress
    )
    result = build(options)
    if result.warnings:
        print(format_report(result.warnings), file=sys.stderr)
    if result.up_to_date:
        print(f"{args.out} is up to date ({result.pages} pages; nothing changed) in {result.seconds * 1000:.0f} ms")
        return EXIT_OK
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

    try:
        if args.command == "init":
            written = scaffold.init(args.folder, args.title, args.templates)
            print(
                f"started a briefing in {args.folder} ({len(written)} files). Next:\n"
                f"  cd {args.folder} && briefing serve      # preview at http://127.0.0.1:8000/\n"
                f'  grep -rn "{scaffold.FILL}" content/     # what to write'
            )
        elif args.command == "new":
            path = scaffold.new(args.content, args.kind, args.id, args.title)
            print(f"added {args.kind} `{args.id}` to {path}; replace each “{scaffold.FILL}”")
        elif args.command == "schema":
            written = scaffold.write_schemas(args.out)
            print(f"wrote {len(written)} JSON Schemas to {args.out}")
        else:
            from generator.templatedocs import reference

            print(reference(), end="")
    except scaffold.ScaffoldProblem as problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_CONTENT
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    result = build(BuildOptions(content=args.content, out=Path("site"), write=False))
    if result.warnings:
        print(format_report(result.warnings), file=sys.stderr)
        if args.strict:
            print(f"check failed: {len(result.warnings)} warnings (--strict)", file=sys.stderr)
            return EXIT_CONTENT
    print(f"checked {result.pages} pages: no errors, {len(result.warnings)} warnings")
    return EXIT_OK
