"""The map page in a real browser: Python playwright driving Debian's Chromium against the
app served on loopback. Screenshots are kept in out/screenshots/ (a CI artifact).

Skipped only where /usr/bin/chromium is absent (.ci/run installs it)."""

from __future__ import annotations

import io
import socket
import threading
import time
from pathlib import Path

import pytest

from frontwatch import areas
from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "out" / "screenshots"
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic"]  # fmt: skip

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium not installed at /usr/bin/chromium "
                                                              "(apt-get install chromium; .ci/run does)")  # fmt: skip


@pytest.fixture(scope="module")
def server(sample_store):
    import uvicorn

    from frontwatch.web import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(sample_store.path), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    """A page of the app, with every request it makes recorded (``page.requests``)."""
    pg = browser.new_page(viewport={"width": 1400, "height": 900})
    requests: list[str] = []
    pg.on("request", lambda r: requests.append(r.url))
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(server + "/")
    pg.wait_for_selector("body[data-ready=true]", timeout=30_000)
    pg.requests, pg.errors = requests, errors
    yield pg
    assert errors == []
    assert requests and all(u.startswith(server + "/") for u in requests), [u for u in requests if not u.startswith(server)]
    pg.close()


def shot(page, name: str, selector: str | None = None) -> bytes:
    SHOTS.mkdir(parents=True, exist_ok=True)
    target = page.locator(selector) if selector else page
    return target.screenshot(path=str(SHOTS / f"{name}.png"))


def colours(png: bytes) -> int:
    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB").resize((200, 150))
    return len(img.getcolors(maxcolors=200 * 150))


def drawn(page, date: str) -> None:
    page.wait_for_selector(f"body[data-drawn-date='{date}']", timeout=20_000)


def test_slider_changes_the_drawn_date_and_area(page, sample_store):
    dates = [r.valid_date for r in sample_store.snapshots("deepstate")]
    drawn(page, dates[-1])
    area = areas.area_on(sample_store, "deepstate", dates[-1])["occupied_km2"]
    assert page.locator("#date-label").text_content() == dates[-1]
    assert f"{round(area):,} km²" in page.locator("#area-label").text_content()
    png = shot(page, "map-last-date", "#map")
    assert colours(png) > 20  # sea, neighbours, land, occupied, labels: not a blank canvas
    slider = page.locator("#date-slider")
    slider.focus()
    for _ in range(10):
        page.keyboard.press("ArrowLeft")
    drawn(page, dates[-11])
    earlier = areas.area_on(sample_store, "deepstate", dates[-11])["occupied_km2"]
    assert page.locator("#date-label").text_content() == dates[-11]
    assert f"{round(earlier):,} km²" in page.locator("#area-label").text_content()
    assert "Russia +" in page.locator("#change-label").text_content()
    shot(page, "map-slider-moved")
    assert any("/api/map?source=deepstate&on=" + dates[-11] in u for u in page.requests)


def test_gains_and_losses_between_two_chosen_dates(page, sample_store):
    from frontwatch.changes import change_between

    page.select_option("#source", "liveuamap-nzz")
    drawn(page, "2022-09-20")
    page.select_option("#compare", "date")
    page.fill("#compare-date", "2022-09-04")
    page.locator("#compare-date").dispatch_event("change")
    ch = change_between(sample_store, "liveuamap-nzz", "2022-09-04", "2022-09-20")
    expected = f"Ukraine +{round(ch['ua_gain_km2']):,} km²"
    page.wait_for_function("t => document.getElementById('change-label').textContent.includes(t)", arg=expected,
                           timeout=20_000)  # fmt: skip
    assert "2022-09-04 → 2022-09-20" in page.locator("#change-label").text_content()
    shot(page, "gains-since-a-date", "#map")


def test_searching_kupiansk_shows_its_history(page):
    page.select_option("#source", "liveuamap-nzz")
    drawn(page, "2022-09-20")
    page.fill("#place-name", "Kupyansk")
    page.click("#place-form button")
    page.wait_for_selector("#place-result table", timeout=20_000)
    text = page.locator("#place-result").text_content()
    assert "Kupiansk" in text and "Kharkiv" in text
    rows = page.locator("#place-result tr").all_text_contents()
    assert rows[-1].replace(" ", "") == "2022-09-11UA" and rows[-2].replace(" ", "") == "2022-08-13RU"
    shot(page, "place-kupiansk")


def test_check_form_shows_verdicts(page):
    page.fill("#check-text", "Ukraine retook 1000 km2 in a week. Ukrainian forces are now 15 km from Kupiansk.")
    page.fill("#check-published", "2024-11-20")
    page.click("#check-form button")
    page.wait_for_selector("#check-result .verdict", timeout=60_000)
    verdicts = page.locator("#check-result .verdict").all_text_contents()
    assert len(verdicts) >= 2
    assert set(verdicts) <= {"supported", "understated", "overstated", "contested", "not comparable", "unverifiable"}
    shot(page, "check-form")


def test_clicking_the_map_shows_who_held_the_point(page):
    page.locator("#map").click(position={"x": 600, "y": 400})
    page.wait_for_selector("#point-result table", timeout=20_000)
    assert page.locator("#point-result tr").count() >= 2  # heading and at least the first map's side
