#!/usr/bin/env python3
"""Build the list of common lower-case words the name finder ships: ``factflow/common-words.txt.gz``.

    python scripts/build_common_words.py                 # write it (reads ../shared/data/checkworthy/train.tsv)
    python scripts/build_common_words.py --check         # exit 1 when the shipped file differs from a fresh build
    python scripts/build_common_words.py --train PATH    # another copy of train.tsv

Why: a capital at the start of a sentence says nothing about a name. "Amazingly, ...", "Human sources
say ...", "Revenues up 5%" began names (and got Wikipedia links) because no short list of ordinary
sentence openers can hold every adjective, adverb, noun and verb. The name finder needs to know which
words are ordinary words, and the text itself says so: a word that, *inside* sentences, is written in
lower case far more often than with a capital ("human": 60 to 0) is an ordinary word; one written with a
capital ("russia": 0 to 103, "simpson": 0 to 10, "general": 52 to 61) is a name, or may be one.

The counts come from the ClaimBuster "crowdsourced" sentences (``train.tsv``: US presidential debates
1960-2016; Arslan et al., ICWSM 2020, CC BY 4.0; see NOTICE). A word is listed when it appears inside
sentences at least :data:`MIN_LOWER` times in lower case and at least :data:`RATIO` times as often in
lower case as capitalised. Sorted, one a line, gzip'd without a timestamp: a build from the same file is
byte-identical (``tests/test_names.py`` checks the shipped file against a fresh build when the data is there).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS = ROOT / "factflow" / "common-words.txt.gz"
DEFAULT_TRAIN = ROOT.parent / "shared" / "data" / "checkworthy" / "train.tsv"

#: Lower-case uses inside sentences a word needs at least.
MIN_LOWER = 3
#: How many times more often in lower case than capitalised, inside sentences.
RATIO = 4
_WORD = re.compile(r"[A-Za-z][a-z’'-]*[a-z]|[A-Za-z]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def build(train: Path) -> bytes:
    """The gzip'd list, from a copy of ``train.tsv``."""
    lower: Counter[str] = Counter()
    capital: Counter[str] = Counter()
    with train.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            for sentence in _SENTENCE_END.split(row["Text"]):
                for word in _WORD.findall(sentence)[1:]:  # the first word is capitalised whatever it is
                    if word.islower():
                        lower[word] += 1
                    elif word[0].isupper() and word[1:].islower():
                        capital[word.lower()] += 1
    words = sorted(w for w, n in lower.items() if n >= MIN_LOWER and n >= RATIO * capital[w])
    return gzip.compress("\n".join(words).encode("utf-8") + b"\n", compresslevel=9, mtime=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=DEFAULT_TRAIN, help="The ClaimBuster train.tsv.")
    parser.add_argument("--check", action="store_true", help="Compare the shipped file with a fresh build; write nothing.")
    args = parser.parse_args()
    if not args.train.is_file():
        sys.exit(f"{args.train}: not found (the ClaimBuster train.tsv; see ../shared/data/checkworthy/NOTICE.md)")
    built = build(args.train)
    if args.check:
        same = WORDS.is_file() and gzip.decompress(WORDS.read_bytes()) == gzip.decompress(built)
        print(f"{WORDS.relative_to(ROOT)}: {'up to date' if same else 'differs from a fresh build (run scripts/build_common_words.py)'}")
        sys.exit(0 if same else 1)
    WORDS.write_bytes(built)
    print(f"wrote {WORDS.relative_to(ROOT)}: {len(gzip.decompress(built).splitlines()):,} words, {len(built):,} bytes")


if __name__ == "__main__":
    main()
