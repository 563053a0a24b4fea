"""Full-page screenshots of the main pages, at desktop and mobile widths, for a human to look at.

Not a test. Point it at a running site (`make run` in another terminal, or any deployment):

    .venv/bin/python tests/browser/screenshots.py http://127.0.0.1:8000 [--out /tmp/gfmd-shots]

It drives Debian's chromium (`apt-get install chromium`); Playwright downloads no browser.
"""

import argparse
import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
PAGES = [
    "/",
    "/practices/",
    "/practices/?q=children",
    "/practices/?theme=children",
    "/practices/mx-child-protection-officers-opi/",
    "/practices/pt-family-reunification-support-offices/",
    "/practices/bh-abolition-kafeel-sponsorship/",
    "/countries/",
    "/countries/mx/",
    "/themes/",
    "/themes/children/",
    "/coverage/",
    "/coverage/map/",
    "/coverage/corridors/",
    "/coverage/evidence/",
    "/about/",
    "/submit/",
]
# (name, viewport width, height, device scale): a laptop and a common phone (iPhone 12 to 15).
VIEWPORTS = [("desktop", 1280, 800, 1), ("mobile", 390, 844, 1)]


def file_name(path: str, width_name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
    return f"{slug}-{width_name}.png"


def take(base_url: str, out: Path, pages=PAGES) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        for name, width, height, scale in VIEWPORTS:
            context = browser.new_context(
                base_url=base_url.rstrip("/"),
                viewport={"width": width, "height": height},
                device_scale_factor=scale,
                is_mobile=name == "mobile",
                has_touch=name == "mobile",
            )
            page = context.new_page()
            for path in pages:
                response = page.goto(path, wait_until="networkidle")
                target = out / file_name(path, name)
                page.screenshot(path=target, full_page=True)
                status = response.status if response else "?"
                print(f"{status} {path} -> {target}")
                saved.append(target)
            context.close()
        browser.close()
    return saved


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url", help="e.g. http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=Path("/tmp/gfmd-shots"))  # noqa: S108
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 2
    take(args.base_url, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
