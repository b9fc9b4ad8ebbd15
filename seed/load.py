"""One transactional, idempotent load of a source's frames, with provenance.

Everything a load writes — the batch row, the rows of every table, the derived comparison tables —
happens in one transaction: a failure anywhere (bad row, lost connection, killed process) leaves the
previous data as it was. Loads into one warehouse take turns (``jamfor.seed.db.serialize_loads``):
two at once both succeed, one after the other.

An input is what it holds, not what it is called: Socialstyrelsen and SKR reuse file names across
years and kommuner, so two files named ``oj_lss.xlsx`` are two inputs. Replacement rules, so
re-running is safe and nothing is lost:
- a row whose primary key the warehouse already holds is replaced by the newer one, except that
  synthetic (demo) rows never replace real rows, and a source never replaces the rows of the sources it
  yields to (``SourceFrames.yields_to``: Kolada yields to the published figures); every other row stays;
- only with ``replace=True`` (the CLI's ``--replace``) are rows removed that earlier batches of the
  same (source, source_ref) supplied and this load no longer does;
- a load whose rows are identical to a batch that still holds them all is skipped, leaving every
  table as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import NamedTuple

import pandas as pd
from sqlalchemy import and_, bindparam, exists, func, select
from sqlalchemy.engine import Connection, Engine

from jamfor import __version__
from jamfor.errors import BadInput, Problem
from jamfor.seed.bulk import insert_rows
from jamfor.seed.db import serialize_loads
from jamfor.seed.derive import Touched, rebuild_derived
from jamfor.seed.frames import SourceFrames, records
from jamfor.seed.schema import create_all, load_batch, metadata


@dataclass(frozen=True)
class LoadResult:
    batch_id: int
    rows: int
    skipped: int
    unchanged: bool


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _is_referenced(table_name: str) -> bool:
    """Whether another table has a foreign key to this one (then rows are updated, not re-inserted)."""
    return any(
        fk.column.table.name == table_name
        for other in metadata.tables.values()
        if other.name != table_name
        for fk in other.foreign_keys
    )


def _rows_held(conn: Connection, batch_id: int, tables: list[str]) -> int:
    return sum(
        conn.execute(
            select(func.count()).select_from(metadata.tables[name])
            .where(metadata.tables[name].c.batch_id == batch_id)
        ).scalar_one()
        for name in tables
    )


def _unchanged_batch(conn: Connection, frames: SourceFrames, content: str, earlier: list[int],
                     replace: bool) -> int | None:
    """The batch that already holds exactly these rows, if there is one (whatever its name).

    With ``replace`` the load is only a no-op when no other batch of this name still holds rows:
    those are what a replacing load removes."""
    latest = conn.execute(
        select(load_batch.c.batch_id, load_batch.c.rows)
        .where(load_batch.c.source == frames.source, load_batch.c.content_sha256 == content,
               load_batch.c.finished_at.isnot(None))
        .order_by(load_batch.c.batch_id.desc())
        .limit(1)
    ).first()
    if latest is None or _rows_held(conn, latest.batch_id, list(frames.tables)) != latest.rows:
        return None
    if replace and any(_rows_held(conn, b, list(frames.tables)) for b in earlier if b != latest.batch_id):
        return None
    return latest.batch_id


def _earlier_batches(conn: Connection, frames: SourceFrames) -> list[int]:
    """Batches of the same source and name: what ``replace=True`` may remove rows of."""
    return list(conn.execute(
        select(load_batch.c.batch_id)
        .where(load_batch.c.source == frames.source, load_batch.c.source_ref == frames.source_ref)
    ).scalars())


def _existing_keys(conn: Connection, table, pk: list[str], frame: pd.DataFrame | None) -> pd.DataFrame:
    """Keys the warehouse holds; given the batch's frame, only those sharing its values of the first
    key column (its indicators, say), not every key of a national warehouse."""
    query = (
        select(*[table.c[c] for c in pk], table.c.batch_id, load_batch.c.synthetic,
               load_batch.c.source.label("batch_source"))
        .select_from(table.join(load_batch, table.c.batch_id == load_batch.c.batch_id))
    )
    first = None if frame is None else frame[pk[0]].drop_duplicates()
    if first is not None and len(first) <= 1000:
        query = query.where(table.c[pk[0]].in_([v.item() if hasattr(v, "item") else v for v in first]))
    rows = conn.execute(query).fetchall()
    frame = pd.DataFrame(rows, columns=[*pk, "batch_id", "synthetic", "batch_source"])
    frame["synthetic"] = frame["synthetic"].astype(bool)
    return frame


def _pk_where(table, pk: list[str]):
    return and_(*[table.c[c] == bindparam(f"pk_{c}") for c in pk])


class _Written(NamedTuple):
    rows: int  # rows written
    protected: int  # rows skipped because real data or a source this one yields to holds them
    stale: pd.DataFrame  # parent keys the earlier load had and this one lacks; deleted after children
    replaced_batches: frozenset[int]  # batches whose rows these replaced


def _write_table(conn: Connection, name: str, frame: pd.DataFrame, batch_id: int,
                 synthetic: bool, earlier: list[int], yields_to: tuple[str, ...] = ()) -> _Written:
    """Write one table's rows."""
    table = metadata.tables[name]
    pk = [c.name for c in table.primary_key.columns]
    unknown = sorted(set(frame.columns) - set(table.c.keys()))
    if unknown:
        raise BadInput(f"table {name}: columns not in the schema: {', '.join(unknown)}")
    dupes = frame.duplicated(subset=pk, keep=False)
    if dupes.any():
        first = frame.loc[dupes, pk].iloc[0].to_dict()
        raise BadInput(f"table {name}: the same key appears twice in one load: {first}")
    referenced = _is_referenced(name)
    if earlier and not referenced:
        conn.execute(table.delete().where(table.c.batch_id.in_(earlier)))
    existing = _existing_keys(conn, table, pk, None if referenced else frame)
    merged = frame.merge(existing, on=pk, how="left", indicator=True)
    held = (merged["_merge"] == "both").to_numpy()
    protected = held & ((merged["synthetic"].eq(False).to_numpy() & synthetic)
                        | merged["batch_source"].isin(yields_to).to_numpy())
    incoming = frame[~protected].assign(batch_id=batch_id)
    replacing = held[~protected]
    replace_rows, new_rows = incoming[replacing], incoming[~replacing]
    if referenced:
        if len(replace_rows):
            params = [{**{f"pk_{c}": r[c] for c in pk}, **r} for r in records(replace_rows)]
            values = {c: bindparam(c) for c in incoming.columns if c not in pk}
            conn.execute(table.update().where(_pk_where(table, pk)).values(values), params)
        stale = existing[existing.batch_id.isin(earlier)].merge(frame[pk], on=pk, how="left",
                                                                  indicator=True)
        stale = stale.loc[stale["_merge"] == "left_only", pk]
    else:
        stale = frame.iloc[0:0][pk]
        if len(replace_rows):
            conn.execute(table.delete().where(_pk_where(table, pk)),
                         [{f"pk_{c}": r[c] for c in pk} for r in records(replace_rows[pk])])
    insert_rows(conn, table, new_rows if referenced else incoming)
    replaced = frozenset(map(int, merged.loc[held & ~protected, "batch_id"].drop_duplicates()))
    return _Written(len(incoming), int(protected.sum()), stale, replaced)


def _delete_unreferenced(conn: Connection, name: str, keys: pd.DataFrame) -> None:
    """Delete parent rows an input no longer has, unless another input's rows still point at them."""
    if keys.empty:
        return
    table = metadata.tables[name]
    pk = list(keys.columns)
    unused = [
        ~exists().where(and_(*[fk.parent == fk.column for fk in child.foreign_keys
                               if fk.column.table is table]))
        for child in metadata.tables.values()
        if child is not table and any(fk.column.table is table for fk in child.foreign_keys)
    ]
    conn.execute(table.delete().where(_pk_where(table, pk), *unused),
                 [{f"pk_{c}": r[c] for c in pk} for r in records(keys)])


def load(engine: Engine, frames: SourceFrames, *, force: bool = False, replace: bool = False,
         on_wait: Callable[[], None] | None = None) -> LoadResult:
    """Write a source's frames and rebuild the derived tables, all in one transaction.

    Rows with a key the frames hold are replaced; with ``replace`` also the rows earlier batches of
    the same (source, source_ref) supplied and these frames do not are removed. ``on_wait`` is
    called when another load holds the warehouse and this one waits for it.

    Frames without a row are refused before the warehouse is touched: a read that found nothing is
    never a load, and with ``replace`` it would remove every row earlier loads of the name hold."""
    _refuse_empty(frames)
    return load_all(engine, [frames], force=force, replace=replace, on_wait=on_wait)[0]


def load_all(engine: Engine, sources: Iterable[SourceFrames], *, force: bool = False,
             replace: bool = False, on_wait: Callable[[], None] | None = None,
             derive_each: bool = False) -> list[LoadResult]:
    """``load`` for several sources in one transaction, the derived tables rebuilt once at the end.

    A seed of five shipped sources lands whole or not at all, and computes the comparison tables once
    instead of after each source. ``sources`` is read lazily, inside the transaction, so a caller can
    report progress as each one is built. With ``derive_each`` the derived tables are rebuilt after
    each source instead (the parts of one read touch different indicators, so the work is the same):
    a part read ahead in another process is then read while its predecessor's comparison is computed."""
    results: list[LoadResult] = []
    touched = Touched()
    with engine.begin() as conn:
        serialize_loads(conn, on_wait)
        create_all(conn)
        for frames in sources:
            _refuse_empty(frames)
            result, changed = _write_source(conn, frames, force, replace)
            results.append(result)
            if derive_each and not result.unchanged:
                rebuild_derived(conn, changed)
            touched = touched | changed
            del frames  # not held while the next source is read: memory is one source's, not two
        if not derive_each and any(not result.unchanged for result in results):
            rebuild_derived(conn, touched)
    return results


def _refuse_empty(frames: SourceFrames) -> None:
    if frames.row_count == 0:
        raise BadInput(Problem("no-rows", "the read found no row to load; nothing was written",
                               file=frames.source_ref))


def _write_source(conn: Connection, frames: SourceFrames, force: bool, replace: bool
                  ) -> tuple[LoadResult, Touched]:
    """One source's batch and rows, and what they touched (the derive step's input)."""
    content = frames.fingerprint()
    earlier = _earlier_batches(conn, frames)
    if not force:
        unchanged = _unchanged_batch(conn, frames, content, earlier, replace)
        if unchanged is not None:
            return LoadResult(unchanged, 0, 0, unchanged=True), Touched()
    if not replace:
        earlier = []
    touched = Touched.of_frames(frames.tables) | Touched.of_batches(conn, earlier)
    batch_id = conn.execute(
        load_batch.insert().values(
            source=frames.source, source_ref=frames.source_ref, sha256=frames.sha256,
            content_sha256=content, started_at=_now(), rows=0, synthetic=frames.synthetic,
            jamfor_version=__version__, attribution=frames.attribution,
        )
    ).inserted_primary_key[0]
    done = {name: _write_table(conn, name, frames.tables[name], batch_id, frames.synthetic,
                               earlier, frames.yields_to) for name in _write_order(frames)}
    for name in reversed(_write_order(frames)):
        _delete_unreferenced(conn, name, done[name].stale)
    written = sum(w.rows for w in done.values())
    conn.execute(load_batch.update().where(load_batch.c.batch_id == batch_id)
                 .values(finished_at=_now(), rows=written))
    batches = frozenset({batch_id}).union(*(w.replaced_batches for w in done.values()))
    skipped = sum(w.protected for w in done.values())
    return LoadResult(batch_id, written, skipped, unchanged=False), touched | Touched(batches=batches)


def _write_order(frames: SourceFrames) -> list[str]:
    """Parents before children, so foreign keys hold at every statement."""
    order = [t.name for t in metadata.sorted_tables]
    return sorted(frames.tables, key=order.index)
