"""Turn the benchmark's `raw` corpus (../shared/bench/make_corpus.py) into a briefing.

The Markdown bodies stay as the peers build them, except that their root-relative links between pages
become our `[[id|label]]` links (so they are checked and resolved like any briefing's), and each body
gains one citation. Posts become issues, stakeholder pages become stakeholders; a timeline (one event for
every four posts), sources and quotations are generated so that everything cross-links: every event names
an issue, a stakeholder and a source; one issue in fifty carries positions, as real briefings hold a few
dozen contested issues, not thousands.

Usage: python bench/corpus.py RAW_DIR CONTENT_DIR
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

LINK = re.compile(r"\[([^\]]+)\]\(/(?:posts|stakeholders)/([a-z0-9-]+)/\)")
FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)


def front_matter(text: str) -> tuple[dict[str, str], str]:
    match = FRONT.match(text)
    assert match, "raw corpus pages start with front matter"
    fields = {}
    for line in match.group(1).splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip().strip('"')
    return fields, text[match.end() :]


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def convert(raw: Path, content: Path) -> int:
    if content.exists():
        shutil.rmtree(content)
    for sub in ("issues", "stakeholders", "pages"):
        (content / sub).mkdir(parents=True)
    posts = sorted((raw / "posts").glob("*.md"))
    people = sorted((raw / "stakeholders").glob("*.md"))
    n_sources = max(len(posts) // 10, 1)
    sources = [f"source-{i:05d}" for i in range(n_sources)]
    person_ids = [p.stem for p in people]

    for index, path in enumerate(posts):
        fields, body = front_matter(path.read_text("utf-8"))
        body = LINK.sub(lambda m: f"[[{m.group(2)}|{m.group(1)}]]", body)
        first, _, rest = body.strip().partition("\n\n")
        source = sources[index % n_sources]
        body = f"{first} [@{source}]\n\n{rest}\n"
        summary = re.sub(r"[*`\[\]]", "", first.split(". ")[0]).strip().rstrip(".") + "."
        lines = ["---", f"title: {quoted(fields['title'])}", f"summary: {quoted(summary)}", "status: open"]
        if index % 50 == 0:
            holders = [person_ids[(index // 50 + k) % len(person_ids)] for k in (0, 1)]
            lines.append("positions:")
            for holder in dict.fromkeys(holders):
                lines += [
                    f"  - stakeholder: {holder}",
                    "    stance: Supports the proposal with conditions.",
                    f"    sources: [{source}]",
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
            "---",
        ]
        (content / "stakeholders" / f"{path.stem}.md").write_text(
            "\n".join(lines) + "\n" + body.strip() + f" [@{sources[index % n_sources]}]\n", "utf-8"
        )

    events = []
    for index, path in enumerate(posts[::4]):
        fields, _ = front_matter(path.read_text("utf-8"))
        date = fields["date"][:10]
        events += [
            f"- id: event-{index:05d}",
            f"  date: {date}",
            f"  title: Event {index} on {path.stem}",
            f"  summary: Something happened on [[{path.stem}]] [@{sources[index % n_sources]}].",
            f"  issues: [{path.stem}]",
            f"  stakeholders: [{person_ids[index % len(person_ids)]}]",
            f"  sources: [{sources[index % n_sources]}]",
        ]
        if index % 25 == 0:
            events.append("  key: true")
    (content / "timeline.yaml").write_text("\n".join(events) + "\n", "utf-8")

    entries = []
    for index, source in enumerate(sources):
        entries += [
            f"- id: {source}",
            f"  title: Report number {index}",
            "  publisher: Corpus Press",
            f"  date: 2001-{index % 12 + 1:02d}",
            f"  url: https://example.org/reports/{index}",
        ]
    (content / "sources.yaml").write_text("\n".join(entries) + "\n", "utf-8")

    quotes = []
    for index in range(len(posts) // 20):
        quotes += [
            f"- id: quote-{index:05d}",
            f"  speaker: {person_ids[index % len(person_ids)]}",
            f"  text: Quotation number {index} from the corpus",
            f"  source: {sources[index % n_sources]}",
            "  date: 2001-05",
            f"  issues: [{posts[index * 20].stem}]",
        ]
    (content / "quotes.yaml").write_text("\n".join(quotes) + "\n", "utf-8")

    (content / "pages" / "about.md").write_text("---\ntitle: About\n---\nA benchmark briefing.\n", "utf-8")
    (content / "briefing.yaml").write_text(
        "title: Benchmark briefing\nsummary: A generated briefing for timing builds.\nas_of: 2002-01-01\n"
        "publisher: Bench\nlicence: CC0\nstate_of_play: |\n  Generated.\n"
        "navigation: [issues, stakeholders, timeline, positions, sources, about]\n",
        "utf-8",
    )
    return len(posts) + len(people)


if __name__ == "__main__":
    count = convert(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{count} pages in, briefing at {sys.argv[2]}")
