"""pip-audit of the locked dependencies, reported in the test run.

Exports uv.lock as pinned requirements, asks the PyPI vulnerability service through pip-audit
and prints what it found. Known vulnerabilities fail the run. When the service cannot be
reached (machines that see only a package mirror), nothing could be audited: that is printed
loudly and does not fail the run, since no answer is not a finding.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    uv = sys.argv[1] if len(sys.argv) > 1 else "uv"
    export = [uv, "export", "--frozen", "--no-hashes", "--no-emit-project"]
    pinned = subprocess.run(
        [*export, "--format", "requirements-txt"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(pinned)
    try:
        run = subprocess.run(
            [str(ROOT / ".venv/bin/pip-audit"), "--no-deps", "--disable-pip", "-r", f.name,
             "--vulnerability-service", "pypi", "--format", "json", "--progress-spinner", "off"],
            capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
    finally:
        os.unlink(f.name)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        print(f"pip-audit: no report ({run.returncode}): {run.stderr.strip()[-500:]}")
        return 0 if run.returncode == 0 else 1
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions", [])) or "none yet"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
    if not audited:
        print("#" * 72)
        print(f"# pip-audit: the vulnerability service did not answer; 0 of {len(deps)} locked")
        print("# packages could be audited on this machine. Run `make audit-deps` where")
        print("# pypi.org is reachable.")
        print("#" * 72)
        return 0
    print(
        f"pip-audit: {len(audited)} of {len(deps)} packages audited, {len(vulnerable)} vulnerable"
    )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
