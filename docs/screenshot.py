"""Screenshots of the built site in a real browser, with the network cut off.

Run after ``make docs``::

    python docs/screenshot.py [--chromium /usr/bin/chromium]

Opens ``docs/_build/html`` through ``file://`` in headless Chromium driven by Playwright
(``pip install playwright``; on Debian ``apt-get install chromium`` gives the browser, as
Playwright's own browser download needs network), refuses every request that is not a local
file, waits for MathJax to typeset, and writes full-page PNGs to ``docs/_build/screenshots/``.
It fails if a page asked for anything off the machine, if an image did not load, or if a page
with formulas has none typeset.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

HTML = Path(__file__).resolve().parent / "_build" / "html"
OUT = Path(__file__).resolve().parent / "_build" / "screenshots"
PAGES = {
    "index.png": "index.html",
    "concepts_point_groups.png": "concepts/point_groups.html",
    "gallery_cube_to_prism.png": "auto_gallery/plot_cube_to_prism.html",
}


def check_page(page, url: str, external: list[str]) -> str:
    """Load ``url``, wait for its formulas, and return a one-line account of what rendered."""
    page.goto(url, wait_until="load")
    has_math = page.evaluate("() => document.querySelectorAll('.math, span.math, div.math').length")
    typeset = 0
    if has_math:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("() => MathJax.startup.promise")
        typeset = page.evaluate("() => document.querySelectorAll('mjx-container').length")
        if typeset == 0:
            raise RuntimeError(f"{url}: {has_math} formulas, none typeset by MathJax")
    broken = page.evaluate(
        "() => [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    if broken:
        raise RuntimeError(f"{url}: images that did not load: {broken}")
    images = page.evaluate("() => document.images.length")
    if external:
        raise RuntimeError(f"{url}: requests off the machine: {external}")
    return f"{images} images, {typeset} formulas typeset"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser"),
                        help="Chromium executable (default: chromium on PATH)")
    args = parser.parse_args()
    if not (HTML / "index.html").is_file():
        print(f"error: {HTML / 'index.html'} not found: run `make docs` first", file=sys.stderr)
        return 2
    if not args.chromium:
        print("error: no chromium on PATH; give --chromium PATH", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        external: list[str] = []

        def route(request_route):
            url = request_route.request.url
            if url.startswith(("file://", "data:", "blob:")):
                request_route.continue_()
            else:  # the site must open with no network: record and refuse
                external.append(url)
                request_route.abort()

        page.route("**/*", route)
        for png, relative in PAGES.items():
            url = (HTML / relative).as_uri()
            account = check_page(page, url, external)
            page.screenshot(path=str(OUT / png), full_page=png != "index.png")
            print(f"{OUT / png}: {relative}: {account}")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
