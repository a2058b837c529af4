"""Segmentation for matching: rjieba search-mode tokens, lower-cased, without stopwords, single
characters or bare numbers, cached per distinct value (keywords, employers and honours repeat across
millions of profiles, so the cache turns a build into mostly dictionary look-ups)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import rjieba

from kexie.core.search import STOPWORDS

# Words that describe a request rather than its subject ("we hope an expert can help the company …").
# They occur in almost every need and in no expertise keyword, so they would only add noise.
REQUEST_WORDS = frozenset(
    "希望 需要 专家 我们 我司 公司 企业 目前 现在 问题 进行 提供 合作 项目 现有 主要 帮助 一起 可以 要求 方式 情况"
    " 能够 通过 已经 没有 还是 一些 一个 这个 以及 如何 什么 方面 寻求 寻找 开展 解决 合作方 委托 单位 左右"
    " 以上 以下 以内 不能 不够 比较 其中 同时 对于 关于 由于 因此 但是 并且 如果 可能 计划 想请 想找 我们的".split()
)
_DROP = STOPWORDS | REQUEST_WORDS

# Generic words: they name a kind of work every discipline does ("design", "analysis", "research", "technology",
# "application" …), so a match on them says nothing about who can help. They stay in the index (a profile that
# lists "数据分析" still matches "数据分析") but weigh little in the score and earn no credit in the "why". Beside
# this list, any term found in more than ``GENERIC_DF_SHARE`` of the profiles is generic too (index.generic_terms).
GENERIC_WORDS = frozenset(
    "设计 分析 研究 技术 应用 开发 方法 系统 工程 科学 科技 创新 研发 管理 服务 发展 建设 理论 实践 优化 提升 改进"
    " 改造 综合 工作 相关 领域 行业 产业 基础 关键 新型 现代 高效 先进 生产 产品 质量 效率 成本 水平 能力 体系 平台"
    " 标准".split()
)

# Field weights of a profile: a keyword an expert chose says more than a word of their employer's name.
FIELD_WEIGHTS: dict[str, float] = {
    "expertise": 3.0,
    "discipline": 1.5,
    "honours": 1.0,
    "bio": 1.0,
    "employer": 0.5,
}


def _keep(token: str) -> bool:
    if token in _DROP or token.isdigit():
        return False
    if len(token) == 1:
        return False
    return any(ch.isalnum() for ch in token)


@lru_cache(maxsize=500_000)
def tokens(value: str) -> tuple[str, ...]:
    """Search-mode tokens of one value (words and their meaningful sub-words), in order, repeats kept."""
    if not value:
        return ()
    out = []
    for raw in rjieba.cut_for_search(value):
        t = raw.strip().lower()
        if t and _keep(t):
            out.append(t)
    return tuple(out)


def text_tokens(text: str) -> list[str]:
    """Tokens of a free text (a need, a bio): segmented line by line so the cache stays useful."""
    out: list[str] = []
    for line in (text or "").splitlines():
        out.extend(tokens(line.strip()))
    return out


def weighted_terms(fields: Iterable[tuple[str, Iterable[str]]]) -> dict[str, float]:
    """Term frequencies of a profile, each occurrence counted with its field's weight."""
    tf: dict[str, float] = {}
    for field, values in fields:
        w = FIELD_WEIGHTS[field]
        for value in values:
            for t in tokens(value):
                tf[t] = tf.get(t, 0.0) + w
    return tf
