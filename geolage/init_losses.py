"""How many rows a configuration written by ``geolage init`` loses, and the loss limit it needs.

:func:`measure_losses` validates the sources of the configuration text exactly as
``geolage validate`` would; :func:`limit_lines` writes what was lost per source and, when a
source loses more than the default ``validation.max_rejected_share`` for a reason that lies in
the data (rows without a place, duplicates), a higher limit with that reason. A loss for any
other reason (an unreadable date, a wrong CRS, an unknown code) keeps the default, so that
``geolage validate`` stops and explains it.
"""

from __future__ import annotations

import logging
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .config import ValidationConfig, config_from_dict
from .errors import GeolageError
from .text.format import format_number, format_percent
from .text.init import TEXTS as T
from .text.labels import REJECT_REASON_LABELS

__all__ = ["SourceLoss", "DATA_REASONS", "measure_losses", "needed_limit", "limit_lines"]

log = logging.getLogger(__name__)

#: Reject reasons that lie in the data, not in the configuration, grouped by the words that explain them.
DATA_REASONS: dict[str, tuple[str, ...]] = {
    "no_place": ("zero_coordinates", "missing_coordinates"),
    "duplicate": ("duplicate_exact", "duplicate_near"),
}
#: ``validation.max_rejected_share`` when the configuration does not set it.
DEFAULT_LIMIT = ValidationConfig.max_rejected_share


@dataclass
class SourceLoss:
    """Rows of one source rejected when its configuration is validated."""

    source: str
    read: int
    rejected: int
    by_reason: dict[str, int] = field(default_factory=dict)

    @property
    def share(self) -> float:
        """Rejected share of the rows read (0 for an empty source)."""
        return self.rejected / self.read if self.read else 0.0

    def share_of(self, reasons: tuple[str, ...]) -> float:
        """Share of the rows read rejected for one of ``reasons``."""
        return sum(self.by_reason.get(r, 0) for r in reasons) / self.read if self.read else 0.0

    @property
    def data_share(self) -> float:
        """Share of the rows read rejected for a reason that lies in the data (:data:`DATA_REASONS`)."""
        return self.share_of(tuple(r for group in DATA_REASONS.values() for r in group))


def measure_losses(text: str, base: str | Path) -> list[SourceLoss] | None:
    """Validate the sources of a configuration text as ``geolage validate`` would.

    Parameters
    ----------
    text : str
        The TOML ``geolage init`` writes.
    base : str or Path
        The folder the configuration will be saved in (relative paths start there).

    Returns
    -------
    list of SourceLoss or None
        One per source, in the configuration's order; None when the configuration does not run
        as written (a TODO left, a file that cannot be read): the reason is logged.
    """
    from .run.prepare import read_areas
    from .validate import validate_incidents

    try:
        config = config_from_dict(tomllib.loads(text), base_dir=base)
        districts, _, area = read_areas(config)
        outcome = validate_incidents(config, districts, area)
    except (GeolageError, tomllib.TOMLDecodeError) as exc:
        log.info("init: the losses were not measured: %s", exc)
        return None
    return [
        SourceLoss(name, int(s["read"]), int(s["rejected"]), {k: int(v) for k, v in s["rejected_by_reason"].items()})
        for name, s in outcome.quality["per_source"].items()
    ]


def needed_limit(loss: SourceLoss, default: float = DEFAULT_LIMIT) -> float | None:
    """The loss limit a source needs, when its loss over ``default`` lies in the data.

    Parameters
    ----------
    loss : SourceLoss
    default : float
        The limit without a ``[validation]`` section.

    Returns
    -------
    float or None
        ``default`` when the source loses at most that; the next whole per cent above its share
        when it loses more but the rows lost for other reasons are within ``default``; None
        when other reasons alone lose more than ``default`` (the configuration needs fixing).
    """
    if loss.share <= default:
        return default
    if loss.share - loss.data_share > default:
        return None
    return (math.floor(loss.share * 100 + 1e-9) + 1) / 100


def _pct(x: float, lang: str) -> str:
    return format_percent(x, lang, 1, share=True)


def _whole(x: float, lang: str) -> str:
    return format_percent(x, lang, 0, share=True)


def _reasons(loss: SourceLoss, lang: str) -> str:
    top = sorted(loss.by_reason.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    if not top:
        return ""
    words = [f"{format_number(n, lang)} {REJECT_REASON_LABELS[r][lang] if r in REJECT_REASON_LABELS else r}"
             for r, n in top]
    return ": " + ", ".join(words)


def limit_lines(losses: list[SourceLoss] | None, language: str) -> list[str]:
    """The configuration's lines about the measured losses: comments and, when needed, ``[validation]``.

    Parameters
    ----------
    losses : list of SourceLoss or None
        From :func:`measure_losses` (None: not measured).
    language : {"sv", "en"}

    Returns
    -------
    list of str
        Comment lines (``#``); a ``[validation]`` section with ``max_rejected_share`` and its
        reason when a source's loss lies in the data; a ``TODO`` line for a source that loses
        more than the default for another reason.
    """
    t = {k: v[language] for k, v in T.items()}
    default = _whole(DEFAULT_LIMIT, language)
    if losses is None:
        return [f"# {line}" for line in t["losses_unmeasured"].split("\n")]
    lines = [f"# {t['losses_head']}"]
    for loss in losses:
        lines.append("#   " + t["loss_line"].format(
            source=loss.source, rejected=format_number(loss.rejected, language),
            read=format_number(loss.read, language), share=_pct(loss.share, language),
            reasons=_reasons(loss, language)))
    lines.append(f"# {t['loss_rule'].format(limit=default)}")
    limit, why_lines = DEFAULT_LIMIT, []
    for loss in losses:
        need = needed_limit(loss)
        if need is None:
            top = max(((r, n) for r, n in loss.by_reason.items()
                       if not any(r in g for g in DATA_REASONS.values())), key=lambda kv: kv[1])[0]
            word = REJECT_REASON_LABELS[top][language] if top in REJECT_REASON_LABELS else top
            text = t["loss_todo"].format(source=loss.source, share=_pct(loss.share, language), reason=word,
                                         limit=default)
            lines += [f"# TODO: {line}" if i == 0 else f"# {line}" for i, line in enumerate(text.split("\n"))]
        elif need > DEFAULT_LIMIT:
            why = [t[f"why_{g}"].format(share=_pct(loss.share_of(r), language))
                   for g, r in DATA_REASONS.items() if loss.share_of(r) > 0]
            why_lines.append((loss, why))
            limit = max(limit, need)
    if why_lines:
        lines += ["[validation]"]
        for loss, why in why_lines:
            lines.append("# " + t["loss_raised"].format(default=default, limit=_whole(limit, language),
                                                        source=loss.source, share=_pct(loss.share, language)))
            lines += [f"#   {w}" for w in why]
        lines.append(f"max_rejected_share = {limit:.2f}")
    return lines
