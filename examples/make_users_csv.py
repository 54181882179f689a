"""Writes examples/users.csv: a realistic HR export of a few thousand people in
JumpCloud's import template (groups, attributes, quoting). Deterministic.

    python examples/make_users_csv.py [rows=3000] [path=examples/users.csv]
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

FIRST = ["Alice", "Bob", "Carmen", "Dmitri", "Erin", "Farah", "Gustavo", "Hana", "Ivan", "Jia", "Kofi", "Lena",
         "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen", "Yara", "Zoe"]
LAST = ["Ng", "Okafor", "Diaz", "Ivanov", "Walsh", "Haddad", "Pereira", "Sato", "Novak", "Li", "Mensah", "Berg",
        "García", "Kowalski", "Rahman", "Iyer", "O'Brien", "Silva", "Lund", "Aziz", "Patel", "Horvat", "Chen"]
DEPARTMENTS = {"Engineering": ["engineering", "vpn"], "IT": ["it", "vpn", "admins"], "Finance": ["finance"],
               "Sales": ["sales", "vpn"], "Support": ["support"], "Legal": ["legal"]}
TITLES = {"Engineering": ["SRE", "Backend engineer", "Frontend engineer", "Engineering manager"],
          "IT": ["IT lead", "Help desk", "Systems administrator"], "Finance": ["Controller", "Accountant"],
          "Sales": ["Account executive", "Sales engineer"], "Support": ["Support engineer"], "Legal": ["Counsel"]}
LOCATIONS = ["Berlin", "Lagos", "São Paulo", "Toronto", "Tokyo, Shibuya", "Austin"]


def main(rows: int, path: Path) -> None:
    rng = random.Random(2026)
    header = ["FirstName", "LastName", "Username", "Email", "JobTitle", "Department", "EmployeeIdentifier",
              "Location", "CostCenter", "state", "sudo", "Attribute1_name", "Attribute1_value", "Group1",
              "Group2", "Group3"]
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\r\n")
        out.writerow(header)
        for i in range(rows):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            dept = rng.choice(list(DEPARTMENTS))
            username = f"{first[0]}{last}".lower().replace("'", "").replace("í", "i") + str(i)
            groups = (DEPARTMENTS[dept] + ["", "", ""])[:3]
            out.writerow([first, last, username, f"{username}@acme.com", rng.choice(TITLES[dept]), dept,
                          f"E{10000 + i}", rng.choice(LOCATIONS), f"CC-{rng.randint(100, 140)}",
                          "suspended" if rng.random() < 0.03 else "active", "true" if dept == "IT" else "false",
                          "shirt_size", rng.choice(["S", "M", "L", "XL"]), *groups])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000,
         Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).with_name("users.csv"))
