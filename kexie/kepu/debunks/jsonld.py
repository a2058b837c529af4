"""schema.org ``ClaimReview`` of a published debunk (https://schema.org/ClaimReview, as fact-check readers and
search engines read it): the claim, the rating on a 1–4 scale (1 谣言 … 4 属实) with the verdict's words as
``alternateName``, the publishing organisation as author. ``script()`` escapes it as Django's ``json_script`` does
(``<``, ``>`` and ``&`` as ``\\u`` escapes), so no text of a claim can close the script element, in a
``<script type="application/ld+json">`` data block (never executed, so the CSP has nothing to allow)."""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from kexie.kepu.models import Debunk, Verdict

_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}
RATING: dict[str, int] = {Verdict.RUMOUR: 1, Verdict.MYTH: 2, Verdict.INACCURATE: 3, Verdict.TRUE: 4}


def claim_review(debunk: Debunk, url: str) -> dict[str, Any]:
    claim: dict[str, Any] = {"@type": "Claim"}
    if debunk.first_seen:
        claim["datePublished"] = debunk.first_seen.isoformat()
        claim["firstAppearance"] = {"@type": "CreativeWork", "datePublished": debunk.first_seen.isoformat()}
    published = timezone.localtime(debunk.published_at).date().isoformat() if debunk.published_at else None
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": debunk.claim,
        "reviewRating": {"@type": "Rating", "ratingValue": RATING.get(debunk.verdict, 1),
                         "bestRating": 4, "worstRating": 1, "alternateName": debunk.get_verdict_display()},
        "author": {"@type": "Organization", "name": debunk.org.name},
        "itemReviewed": claim,
        "inLanguage": "zh-CN",
    }
    if published:
        data["datePublished"] = published
    return data


def script(data: dict[str, Any]) -> SafeString:
    """The JSON-LD element, safe to put in a page as it is."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True).translate(_ESCAPES)
    return mark_safe(f'<script type="application/ld+json" id="claim-review">{text}</script>')  # noqa: S308 - escaped
