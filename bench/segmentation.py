"""rjieba (Rust port) vs jieba (pure Python) on the texts kexie indexes: employer names, titles and
expertise keywords of generated people. Prints throughput of each, the ratio and how often the two
agree on the tokens. Run: .venv/bin/python bench/segmentation.py [--n 50000]"""

from __future__ import annotations

import argparse
import logging
import random
import time


def corpus(n: int, seed: int = 1) -> list[str]:
    from kexie.demo.data import expertise as EX
    from kexie.demo.data import orgs as OD

    rng = random.Random(seed)
    employers = [name for name, _ in OD.UNIVERSITIES + OD.INSTITUTES + OD.ENTERPRISES] + list(OD.HOSPITALS)
    terms = [t for ts in EX.EXPERTISE.values() for t in ts]
    return [
        f"{rng.choice(employers)} {' '.join(rng.sample(terms, 4))}".replace("{city}", "澜州")
        for _ in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50_000)
    args = parser.parse_args()
    import jieba
    import rjieba

    jieba.setLogLevel(logging.WARNING)
    texts = corpus(args.n)
    jieba.initialize()
    rjieba.cut("预热")
    results = {}
    for name, fn in (("rjieba", rjieba.cut_for_search), ("jieba", jieba.lcut_for_search)):
        start = time.perf_counter()
        out = [list(fn(t)) for t in texts]
        took = time.perf_counter() - start
        results[name] = (took, out)
        print(f"{name:7s} {args.n / took:12,.0f} texts/s  ({took:.2f} s)")
    agree = sum(set(a) == set(b) for a, b in zip(results["rjieba"][1], results["jieba"][1], strict=True))
    ratio = results["jieba"][0] / results["rjieba"][0]
    print(f"rjieba is {ratio:.1f}x jieba; identical token sets on {agree / args.n:.1%} of texts")


if __name__ == "__main__":
    import os
    import sys

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main()
