"""9. Limitations: what the data and methods cannot say, and how much of the data could be placed."""

from __future__ import annotations

from ..blocks import Block, bullets
from ..context import ReportContext

__all__ = ["limitations"]


def _placed(ctx: ReportContext) -> list[str]:
    """The share of offences with a usable position, and of rows read that could be used."""
    t = ctx.t
    q = ctx.r.quality or {}
    items = []
    share = q.get("geocoded_share")
    if isinstance(share, int | float) and not isinstance(share, bool):
        items.append(t["limit_geocoded"].format(share=ctx.pct(share, 1, share=True)))
    per_source = q.get("per_source") or {}
    try:
        read = sum(float(s.get("read", 0) or 0) for s in per_source.values())
        acc = sum(float(s.get("accepted", 0) or 0) for s in per_source.values())
    except (AttributeError, TypeError, ValueError):
        read = acc = 0
    if read > 0:
        items.append(t["limit_geocoding"].format(read=ctx.num(read), acc=ctx.num(acc),
                                                 share=ctx.pct(acc / read, 1, share=True)))
    return items


def limitations(ctx: ReportContext) -> list[Block]:
    """The limitations section: the synthetic-data note, the general limitations, the share placed."""
    synthetic = [ctx.t["synthetic_note"]] if ctx.r.config.project.synthetic else []
    return [bullets([*synthetic, *ctx.limits(), *_placed(ctx)])]
