"""Files → validated records: reading, front matter, YAML, schema. Nothing here knows other files.

A record is a validated field dict (ids still as `Ref`s) with its body and origin; `resolve` links them.
Loading one file is a pure function of its path and bytes, so a long-lived caller (the preview's engine)
may pass a `FileMemo` to reuse a file's records while its bytes are unchanged.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

import xxhash

from generator.characters import forbidden_in_file
from generator.dates import PartialDate
from generator.diagnostics import (
    ContentError,
    Diagnostic,
    Diagnostics,
    describe_encoding,
    file_name_problem,
    os_message,
)
from generator.markdown import Markdown, compile_markdown
from generator.model import Origin
from generator.parallel import imap
from generator.schema import (
    BRIEFING,
    EVENT,
    ISSUE,
    LANGUAGE_TAG_MAX,
    PAGE,
    PERIOD,
    QUOTE,
    SCHEMAS,
    SOURCE,
    STAKEHOLDER,
    TRANSLATION_SCHEMAS,
    Ref,
    Schema,
    check_slug,
    checked,
    is_language_tag,
    validate,
)
from generator.spool import Spool
from generator.write import digest_of
from generator.yamltext import YamlList, YamlProblem, parse_yaml

_FRONT_MATTER_END = re.compile(r"^---[ \t]*$", re.MULTILINE)
_OS_HINT = "check its permissions, and that it is a plain file or folder"
_EDITOR_JUNK = re.compile(r"(^\.|~$|\.sw[a-px]$|^4913$|^#.*#$|\.tmp$|\.bak$)")
MARKDOWN_FOLDERS = (("issues", ISSUE), ("stakeholders", STAKEHOLDER), ("pages", PAGE))
LIST_KINDS = frozenset({EVENT.kind, PERIOD.kind, SOURCE.kind, QUOTE.kind})
LIST_PIECE_CHARS = 256 * 1024  # a longer list file is loaded in pieces of about this size, in parallel
TYPICAL_FILE_BYTES = 4096  # a content file's usual size, to weigh the loading's work for the workers
_NOT_AN_ITEM = re.compile(rb"^(?:[^-# \n]|-[^ \n])", re.MULTILINE)  # a line at the left margin that starts no item
_ITEM_START = re.compile(r"^-(?: |$)", re.MULTILINE)


def is_editor_junk(name: str) -> bool:
    """Hidden files, backups and editors' temporary files (`.x.swp`, `x~`, `4913`, `.#x`, `#x#`)."""
    return bool(_EDITOR_JUNK.search(name))


@dataclass(frozen=True, slots=True)
class Record:
    """One validated entry: its fields as the schema typed them, its Markdown body (if a file), its origin,
    and a digest of everything of it a page can show (and of its neighbours in a list file, whose order
    breaks ties between same-date events)."""

    kind: str
    id: str
    values: dict[str, Any]
    body: Markdown | None
    origin: Origin
    digest: str = ""  # of the fields (and, in a list file, the neighbours' ids)
    body_digest: str = ""  # of the body text, for a Markdown file


def canonical(value: Any) -> Any:
    """A value as plain data, without positions in files (which no page shows)."""
    if isinstance(value, Markdown):
        return ("md", value.text, value.inline)
    if isinstance(value, Ref):
        return ("ref", value.id)
    if isinstance(value, dict):
        return tuple(sorted((key, canonical(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(canonical(item) for item in value)
    if isinstance(value, PartialDate):
        return ("date", value.iso)
    return value


def record_digest(kind: str, entity_id: str, values: dict[str, Any]) -> str:
    return _digest(repr((kind, entity_id, canonical(values))))


def _digest(text: str) -> str:
    return xxhash.xxh3_128_hexdigest(text.encode())


@dataclass(frozen=True)
class Translation:
    """One entry's texts in another language (`values` holds only translatable fields, `translated_from`
    and, in list files, the id). The translation step checks it against its original."""

    kind: str
    id: str  # "" for the briefing's settings
    language: str
    values: dict[str, Any]
    body: Markdown | None
    origin: Origin
    digest: str = ""
    body_digest: str = ""
    in_error: frozenset[str] = frozenset()  # fields given wrongly (already reported): left out when laid over


RefUse = tuple[Path, Ref, str, str]  # file, reference, expected kind ("" = any), context for messages


def texts_of(values: dict[str, Any], body: Markdown | None) -> Iterator[Markdown]:
    """Every Markdown text of a record's (or a translation's) fields and body, in the order its page shows them;
    a text a translation leaves out is skipped."""
    texts = [values.get(name) for name in ("summary", "stance", "note", "context")]
    texts += values.get("key_points") or ()
    texts += [position.get("stance") for position in values.get("positions") or ()]
    texts += [update.get("text") for update in values.get("updates") or ()]
    texts.append(body)
    return (text for text in texts if isinstance(text, Markdown))


@dataclass
class Loaded:
    """Everything read from a content folder, before ids are resolved."""

    config: Record | None = None
    records: list[Record] = field(default_factory=list)
    refs: list[RefUse] = field(default_factory=list)
    invalid: dict[str, str] = field(default_factory=dict)  # id → kind of records that failed validation
    unlinked: list[Markdown] = field(default_factory=list)  # their texts, whose references are checked all the same
    unreadable: set[str] = field(default_factory=set)  # kinds with a file that could not be read at all
    translations: list[Translation] = field(default_factory=list)

    @classmethod
    def joined(cls, config: Record | None, parts: list[Loaded]) -> Loaded:
        """The parts, one after the other (every file's, in the order the files were listed)."""
        loaded = cls(config)
        loaded.records = [record for part in parts for record in part.records]
        loaded.translations = [translation for part in parts if part.translations for translation in part.translations]
        loaded.refs = [ref for part in parts if part.refs for ref in part.refs]
        for part in parts:
            if part.invalid or part.unreadable or part.unlinked:
                loaded.invalid.update(part.invalid)
                loaded.unreadable.update(part.unreadable)
                loaded.unlinked.extend(part.unlinked)
        return loaded

    def of_kind(self, kind: str) -> list[Record]:
        return [r for r in self.records if r.kind == kind]

    def reported(self, entity_id: str, kind: str = "") -> bool:
        """Whether a missing record of `kind` (any kind if "") was reported already: it failed validation, or a
        file of its kind could not be read at all."""
        if entity_id in self.invalid and (not kind or self.invalid[entity_id] == kind):
            return True
        return bool(self.unreadable) and (not kind or kind in self.unreadable)


@dataclass
class JoinedParts:
    """A load's parts joined, and where each part's items start: a load that read a few files again lays their
    items in place of the old ones (when each has as many as before), instead of joining every part anew."""

    parts: list[Loaded]
    whole: Loaded
    starts: list[tuple[int, int, int]]  # per part: where its records, translations and refs start in `whole`

    @classmethod
    def of(cls, config: Record | None, parts: list[Loaded]) -> JoinedParts:
        starts, records, translations, refs = [], 0, 0, 0
        for part in parts:
            starts.append((records, translations, refs))
            records, translations, refs = (
                records + len(part.records),
                translations + len(part.translations),
                refs + len(part.refs),
            )
        return cls(list(parts), Loaded.joined(config, parts), starts)

    def again(self, config: Record | None, parts: list[Loaded]) -> JoinedParts:
        """The join of `parts`, made from this one where the parts that differ (by identity) keep their sizes."""
        whole = self.whole
        if len(parts) != len(self.parts) or whole.invalid or whole.unreadable or whole.unlinked:
            return JoinedParts.of(config, parts)
        changed = [index for index, (a, b) in enumerate(zip(parts, self.parts, strict=True)) if a is not b]
        for index in changed:
            new, old = parts[index], self.parts[index]
            if new.invalid or new.unreadable or new.unlinked or _sizes(new) != _sizes(old):
                return JoinedParts.of(config, parts)
        records, translations, refs = list(whole.records), list(whole.translations), list(whole.refs)
        for index in changed:
            part, (at_record, at_translation, at_ref) = parts[index], self.starts[index]
            records[at_record : at_record + len(part.records)] = part.records
            translations[at_translation : at_translation + len(part.translations)] = part.translations
            refs[at_ref : at_ref + len(part.refs)] = part.refs
        return JoinedParts(list(parts), Loaded(config, records, refs, translations=translations), self.starts)

    def loaded(self) -> Loaded:
        """The joined parts, in lists of the caller's own."""
        whole = self.whole
        return Loaded(
            whole.config,
            list(whole.records),
            list(whole.refs),
            dict(whole.invalid),
            list(whole.unlinked),
            set(whole.unreadable),
            list(whole.translations),
        )


def _sizes(part: Loaded) -> tuple[int, int, int]:
    return len(part.records), len(part.translations), len(part.refs)


FileResult = tuple[Loaded, list[Diagnostic]]


@dataclass
class FileMemo:
    """Each file's load result, keyed by its path and kind, reused while the file's bytes are unchanged; and
    the last complete look at the content folder, for a caller that is told which files changed."""

    entries: dict[tuple[Path, str], tuple[str, FileResult]] = field(default_factory=dict)  # (digest of bytes, result)
    listing: Listing | None = None
    spool: Spool = field(default_factory=Spool)  # the results' bodies
    keep: bool = True  # False: for an engine that builds once, it keeps only the spool

    def put(self, path: Path, kind: str, digest: str, result: FileResult) -> None:
        self.entries[(path, kind)] = (digest, result)

    def get(self, path: Path, kind: str, digest: str) -> FileResult | None:
        """The result of the file while its bytes have this digest (`write.digest_of`)."""
        entry = self.entries.get((path, kind))
        return entry[1] if entry is not None and entry[0] == digest else None

    def keep_only(self, seen: set[tuple[Path, str]]) -> None:
        for key in set(self.entries) - seen:
            del self.entries[key]


@dataclass
class Listing:
    """Every content file a load found when it looked at the whole folder without an error, and its warnings
    about the folder (symbolic-link loops)."""

    root: Path
    present: list[tuple[Path, str]]
    warnings: list[Diagnostic]
    by_place: dict[str, tuple[Path, str]] = field(default_factory=dict)  # real path → job
    index: dict[tuple[Path, str], int] = field(default_factory=dict)  # job → its place in `present`
    results: list[FileResult | None] = field(default_factory=list)  # the last load's, in the order of `present`
    joined: JoinedParts | None = None  # the last load's parts, joined

    def __post_init__(self) -> None:
        real_root, cut = os.path.realpath(self.root), len(str(self.root)) + 1
        self.by_place = {os.path.join(real_root, str(path)[cut:]): (path, kind) for path, kind in self.present}
        self.index = {job: place for place, job in enumerate(self.present)}

    def rereads(self, root: Path, changed: Iterable[Path]) -> set[tuple[Path, str]] | None:
        """The files to read again when only `changed` changed since this listing; None when the change may
        add, remove or rename content files (or anything else a listing would notice): look again."""
        if root != self.root:
            return None
        real_root, root_as_given = os.path.realpath(root) + os.sep, os.path.abspath(root) + os.sep
        found = set()
        for path in changed:
            written = os.path.abspath(path)
            # its folder's real place, but the file's own name: a file that is a link is content by its name
            place = os.path.join(os.path.realpath(os.path.dirname(written)), os.path.basename(written))
            if not (place + os.sep).startswith(real_root) and not (written + os.sep).startswith(root_as_given):
                continue  # templates, static files: not content
            job = self.by_place.get(place)
            if job is None or not os.path.isfile(place):
                return None
            found.add(job)
        return found


def outside(path: Path, root: Path) -> bool:
    """True if `path` (through any symlink) leads outside `root`, or outside the real place of the folder of
    `root` it sits in (a content folder that is itself a link to a folder elsewhere is the editor's choice)."""
    try:
        if not _any_link(path, root):
            return False  # the usual case, told without resolving every folder of the path twice
        resolved = path.resolve()
        if resolved.is_relative_to(root.resolve()):
            return False
        top = path.absolute().relative_to(root.absolute()).parts[0]
        return not resolved.is_relative_to((root / top).resolve())
    except (OSError, RuntimeError, ValueError, IndexError):
        return True


def _any_link(path: Path, root: Path) -> bool:
    """Whether `path`, or a folder between `root` and it, is a symbolic link (True if `path` is not plainly
    below `root` as written)."""
    top, text = os.fspath(root).rstrip(os.sep), os.fspath(path)
    if not text.startswith(top + os.sep):
        return True
    parts = text[len(top) + 1 :].split(os.sep)
    if ".." in parts:
        return True
    return any(os.path.islink(os.path.join(top, *parts[:end])) for end in range(1, len(parts) + 1))


def link_loops(folder: Path) -> list[Path]:
    """Symbolic links under `folder` that lead back to a folder above them (a walk that followed them would
    never end). They are never followed; the build names them once."""
    loops = []
    for here, dirs, _files in os.walk(folder):
        for name in sorted(dirs):
            link = Path(here, name)
            if link.is_symlink():
                target = Path(os.path.realpath(link))
                if Path(os.path.realpath(here)).is_relative_to(target):
                    loops.append(link)
    return loops


def read_text(path: Path, diags: Diagnostics) -> str | None:
    """UTF-8 text with a BOM dropped and line endings made `\\n`; None (and an error) if unreadable, not UTF-8,
    or holding a character that content may not (see `characters.py`)."""
    if diags.root is not None and outside(path, diags.root):
        diags.error(path, 0, "this file is a link to a place outside the project", "copy the file in instead")
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        diags.error(path, 0, f"cannot read file: {os_message(exc)}", _OS_HINT)
        return None
    return decode_text(data, path, diags)


def decode_text(data: bytes, path: Path, diags: Diagnostics) -> str | None:
    """A file's bytes as `read_text` gives them: None (and an error) if not UTF-8 or holding a character that
    content may not."""
    encoding = describe_encoding(data)
    if encoding is not None:
        diags.error(path, *encoding)
        return None
    text = data.decode("utf-8-sig")
    forbidden = forbidden_in_file(text)
    if forbidden is not None:
        line = text.count("\n", 0, forbidden.offset) + 1
        diags.error(path, line, forbidden.message, forbidden.hint)
        return None
    return text.replace("\r\n", "\n")


def content_files(folder: Path, suffix: str, diags: Diagnostics | None = None) -> list[Path]:
    """Files of one kind in a folder, sorted by name, skipping editor and hidden files. A name that is not
    valid UTF-8 is reported (to `diags`, or raised without one) and skipped; a folder that cannot be read
    stops the build with an error naming it."""
    if not folder.is_dir():
        return []
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        problem = Diagnostic(
            diags.display(folder) if diags else folder.as_posix(),
            0,
            f"cannot read folder: {os_message(exc)}",
            _OS_HINT,
        )
        raise ContentError([*(diags.errors if diags else []), problem]) from None
    found: list[Path] = []
    bad_names: list[Diagnostic] = []
    not_files: list[Diagnostic] = []  # named as content files, but no file can be read there
    for name in names:
        path = folder / name
        problem = file_name_problem(path)
        if problem is not None:
            bad_names.append(problem)
        elif path.suffix == suffix and not is_editor_junk(name):
            if path.is_file():
                found.append(path)
            elif path.is_dir():
                not_files.append(
                    Diagnostic(
                        path.as_posix(),
                        0,
                        "this is a folder, not a file",
                        "rename the folder or move it out of the content",
                    )
                )
            elif not path.exists():
                not_files.append(
                    Diagnostic(
                        path.as_posix(),
                        0,
                        "this file is a link that leads nowhere",
                        "remove the link or restore what it led to",
                    )
                )
    if (bad_names or not_files) and diags is None:
        raise ContentError([*bad_names, *not_files])
    for problem in bad_names if diags is not None else []:
        diags.error(folder, 0, problem.message, problem.hint)
    for problem in not_files if diags is not None else []:
        diags.error(Path(problem.file), 0, problem.message, problem.hint)
    return found


def split_front_matter(text: str, path: Path, diags: Diagnostics) -> tuple[Any, str, int] | None:
    """(front matter, body, line where the body starts) of a Markdown file."""
    if not text.startswith("---\n"):
        diags.error(path, 1, "missing front matter", "start the file with a `---` line, the fields, and `---`")
        return None
    closing = _FRONT_MATTER_END.search(text, 4)
    if closing is None:
        diags.error(path, 1, "front matter is not closed", "add a line `---` after the fields")
        return None
    header = text[4 : closing.start()]
    body_start_line = text.count("\n", 0, closing.end()) + 2
    try:
        data = parse_yaml(header, first_line=2)
    except YamlProblem as problem:
        diags.error(path, problem.line, problem.message, problem.hint)
        return None
    return data, text[closing.end() + 1 :], body_start_line


def load_yaml_file(path: Path, diags: Diagnostics) -> Any:
    text = read_text(path, diags)
    if text is None:
        return None
    try:
        return parse_yaml(text)
    except YamlProblem as problem:
        diags.error(path, problem.line, problem.message, problem.hint)
        return None


def translation_language(path: Path) -> str:
    """`zh-Hans` for `issues/x.zh-Hans.md` or `timeline.zh-Hans.yaml`: a translation's language, from its
    name; "" for an original."""
    _stem, dot, language = path.stem.rpartition(".")
    return language if dot and len(language) <= LANGUAGE_TAG_MAX and is_language_tag(language) else ""


def translation_kind(kind: str, language: str) -> str:
    """The job kind of a translation file: `issue.zh-Hans`."""
    return f"{kind}.{language}"


def content_jobs(root: Path, diags: Diagnostics | None = None) -> list[tuple[Path, str]]:
    """Every content file with the kind of records it holds, in a fixed order; translations (`x.zh-Hans.md`,
    `timeline.zh-Hans.yaml`) after the originals, as kind `issue.zh-Hans`."""
    originals: list[tuple[Path, str]] = [(root / "briefing.yaml", "briefing")]
    translations: list[tuple[Path, str]] = []

    def add(path: Path, kind: str) -> None:
        language = translation_language(path)
        if language:
            translations.append((path, translation_kind(kind, language)))
        else:
            originals.append((path, kind))

    for folder, schema in MARKDOWN_FOLDERS:
        for path in content_files(root / folder, ".md", diags):
            add(path, schema.kind)
    if (root / "timeline.yaml").is_file():
        originals.append((root / "timeline.yaml", EVENT.kind))
    for path in content_files(root / "timeline", ".yaml", diags):
        add(path, EVENT.kind)
    for name, schema in (("periods.yaml", PERIOD), ("sources.yaml", SOURCE), ("quotes.yaml", QUOTE)):
        originals.append((root / name, schema.kind))
    for path in content_files(root, ".yaml", diags):
        base = path.name.partition(".")[0]
        kind = {"briefing": "briefing", "timeline": EVENT.kind, "periods": PERIOD.kind}.get(base)
        kind = kind or {"sources": SOURCE.kind, "quotes": QUOTE.kind}.get(base)
        if kind is not None and translation_language(path):
            translations.append((path, translation_kind(kind, translation_language(path))))
    return originals + translations


def load_content(
    root: Path, diags: Diagnostics, memo: FileMemo | None = None, changed: Iterable[Path] | None = None
) -> Loaded:
    """Read every content file (in worker processes when there are many), reusing `memo`'s results for
    files whose bytes are unchanged. A caller that watches the folder may name what `changed` since the last
    load with this memo: then only those files are read (unless the change may add or remove files). The
    long bodies of what is read go to `memo`'s spool as each file's records come back."""
    kept = memo if memo is not None and memo.keep else None  # a memo that keeps results for a next load
    listing = kept.listing if kept is not None else None
    rereads = listing.rereads(root, changed) if listing is not None and changed is not None else None
    if kept is not None and listing is not None and rereads is not None:
        diags.items.extend(listing.warnings)
        present = listing.present
        reads = ((job, _read_bytes(job[0])) for job in rereads)
        results = list(listing.results)  # the last load's, in the listing's order: only the files read change
    else:
        jobs = content_jobs(root, diags)
        before = len(diags.items)
        for link in link_loops(root):
            diags.warning(
                link, 0, "this symbolic link leads back to a folder above it; it is not followed", "remove it"
            )
        warnings = diags.items[before:]
        missing = [(path, kind) for path, kind in jobs if not path.is_file()]
        for path, kind in missing:
            if kind == "briefing":
                diags.error(path, 0, "missing file `briefing.yaml`", "run `briefing init` to start a new briefing")
            elif kind in (SOURCE.kind, QUOTE.kind):
                diags.error(path, 0, f"missing file `{path.name}`", "create it; an empty list `[]` is fine")
        present = [job for job in jobs if job not in missing]
        # bytes are read here only for a memo's digests, or to cut a long list file; the loading reads the rest
        reads = ((job, _read_bytes(job[0]) if kept is not None or _may_be_list(*job) else None) for job in present)
        results = [None] * len(present)
        listing = Listing(root, present, warnings)
        if kept is not None:  # (a missing optional file, such as periods.yaml, is reported when it appears)
            kept.listing = listing if not diags.errors else None
    todo: list[FileToLoad] = []
    digests: dict[tuple[Path, str], str] = {}  # of the bytes read, when a memo keeps results
    for job, data in reads:  # (each file's bytes dropped once looked at, unless it may be loaded in pieces)
        known = None
        if kept is not None and data is not None:
            digests[job] = digest_of(data)
            known = kept.get(*job, digests[job])
        if known is not None:
            results[listing.index[job]] = known
        else:
            size = len(data) if data is not None else _size(job[0])
            todo.append(FileToLoad(*job, data if _may_be_cut(job[0], job[1], data) else None, size))
    for file, result in zip(todo, _load_files(todo, diags.root), strict=True):
        job = (file.path, file.kind)
        results[listing.index[job]] = result
        if memo is not None:
            _spool_bodies(result[0], memo.spool)
        if kept is not None and job in digests:
            kept.put(*job, digests[job], result)
    listing.results = results
    config = None
    for (_path, kind), (part, problems) in zip(present, results, strict=True):  # type: ignore[misc]
        if problems:
            diags.items.extend(problems)
        if kind == "briefing":
            config = part.config
    if kept is not None and rereads is None:
        kept.keep_only(set(present))
    parts: list[Loaded] = [part for part, _problems in results]  # type: ignore[misc]
    if kept is None:
        return Loaded.joined(config, parts)
    joined = listing.joined
    listing.joined = joined.again(config, parts) if joined is not None else JoinedParts.of(config, parts)
    return listing.joined.loaded()


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0  # read_text reports it


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None  # read_text reports it


@dataclass(frozen=True)
class FileJob:
    """One file to load, or one piece of a long list file (its text, cut between top-level items, and the
    line it starts on)."""

    path: Path
    kind: str
    root: Path | None
    piece: str | None = None
    first_line: int = 1


class FileToLoad(NamedTuple):
    path: Path
    kind: str
    data: bytes | None  # its bytes, if it is a list file long enough to be loaded in pieces
    size: int


def _may_be_list(path: Path, kind: str) -> bool:
    """Whether a file is a list file, which may be long enough to be loaded in pieces."""
    return kind in LIST_KINDS and path.suffix == ".yaml"


def _may_be_cut(path: Path, kind: str, data: bytes | None) -> bool:
    """Whether a file may be loaded in pieces (`_list_pieces` says), so that its bytes must be kept till then."""
    return data is not None and len(data) > LIST_PIECE_CHARS and _may_be_list(path, kind)


def _spool_bodies(part: Loaded, spool: Spool) -> None:
    for item in [*part.records, *part.translations]:
        if item.body is not None:
            item.body.spool(spool)


def _load_files(files: list[FileToLoad], root: Path | None) -> Iterator[FileResult]:
    """Each file's records and problems, in order, each file's as soon as they are made (so that the caller
    never holds every file's before it has seen them). A long list file (a timeline of thousands of events) is
    loaded in pieces by all the workers, and its pieces' records joined; if a piece is not plain YAML on its
    own, the whole file is loaded as one, for the messages a whole-file parse gives."""
    jobs: list[FileJob] = []
    spans: list[tuple[int, int]] = []  # each file's jobs: jobs[start:end]
    for path, kind, data, _size in files:
        pieces = _list_pieces(path, kind, data, root)
        start = len(jobs)
        jobs.extend([FileJob(path, kind, root, piece, line) for line, piece in pieces] or [FileJob(path, kind, root)])
        spans.append((start, len(jobs)))
    sizes = sum(file.size for file in files)
    weight = max(1, sizes // (max(1, len(jobs)) * TYPICAL_FILE_BYTES))
    done = imap(_load_job, jobs, weight=weight)
    for (start, end), (path, kind, _data, _size) in zip(spans, files, strict=True):
        results = list(islice(done, end - start))
        if jobs[start].piece is None:
            yield results[0]  # type: ignore[misc]
        elif any(result is None for result in results):
            yield _load_file(FileJob(path, kind, root))
        else:
            whole = Loaded.joined(None, [part for part, _problems in results])  # type: ignore[misc]
            whole.records = with_neighbour_digests(whole.records)
            yield whole, [problem for _part, problems in results for problem in problems]  # type: ignore[misc]


def _list_pieces(path: Path, kind: str, data: bytes | None, root: Path | None) -> list[tuple[int, str]]:
    """A long list file's text cut between top-level items into pieces of about LIST_PIECE_CHARS, each with
    the line it starts on; [] for any other file, and for a list file that is not plainly a block list
    (every line at the left margin starting an item `- `, or a comment) or that `read_text` would refuse:
    only a whole-file load says what is wrong with it."""
    if data is None or not _may_be_cut(path, kind, data):
        return []
    if (root is not None and outside(path, root)) or _NOT_AN_ITEM.search(data):
        return []
    text = decode_text(data, path, Diagnostics(root))
    if text is None:
        return []
    pieces, start, line = [], 0, 1
    for item in _ITEM_START.finditer(text, LIST_PIECE_CHARS):
        if item.start() - start >= LIST_PIECE_CHARS:
            pieces.append((line, text[start : item.start()]))
            line += text.count("\n", start, item.start())
            start = item.start()
    pieces.append((line, text[start:]))
    return pieces if len(pieces) > 1 else []


def _load_job(job: FileJob) -> FileResult | None:
    """`_load_file`, or for a piece of a list file its records (their digests of their fields only: the
    neighbours' ids are added once the pieces are joined) — or None if the piece is not a plain YAML list on
    its own."""
    if job.piece is None:
        return _load_file(job)
    part, diags = Loaded(), Diagnostics(job.root)
    try:
        data = parse_yaml(job.piece, job.first_line)
    except YamlProblem:
        return None
    if not isinstance(data, YamlList):
        return None
    part.records = _list_items(job.path, SCHEMAS[job.kind], data, part, diags)
    return part, diags.items


def _load_file(job: FileJob) -> FileResult:
    """Load one file on its own (possibly in a worker process: the schema travels by name)."""
    path, kind, root = job.path, job.kind, job.root
    part, diags = Loaded(), Diagnostics(root)
    kind, _, language = kind.partition(".")
    if language:
        _load_translation(path, kind, language, part, diags)
    elif kind == "briefing":
        _load_config(path, part, diags)
    elif path.suffix == ".md":
        _load_markdown_entity(path, SCHEMAS[kind], part, diags)
    else:
        _load_list_records(path, SCHEMAS[kind], part, diags)
    return part, diags.items


def _load_config(path: Path, loaded: Loaded, diags: Diagnostics) -> None:
    data = load_yaml_file(path, diags)
    if data is None and not diags.errors:
        required = ", ".join(f"`{field.name}`" for field in BRIEFING.fields if field.required)
        diags.error(path, 1, "briefing.yaml is empty", f"it needs {required}; `briefing init` writes an example")
    if data is None:
        return
    values = validate(data, BRIEFING, path, 1, diags)
    if values is None:
        return
    _collect_refs(path, values, BRIEFING, loaded, "briefing.yaml")
    values["state_of_play"] = _block(values["state_of_play"])
    loaded.config = Record("briefing", "", values, None, Origin(path, 1), record_digest("briefing", "", values))


def _block(markdown: Any) -> Any:
    """Re-compile a YAML field that holds paragraphs (not one line) as block Markdown."""
    return compile_markdown(markdown.text, markdown.file, markdown.line, inline=False)


def _collect_refs(path: Path, values: dict[str, Any], schema: Schema, loaded: Loaded, context: str) -> None:
    for spec in schema.fields:
        value = values.get(spec.name)
        if spec.type == "id" and isinstance(value, Ref) and spec.name != "id":
            loaded.refs.append((path, value, spec.refers_to, context))
        elif spec.type == "ids":
            loaded.refs.extend((path, ref, spec.refers_to, context) for ref in value)
        elif spec.type == "records" and spec.record is not None:
            for record in value:
                _collect_refs(path, record, spec.record, loaded, context)
        elif spec.type == "record" and spec.record is not None and value:
            _collect_refs(path, value, spec.record, loaded, context)


def _load_markdown_entity(path: Path, schema: Schema, loaded: Loaded, diags: Diagnostics) -> None:
    entity_id = path.stem
    problem = check_slug(entity_id)
    if problem:
        diags.error(path, 0, f"file name `{path.name}` is not a valid id", problem)
        return
    text = read_text(path, diags)
    split = split_front_matter(text, path, diags) if text is not None else None
    if split is None:
        loaded.invalid[entity_id] = schema.kind
        return
    data, body_text, body_line = split
    values, in_error = checked(data, schema, path, 1, diags)
    body = compile_markdown(body_text, path, body_line)
    if values is not None:
        _collect_refs(path, values, schema, loaded, f"{schema.kind} `{entity_id}`")
    if values is None or in_error:
        loaded.invalid[entity_id] = schema.kind  # already reported; references to it are not errors too
        loaded.unlinked.extend(texts_of(values or {}, body))  # its other mistakes are reported in the same build
        return
    digest = record_digest(schema.kind, entity_id, values)
    body_digest = _digest(body_text)
    loaded.records.append(Record(schema.kind, entity_id, values, body, Origin(path, 1), digest, body_digest))


def _load_list_records(path: Path, schema: Schema, loaded: Loaded, diags: Diagnostics) -> None:
    errors_before = len(diags.errors)
    data = load_yaml_file(path, diags)
    if len(diags.errors) > errors_before:
        loaded.unreadable.add(schema.kind)
        return
    if data is None:
        return
    if not isinstance(data, YamlList):
        loaded.unreadable.add(schema.kind)
        diags.error(path, getattr(data, "line", 1), f"expected a list of {schema.kind}s (lines starting `- id:`)")
        return
    loaded.records.extend(with_neighbour_digests(_list_items(path, schema, data, loaded, diags)))


def _list_items(path: Path, schema: Schema, data: YamlList, loaded: Loaded, diags: Diagnostics) -> list[Record]:
    """The valid items of a list file (or of a piece of one), as records with digests of their fields only."""
    records: list[Record] = []
    for item, line in zip(data, data.item_lines, strict=True):
        values, in_error = checked(item, schema, path, line, diags)
        if values is None:
            continue
        valid = not in_error
        ref, raw_id = values["id"], item.get("id")
        item_id = ref.id if isinstance(ref, Ref) else raw_id.strip() if isinstance(raw_id, str) else ""
        if valid and schema is PERIOD and values["end"] is not None and values["end"] < values["start"]:
            diags.error(
                path,
                item.key_lines["end"],
                f"period `{item_id}` ends ({values['end'].iso}) before it starts ({values['start'].iso})",
                "swap `start` and `end`",
            )
            valid = False
        _collect_refs(path, values, schema, loaded, f"{schema.kind} `{item_id}`" if item_id else f"{schema.kind}")
        if not valid:
            if item_id:
                loaded.invalid[item_id] = schema.kind  # already reported; references to it are not errors too
            loaded.unlinked.extend(texts_of(values, None))
            continue
        digest = record_digest(schema.kind, item_id, values)
        records.append(Record(schema.kind, item_id, values, None, Origin(path, line), digest))
    return records


def with_neighbour_digests(records: list[Record]) -> list[Record]:
    """A list file's records, each digest of its fields joined with its neighbours' ids (whose order breaks
    ties between same-date events)."""
    ids = ["", *(r.id for r in records), ""]
    return [
        replace(record, digest=_digest(f"{record.digest}\0{ids[index]}\0{ids[index + 2]}"))
        for index, record in enumerate(records)
    ]


def _load_translation(path: Path, kind: str, language: str, loaded: Loaded, diags: Diagnostics) -> None:
    """A translation file: the same shape as its original's, with only the translatable fields."""
    schema = TRANSLATION_SCHEMAS[kind]
    if path.suffix == ".md":
        entity_id = path.stem.rpartition(".")[0]
        problem = check_slug(entity_id)
        if problem:
            diags.error(path, 0, f"file name `{path.name}` does not start with a valid id", problem)
            return
        text = read_text(path, diags)
        split = split_front_matter(text, path, diags) if text is not None else None
        if split is None:
            return
        data, body_text, body_line = split
        values, in_error = checked(data, schema, path, 1, diags)
        if values is not None:
            body = compile_markdown(body_text, path, body_line)
            origin = Origin(path, 1)
            loaded.translations.append(_translation(kind, entity_id, language, values, body, origin, in_error))
        return
    data = load_yaml_file(path, diags)
    if data is None:
        return
    if kind == "briefing":
        values, in_error = checked(data, schema, path, 1, diags)
        if values is not None:
            if values["state_of_play"] is not None:
                values["state_of_play"] = _block(values["state_of_play"])
            loaded.translations.append(_translation(kind, "", language, values, None, Origin(path, 1), in_error))
        return
    if not isinstance(data, YamlList):
        diags.error(path, getattr(data, "line", 1), f"expected a list of {kind} translations (lines starting `- id:`)")
        return
    for item, line in zip(data, data.item_lines, strict=True):
        values, in_error = checked(item, schema, path, line, diags)
        if values is not None and isinstance(values["id"], Ref):
            origin = Origin(path, line)
            loaded.translations.append(_translation(kind, values["id"].id, language, values, None, origin, in_error))


def _translation(
    kind: str,
    entity_id: str,
    language: str,
    values: dict[str, Any],
    body: Markdown | None,
    origin: Origin,
    in_error: frozenset[str] = frozenset(),
) -> Translation:
    digest = record_digest(kind, entity_id, {**values, "language": language})
    body_digest = _digest(body.text) if body is not None else ""
    return Translation(kind, entity_id, language, values, body, origin, digest, body_digest, in_error)
