"""The straightforward approach the importer is measured against.

pandas read_csv, a per-row apply of phonenumbers.parse / is_valid_number /
format_number, then to_csv of the accepted, rejected and duplicate rows.

    python bench/baseline.py IN.csv OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import phonenumbers


def e164(value: str) -> str | None:
    """Normalize one phone, or None when it is not a valid number."""
    try:
        number = phonenumbers.parse(value.removeprefix("p:"), "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def main() -> None:
    """Read, normalize, split and write."""
    source, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    frame["phone_e164"] = frame["phone"].apply(e164)
    valid = frame[frame["phone_e164"].notna()]
    duplicate = valid["phone_e164"].duplicated()
    valid[~duplicate].to_csv(out / "accepted.csv", index=False)
    valid[duplicate].to_csv(out / "duplicates.csv", index=False)
    frame[frame["phone_e164"].isna()].to_csv(out / "rejected.csv", index=False)


if __name__ == "__main__":
    main()
