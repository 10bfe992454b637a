"""JSON-LD (schema.org) for the pages where it says something true: the site, issues, stakeholders."""

from __future__ import annotations

from typing import Any

from generator.model import Briefing, Issue, Stakeholder
from generator.urls import absolute, page_path

_ORGANISATION_TYPES = {"government": "GovernmentOrganization", "institution": "Organization", "group": "Organization"}


def _url(briefing: Briefing, path: str) -> dict[str, str]:
    base = briefing.config.base_url
    return {"url": absolute(base, path)} if base else {}


def article(briefing: Briefing, issue: Issue) -> dict[str, Any]:
    config = briefing.config
    return {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": issue.title,
        "description": issue.summary.text,
        "dateModified": config.as_of.iso,
        "inLanguage": config.language,
        "publisher": {"@type": "Organization", "name": config.publisher},
        "license": config.licence,
        **_url(briefing, page_path(issue, briefing.language)),
    }


def stakeholder(briefing: Briefing, entity: Stakeholder, name: str) -> dict[str, Any]:
    """`name`: what stands for its name (a slot the name is laid into: `views.PageText.name`)."""
    kind = "Person" if entity.kind_of == "person" else _ORGANISATION_TYPES[entity.kind_of]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": kind,
        "name": name,
        "description": entity.role,
        **_url(briefing, page_path(entity, briefing.language)),
    }
    if entity.kind_of == "person":
        data["jobTitle"] = entity.role
    return data
