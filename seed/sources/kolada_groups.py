"""Kolada's municipality groups -> ``kolada_group`` and ``kolada_group_member`` rows.

Kolada publishes groups of kommuner to compare with (``/v3/municipality_groups``, filtered by title with
``?title=``): its "liknande kommuner" groups for each kommun, by verksamhet, among them. A group is
``{"id", "title", "members": [{"member_id", "member_title"}]}``.

Kolada's record has no field for whom or when a group was made; its titles say both: "Liknande
kommuner IFO, Arboga, 2024" is made for Arboga (which is not among its members: the group lists the
others) from 2024's figures. So the year is read from a title's last part and the kommun from the part
before it, only for a title that starts "Liknande kommuner" and only when that part is exactly a
kommun's name; otherwise each stays empty, never guessed. A group made for a kommun is compared with
that kommun alone; a group made for no one kommun with every kommun. A reload with ``--replace`` drops
the members Kolada no longer lists.

A row that cannot be read (not an object, an id or title missing or not a text, members not a list, a
member without a text id, the same group twice with different contents) is an error naming the page,
the row and the field, and nothing is written; a listing without a single group is refused. A member
jamfor does not know as a kommun (a region, a code jamfor lacks) is left out with a warning naming
it, as unknown kommunkoder in Kolada's data are: it could not count in a kommun mean anyway.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from urllib.parse import quote

import pandas as pd

from jamfor.errors import Findings, Problem
from jamfor.redact import redact_url
from jamfor.seed.cells import AreaIndex
from jamfor.seed.frames import SourceFrames, SourceRead
from jamfor.seed.reference import area_frame, reference_frames
from jamfor.seed.sources.kolada import ATTRIBUTION, SOURCE, note_cached, resolve_base_url, shown_value
from jamfor.seed.sources.kolada_http import KoladaHttp

GROUP_COLUMNS = ["group_id", "title", "year", "area_code"]
LIKE_PREFIX = "liknande kommuner"
MEMBER_COLUMNS = ["group_id", "area_code"]


def _text_problem(record: dict, name: str) -> str | None:
    """Why ``record[name]`` is not a non-empty text, or None when it is."""
    value = record.get(name)
    if not isinstance(value, str) or not value.strip():
        return f"a group {'without ' + name if value is None else 'whose ' + name + ' is not a text'}"
    return None


class _Groups:
    """Collects groups and their members from listing pages, checking each row's shape."""

    def __init__(self, areas: pd.DataFrame, findings: Findings) -> None:
        self.areas, self.findings = AreaIndex(areas), findings
        kommuner = areas[areas.level == "kommun"]
        self.kommuner = dict(zip(kommuner.name, kommuner.area_code))
        self.groups: dict[str, tuple[str, tuple[str, ...]]] = {}
        self.unknown: dict[str, set[str]] = {}

    def add_page(self, url: str, page: dict, cached: bool = False) -> bool:
        """Read one page's groups; returns whether every row could be read (only then is it cached)."""
        before = len(self.findings.problems)
        for index, row in enumerate(page["values"]):
            self._add(url, index, row)
        if cached:
            note_cached(self.findings, before)
        return len(self.findings.problems) == before

    def _add(self, url: str, index: int, row: object) -> None:
        if not isinstance(row, dict):
            self.findings.add("bad-group", "a group that is not a JSON object", file=url, row=index,
                              value=shown_value(row))
            return
        for name in ("id", "title"):
            problem = _text_problem(row, name)
            if problem:
                self.findings.add("bad-group", problem, file=url, row=index, column=name,
                                  value=shown_value(row.get(name)))
                return
        members = row.get("members")
        if not isinstance(members, list):
            self.findings.add("bad-group", "a group whose members are not a list", file=url, row=index,
                              column="members", value=shown_value(members))
            return
        codes = self._member_codes(url, index, row["id"], members)
        if codes is None:
            return
        group_id, entry = row["id"].strip(), (row["title"].strip(), codes)
        if self.groups.setdefault(group_id, entry) != entry:
            self.findings.add("duplicate", f"group {group_id} came twice with different titles or members",
                              file=url, row=index, column="id", value=group_id)

    def _member_codes(self, url: str, index: int, group_id: str, members: list) -> tuple[str, ...] | None:
        """The group's kommunkoder jamfor knows, sorted; None (the problem recorded) when a member
        cannot be read."""
        codes = set()
        for member in members:
            code = member.get("member_id") if isinstance(member, dict) else None
            if not isinstance(code, str) or not code.strip():
                self.findings.add("bad-member",
                                  "a member without a text member_id (a kommunkod, e.g. \"0114\")",
                                  file=url, row=index, column="members", value=shown_value(member))
                return None
            area_code = self.areas.from_code(code.strip())
            if area_code is None or self.areas.level[area_code] != "kommun":
                self.unknown.setdefault(group_id, set()).add(code.strip())
            else:
                codes.add(area_code)
        return tuple(sorted(codes))

    def frames(self) -> dict[str, pd.DataFrame]:
        groups = pd.DataFrame([(g, title, *made_for(title, self.kommuner))
                               for g, (title, _) in sorted(self.groups.items())], columns=GROUP_COLUMNS)
        groups["year"] = groups["year"].astype("Int64")
        members = pd.DataFrame([(g, code) for g, (_, codes) in sorted(self.groups.items()) for code in codes],
                               columns=MEMBER_COLUMNS)
        return {"kolada_group": groups, "kolada_group_member": members}

    def warnings(self) -> list[Problem]:
        """One warning naming the members left out, per group (at most ten groups, then a count)."""
        named = [f"{g}: {', '.join(sorted(codes))}" for g, codes in sorted(self.unknown.items())]
        if not named:
            return []
        more = f"; and {len(named) - 10} more groups" if len(named) > 10 else ""
        return [Problem("unknown-member", "members that are not kommuner jamfor knows were left out: "
                        f"{'; '.join(named[:10])}{more}")]


def made_for(title: str, kommuner: Mapping[str, str]) -> tuple[int | None, str | None]:
    """The year and the kommun (kommunkod, from ``kommuner``: name -> code) a "liknande kommuner" group's
    title names, each None when the title does not name it plainly:
    "Liknande kommuner, övergripande, Höör, 2025" -> (2025, "1267")."""
    parts = [part.strip() for part in title.split(",")]
    year = int(parts[-1]) if re.fullmatch(r"(19|20)\d\d", parts[-1]) else None
    if not title.casefold().startswith(LIKE_PREFIX) or len(parts) < (3 if year else 2):
        return year, None
    return year, kommuner.get(parts[-2] if year else parts[-1])


def groups_url(base_url: str, title: str = "") -> str:
    """Kolada's listing of municipality groups, only those whose title contains ``title`` if given."""
    url = f"{base_url}/municipality_groups"
    return f"{url}?title={quote(title)}" if title else url


def read_kolada_groups(http: KoladaHttp, *, title: str = "", base_url: str | None = None,
                       on_page: Callable[[str], None] | None = None) -> SourceRead:
    """Every page of Kolada's municipality groups (titles containing ``title``) into frames for
    ``jamfor.seed.load``. Raises ``BadInput`` for rows that cannot be read or an empty listing and
    ``KoladaError`` when Kolada keeps failing; either way nothing has been written."""
    url = groups_url(resolve_base_url(base_url), title)
    findings = Findings()
    groups = _Groups(area_frame(), findings)
    digest = hashlib.sha256()
    for page in http.pages(url, on_page, read=groups.add_page):
        digest.update(page.url.encode())
        digest.update(page.data)
    if findings.valid and not groups.groups:
        findings.add("no-groups", "Kolada lists no municipality group"
                     + (f" whose title contains {title!r}" if title else "") + "; nothing was written",
                     file=url)
    findings.raise_if_invalid()
    warnings = groups.warnings()
    if http.cache is not None and http.cache.problem:
        warnings.append(Problem("no-cache", http.cache.problem))
    frames = SourceFrames(source=SOURCE, source_ref=f"Kolada {redact_url(url)}: kommungrupper",
                          sha256=digest.hexdigest(), synthetic=False, tables=groups.frames(),
                          attribution=ATTRIBUTION)
    return SourceRead(frames, warnings, (reference_frames,))
