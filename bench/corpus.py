"""Turn the benchmark's `raw` corpus (../shared/bench/make_corpus.py) into a briefing linked as real ones are.

The Markdown bodies stay as the peers build them, except that their root-relative links between pages
become our `[[id|label]]` links (so they are checked and resolved like any briefing's), and each body gains
citations. Posts become issues, stakeholder pages become stakeholders. On top of the corpus's own
cross-links the briefing has hubs, as a real briefing does (every issue names "the US government"):

- three hub stakeholders (HUB_STAKEHOLDERS): every issue's positions name two of them, every third issue
  all three; every issue body links the first hub by its bare id (`[[id]]`, so the page shows the hub's
  name); every event names one hub; every third corpus stakeholder is affiliated with one; every other
  quotation is a hub's;
- three hub sources (HUB_SOURCES): every issue body cites two of them, every position cites one, every
  other event cites one.

Besides that: a timeline (one event for every four posts, each naming its issue, a corpus stakeholder and
a source), one source per ten posts, one quotation per twenty posts, and one issue in fifty carrying two
more positions of corpus stakeholders. Everything is deterministic: the same raw corpus gives the same
briefing byte for byte.

`events_briefing` writes the other benchmark briefing: a few issues, stakeholders and sources (the hubs)
and a timeline of N events (100,000 by default), every event linked to them.

Usage:
    python bench/corpus.py RAW_DIR CONTENT_DIR
    python bench/corpus.py --events 100000 CONTENT_DIR
"""

from __future__ import annotations

import argparse
import re
import shutil
from datetime import date
from pathlib import Path

LINK = re.compile(r"\[([^\]]+)\]\(/(?:posts|stakeholders)/([a-z0-9-]+)/\)")
FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)

# (id, name, kind): the names are plain ASCII so that a page's HTML holds them verbatim (bench/reload.py
# renames the first hub and looks for its new name in every page that showed the old one).
HUB_STAKEHOLDERS: tuple[tuple[str, str, str], ...] = (
    ("us-government", "United States Government", "government"),
    ("european-commission", "European Commission", "institution"),
    ("china-government", "Government of China", "government"),
)
HUB_SOURCES: tuple[tuple[str, str, str], ...] = (
    ("hub-congress-report", "Annual report to Congress on science cooperation", "2001-03"),
    ("hub-commission-review", "Review of international research agreements", "2001-06"),
    ("hub-state-council-paper", "White paper on science and technology cooperation", "2001-09"),
)
ABOUT = "---\ntitle: About\n---\nA benchmark briefing.\n"
NAVIGATION = "navigation: [issues, stakeholders, timeline, positions, sources, about]\n"


def front_matter(text: str) -> tuple[dict[str, str], str]:
    match = FRONT.match(text)
    if match is None:
        raise ValueError("raw corpus pages start with front matter")
    fields = {}
    for line in match.group(1).splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip().strip('"')
    return fields, text[match.end() :]


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def hub_ids(index: int) -> list[str]:
    """The hub stakeholders whose positions issue number `index` records: two, or all three."""
    count = 3 if index % 3 == 0 else 2
    return [HUB_STAKEHOLDERS[(index + k) % len(HUB_STAKEHOLDERS)][0] for k in range(count)]


def hub_source(index: int) -> str:
    return HUB_SOURCES[index % len(HUB_SOURCES)][0]


def _fresh(content: Path) -> None:
    if content.exists():
        shutil.rmtree(content)
    for sub in ("issues", "stakeholders", "pages"):
        (content / sub).mkdir(parents=True)


def _write_hub_stakeholders(content: Path) -> None:
    for number, (hub, name, kind) in enumerate(HUB_STAKEHOLDERS):
        text = (
            f"---\nname: {quoted(name)}\nkind: {kind}\nrole: A party to every issue of the briefing\n---\n"
            f"A hub: every issue of the briefing names it [@{hub_source(number)}].\n"
        )
        (content / "stakeholders" / f"{hub}.md").write_text(text, "utf-8")


def _source_entries(sources: list[str]) -> list[str]:
    entries = []
    for hub, title, published in HUB_SOURCES:
        entries += [f"- id: {hub}", f"  title: {quoted(title)}", "  publisher: Hub Press", f"  date: {published}"]
        entries.append(f"  url: https://example.org/hub/{hub}")
    for index, source in enumerate(sources):
        entries += [
            f"- id: {source}",
            f"  title: Report number {index}",
            "  publisher: Corpus Press",
            f"  date: 2001-{index % 12 + 1:02d}",
            f"  url: https://example.org/reports/{index}",
        ]
    return entries


def _briefing_yaml(content: Path, title: str) -> None:
    (content / "pages" / "about.md").write_text(ABOUT, "utf-8")
    (content / "briefing.yaml").write_text(
        f"title: {title}\nsummary: A generated briefing for timing builds.\nas_of: 2002-01-01\n"
        "publisher: Bench\nlicence: CC0\nstate_of_play: |\n  Generated.\n" + NAVIGATION,
        "utf-8",
    )


def convert(raw: Path, content: Path) -> int:
    """Write the hub-linked briefing made from `raw` into `content` (replaced); return the corpus's page count."""
    _fresh(content)
    posts = sorted((raw / "posts").glob("*.md"))
    people = sorted((raw / "stakeholders").glob("*.md"))
    n_sources = max(len(posts) // 10, 1)
    sources = [f"source-{i:05d}" for i in range(n_sources)]
    person_ids = [p.stem for p in people]
    first_hub = HUB_STAKEHOLDERS[0][0]

    for index, path in enumerate(posts):
        fields, body = front_matter(path.read_text("utf-8"))
        body = LINK.sub(lambda m: f"[[{m.group(2)}|{m.group(1)}]]", body)
        first, _, rest = body.strip().partition("\n\n")
        source = sources[index % n_sources]
        second, _, rest = rest.partition("\n\n")  # the "## heading" line
        body = (
            f"{first} [@{source}; @{hub_source(index)}]\n\n{second}\n\n"
            f"As [[{first_hub}]] put it in its report [@{hub_source(index + 1)}]: {rest}\n"
        )
        summary = re.sub(r"[*`\[\]]", "", first.split(". ")[0]).strip().rstrip(".") + "."
        lines = ["---", f"title: {quoted(fields['title'])}", f"summary: {quoted(summary)}", "status: open"]
        lines.append("positions:")
        holders = hub_ids(index)
        if index % 50 == 0:
            holders += [person_ids[(index // 50 + k) % len(person_ids)] for k in (0, 1)]
        for number, holder in enumerate(dict.fromkeys(holders)):
            lines += [
                f"  - stakeholder: {holder}",
                "    stance: Supports the proposal with conditions.",
                f"    sources: [{hub_source(index + number)}, {source}]",
            ]
        if index + 1 < len(posts):
            lines.append(f"related: [{posts[index + 1].stem}]")
        lines.append("---")
        (content / "issues" / f"{path.stem}.md").write_text("\n".join(lines) + "\n" + body, "utf-8")

    for index, path in enumerate(people):
        fields, body = front_matter(path.read_text("utf-8"))
        body = LINK.sub(lambda m: f"[[{m.group(2)}|{m.group(1)}]]", body)
        lines = [
            "---",
            f"name: {quoted(fields['title'])}",
            "kind: person",
            "country: Utopia",
            "role: Stakeholder in the corpus",
        ]
        if index % 3 == 0:
            lines.append(f"affiliation: {HUB_STAKEHOLDERS[index % len(HUB_STAKEHOLDERS)][0]}")
        lines.append("---")
        (content / "stakeholders" / f"{path.stem}.md").write_text(
            "\n".join(lines) + "\n" + body.strip() + f" [@{sources[index % n_sources]}]\n", "utf-8"
        )
    _write_hub_stakeholders(content)

    events = []
    for index, path in enumerate(posts[::4]):
        fields, _ = front_matter(path.read_text("utf-8"))
        source = sources[index % n_sources]
        cited = [source, hub_source(index)] if index % 2 == 0 else [source]
        events += [
            f"- id: event-{index:05d}",
            f"  date: {fields['date'][:10]}",
            f"  title: Event {index} on {path.stem}",
            f"  summary: Something happened on [[{path.stem}]] [@{source}].",
            f"  issues: [{path.stem}]",
            f"  stakeholders: [{person_ids[index % len(person_ids)]}, {hub_ids(index)[0]}]",
            f"  sources: [{', '.join(cited)}]",
        ]
        if index % 25 == 0:
            events.append("  key: true")
    (content / "timeline.yaml").write_text("\n".join(events) + "\n", "utf-8")
    (content / "sources.yaml").write_text("\n".join(_source_entries(sources)) + "\n", "utf-8")

    quotes = []
    for index in range(len(posts) // 20):
        speaker = hub_ids(index)[0] if index % 2 == 0 else person_ids[index % len(person_ids)]
        quotes += [
            f"- id: quote-{index:05d}",
            f"  speaker: {speaker}",
            f"  text: Quotation number {index} from the corpus",
            f"  source: {sources[index % n_sources]}",
            "  date: 2001-05",
            f"  issues: [{posts[index * 20].stem}]",
        ]
    (content / "quotes.yaml").write_text("\n".join(quotes) + "\n", "utf-8")
    _briefing_yaml(content, "Benchmark briefing")
    return len(posts) + len(people)


EVENT_ISSUES = 12  # the issues every event of the events briefing bears on, in turn


def events_briefing(content: Path, n_events: int = 100_000) -> int:
    """A briefing of a few issues, the hub stakeholders and sources, and `n_events` events linked to them.

    Event k bears on one or two of EVENT_ISSUES issues, names one or two hub stakeholders and cites one or
    two hub sources; its summary links its issue and cites a source. Dates run a day apart from 1900-01-01
    (about 274 years for 100,000 events), one in a hundred is a key date. Returns the number of events."""
    _fresh(content)
    issues = [f"issue-{i:02d}" for i in range(EVENT_ISSUES)]
    for index, issue in enumerate(issues):
        positions = "".join(
            f"  - stakeholder: {hub}\n    stance: Takes part in every event.\n    sources: [{hub_source(index)}]\n"
            for hub in hub_ids(index)
        )
        text = (
            f"---\ntitle: Issue number {index}\nsummary: One of the issues every event bears on.\nstatus: open\n"
            f"positions:\n{positions}---\n"
            f"A generated issue that [[{HUB_STAKEHOLDERS[0][0]}]] follows [@{hub_source(index)}].\n"
        )
        (content / "issues" / f"{issue}.md").write_text(text, "utf-8")
    _write_hub_stakeholders(content)
    (content / "sources.yaml").write_text("\n".join(_source_entries([])) + "\n", "utf-8")
    (content / "quotes.yaml").write_text("[]\n", "utf-8")

    ordinal = date(1900, 1, 1).toordinal()
    lines = []
    for index in range(n_events):
        issue = issues[index % EVENT_ISSUES]
        bears_on = [issue] if index % 2 else [issue, issues[(index + 5) % EVENT_ISSUES]]
        people = hub_ids(index)[: 1 + index % 2]
        cited = [hub_source(index)] if index % 3 else [hub_source(index), hub_source(index + 1)]
        lines += [
            f"- id: event-{index:06d}",
            f"  date: {date.fromordinal(ordinal + index).isoformat()}",
            f"  title: Event number {index}",
            f"  summary: Something happened on [[{issue}]] [@{cited[0]}].",
            f"  issues: [{', '.join(bears_on)}]",
            f"  stakeholders: [{', '.join(people)}]",
            f"  sources: [{', '.join(cited)}]",
        ]
        if index % 100 == 0:
            lines.append("  key: true")
    (content / "timeline.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    _briefing_yaml(content, "Benchmark briefing of events")
    return n_events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", type=Path, nargs="+", help="RAW_DIR CONTENT_DIR, or CONTENT_DIR with --events")
    parser.add_argument("--events", type=int, help="write the events briefing of this many events instead")
    args = parser.parse_args()
    if args.events is not None:
        if len(args.paths) != 1:
            parser.error("--events takes one folder: CONTENT_DIR")
        count = events_briefing(args.paths[0], args.events)
        print(f"{count} events, briefing at {args.paths[0]}")
        return
    if len(args.paths) != 2:
        parser.error("give RAW_DIR CONTENT_DIR")
    count = convert(args.paths[0], args.paths[1])
    print(f"{count} pages in, briefing at {args.paths[1]}")


if __name__ == "__main__":
    main()
