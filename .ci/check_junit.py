"""CI gate over pytest's junit xml files: every run ran tests, none failed, and no
integration test was skipped (except "identity:" skips, which the other identity runs)
or xfailed (a known-missing feature is not green).

    python3 .ci/check_junit.py RESULTS_DIR/root.xml RESULTS_DIR/<user>.xml
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET


def problems(path: str) -> list[str]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        return [f"{path}: unreadable junit xml ({exc})"]
    out: list[str] = []
    cases = root.findall(".//testcase")
    if not cases:
        out.append(f"{path}: no tests ran")
    for case in cases:
        name = f"{case.get('classname')}::{case.get('name')}"
        if case.find("failure") is not None or case.find("error") is not None:
            out.append(f"{path}: FAILED {name}")
        skipped = case.find("skipped")
        if skipped is None or ".integration." not in f".{case.get('classname', '')}.":
            continue
        message = skipped.get("message", "")
        kind = "XFAIL" if skipped.get("type") == "pytest.xfail" else "SKIPPED"
        if kind == "XFAIL" or not message.removeprefix("Skipped: ").startswith("identity:"):
            out.append(f"{path}: {kind} integration test {name}: {message}")
    return out


def main(paths: list[str]) -> int:
    found = [p for path in paths for p in problems(path)]
    for line in found:
        print(line, file=sys.stderr)
    if not found:
        print(f"junit check: ok ({', '.join(paths)})")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
