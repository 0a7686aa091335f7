#!/usr/bin/env python3
"""Count test cases in meson test logs: every TAP 'ok'/'not ok' line of a TAP test counts
as one case; a test without TAP lines counts once by its result. Prints 'P F' (passed,
failed) summed over the testlog.json files given, and on standard error one line per
failed case ("<log's build dir>: <test>: <case>"), so that the end of a long CI log
still says what failed."""

import json
import os
import re
import sys

TAP = re.compile(r"^(not ok|ok)\b(.*)$")
passed = failed = 0
failures = []
for path in sys.argv[1:]:
    build = os.path.basename(os.path.dirname(os.path.dirname(os.path.abspath(path))))
    with open(path) as f:
        for line in f:
            t = json.loads(line)
            name = "%s: %s" % (build, t.get("name", "?"))
            cases = [TAP.match(l) for l in (t.get("stdout") or "").splitlines()]
            cases = [m for m in cases if m]
            if cases:
                for m in cases:
                    if m.group(1) == "ok":
                        passed += 1
                    else:
                        failed += 1
                        failures.append("%s: not ok%s" % (name, m.group(2)))
                # A crash after some cases passed still fails the test as a whole.
                if t["result"] not in ("OK", "EXPECTEDFAIL", "SKIP") and \
                        all(m.group(1) == "ok" for m in cases):
                    failed += 1
                    failures.append("%s: %s after its cases" % (name, t["result"]))
            elif t["result"] in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif t["result"] != "SKIP":
                failed += 1
                failures.append("%s: %s" % (name, t["result"]))
print(passed, failed)
for f in failures:
    print(f, file=sys.stderr)
