"""Reports: print maps and charts, the self-contained HTML report and its CLI command."""

from __future__ import annotations

import re

import numpy as np
import pytest
from click.testing import CliRunner
from pyproj import Geod

from frontwatch.areas import SeriesRow
from frontwatch.changes import change_between
from frontwatch.cli import main
from frontwatch.report import content, export, html
from frontwatch.report.basemap import Extent, neighbours, nice_km, towns
from frontwatch.report.charts import segments, series_figure
from frontwatch.report.maps import change_figure, png_bytes
from tests.conftest import SAMPLES

ARTICLE = SAMPLES / "articles" / "2022-09-ukraine-retook-1000-km2.txt"
WEEK = ("liveuamap-nzz", "2022-09-04", "2022-09-11")
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def week_report(sample_store):
    return content.window_report(sample_store, *WEEK, dpi=80)


@pytest.fixture(scope="module")
def week_html(week_report):
    return html.render_window(week_report)


def test_neighbours_surround_ukraine_and_leave_crimea_to_it():
    names = {n for n, _ in neighbours()}
    assert {"Russia", "Belarus", "Poland", "Moldova", "Romania", "Hungary", "Slovakia"} <= names
    assert "Ukraine" not in names
    russia = dict(neighbours())["Russia"]
    assert not russia.contains(__import__("shapely").Point(34.1, 44.95))  # Simferopol is drawn as Ukraine's


def test_towns_are_cities_not_districts():
    names = [p.name for p in towns(200_000)]
    assert names[:3] == ["Kyiv", "Kharkiv", "Odesa"]
    assert "Saltivka" not in names  # a district of Kharkiv (PPLX)


def test_scale_bar_lengths_are_round():
    assert [nice_km(x) for x in (0.4, 7, 37, 180, 260, 999)] == [1, 5, 20, 100, 200, 500]
    ext = Extent(30.0, 46.0, 40.0, 52.0)
    lons = np.linspace(30.0, 40.0, 2001)  # the parallel of 49°N, densified: its geodesic length
    assert ext.width_km == pytest.approx(Geod(ellps="WGS84").line_length(lons, np.full_like(lons, 49.0)) / 1e3,
                                         rel=1e-6)  # fmt: skip


def test_map_shows_the_numbers_the_library_measures(sample_store):
    fig, ch = change_figure(sample_store, *WEEK)
    ref = change_between(sample_store, *WEEK)
    assert (ch["ua_gain_km2"], ch["ru_gain_km2"]) == (ref["ua_gain_km2"], ref["ru_gain_km2"])
    texts = [t.get_text() for t in fig.texts] + [fig._suptitle.get_text()]
    assert f"Ukraine gained {ref['ua_gain_km2']:,.0f} km²" in texts[-1]
    assert any("Coverage: leaves out Crimea" in t for t in texts)  # liveuamap does not draw Crimea
    assert any("Natural Earth" in t and "OpenStreetMap" in t for t in texts)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "Crimea: not drawn by liveuamap-nzz" in legend
    labels = {t.get_text() for t in fig.axes[0].texts}
    assert {"Kupiansk", "Izium", "Balakliia", "RUSSIA", "100 km"} <= labels
    assert png_bytes(fig, dpi=60)[:8] == PNG


def test_chart_breaks_the_line_at_a_coverage_break():
    rows = [SeriesRow(source="deepstate", snapshot_date=f"2024-01-0{i}", lag_days=0, occupied_km2=v,
                      share_of_ukraine_pct=v / 6036.28, coverage=c, area_basis="", flags=[], warnings=[],
                      period_end=f"2024-01-0{i}")
            for i, (v, c) in enumerate([(100.0, "all"), (101.0, "all"), (80.0, "no Crimea"), (81.0, "no Crimea")],
                                       start=1)]  # fmt: skip
    assert [len(s) for s in segments(rows)] == [2, 2]
    fig = series_figure(rows, source="deepstate", attribution="DeepStateMap (test credit)")
    lines = [ln for ln in fig.axes[0].get_lines() if len(ln.get_xdata()) > 1 and ln.get_linestyle() == "-"]
    assert sorted(list(ln.get_ydata()) for ln in lines) == [[80.0, 81.0], [100.0, 101.0]]
    assert "→ 81" not in fig._suptitle.get_text() and "on the last map 81 km²" in fig._suptitle.get_text()
    assert fig.axes[0].yaxis.get_major_formatter()(12345.0, 0) == "12,345"
    assert any("Control: DeepStateMap (test credit) ·" in t.get_text() for t in fig.texts)  # the credit given


def test_report_is_one_self_contained_file(week_html):
    assert week_html.startswith("<!DOCTYPE html>")
    assert week_html.count('src="data:image/png;base64,') == 2  # the map and the chart
    assert not re.search(r"(src|href)\s*=\s*[\"'](?!data:)", week_html)
    assert not re.search(r"https?://|url\(|@import|<script|<link", week_html)


def test_report_tables_add_up_to_the_change(sample_store, week_report, week_html):
    ref = change_between(sample_store, *WEEK, by_oblast=True)
    rows = ref["by_oblast"]
    total = html.by_oblast_total(rows)
    # each row is rounded to 0.1 km²: the sum may differ from the rounded total by that much per row
    assert total["ua_gain_km2"] == pytest.approx(ref["ua_gain_km2"], abs=0.05 * len(rows))
    assert total["ru_gain_km2"] == pytest.approx(ref["ru_gain_km2"], abs=0.05 * len(rows))
    row = re.search(r'<tr class="total">(.*?)</tr>', week_html).group(1)
    assert re.findall(r">([-\d,.]+)<", row) == [f"{total['ua_gain_km2']:,.1f}", f"{total['ru_gain_km2']:,.1f}",
                                                f"{total['net_km2']:,.1f}"]  # fmt: skip
    assert f"{ref['ua_gain_km2']:,.0f} km²" in week_html
    assert len(week_report.places["places"]) == 704 and "Places that changed side (704)" in week_html
    kup = next(d for d in week_report.distances if d.place.name == "Kupiansk")
    assert kup.snapshot_date == "2022-09-11" and kup.side == "UA"


def test_article_report_has_each_claim_with_its_verdicts(sample_store):
    rep = content.article_report(sample_store, ARTICLE.read_text(encoding="utf-8"), published="2022-09-10",
                                 sources=["liveuamap-nzz"], title="seed", dpi=60)  # fmt: skip
    page = html.render_article(rep)
    assert rep.window is not None and rep.window.source == "liveuamap-nzz"
    assert (rep.window.change.from_date, rep.window.change.to_date) == ("2022-09-03", "2022-09-10")
    assert page.count("<blockquote>") == len(rep.claims) > 10
    verdicts = re.findall(r'<span class="verdict [\w-]+">([\w ]+)</span>', page)
    assert len(verdicts) == len(rep.claims) and "supported" in verdicts
    assert "Kupiansk" in {d.place.name for d in rep.window.distances}  # named in a claim


def test_report_command_writes_html(sample_store, tmp_path):
    out = tmp_path / "week.html"
    r = CliRunner().invoke(main, ["--db", sample_store.path, "report", "--source", WEEK[0], "--from", WEEK[1],
                                  "--to", WEEK[2], "--output", str(out), "--dpi", "72"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8").count("data:image/png") == 2


@pytest.mark.parametrize("args, message", [
    (["--source", "liveuamap-nzz", "--from", "2022-09-04"], "give --from and --to"),
    (["--from", "2022-09-04", "--to", "2022-09-11"], "a window report needs exactly one --source"),
    (["--article", str(ARTICLE)], "--article needs --published DATE"),
    (["--source", "nope", "--from", "2022-09-04", "--to", "2022-09-11"], "unknown source 'nope'"),
])  # fmt: skip
def test_report_command_errors(sample_store, tmp_path, args, message):
    r = CliRunner().invoke(main, ["--db", sample_store.path, "report", *args, "-o", str(tmp_path / "x.html")])
    assert r.exit_code != 0 and message in r.output


def test_export_formats():
    assert [export.format_of(p, None) for p in ("a.html", "a.pdf", "a.PNG", "a.txt")] == ["html", "pdf", "png", "html"]
    assert export.format_of("a.html", "pdf") == "pdf"


@pytest.mark.skipif(export.browser() is None, reason="Chromium not installed (apt-get install chromium)")
def test_report_prints_to_pdf(tmp_path):
    path = export.write("<!DOCTYPE html><html><body><h1>Frontwatch</h1></body></html>", tmp_path / "r.pdf", "pdf")
    assert path.read_bytes()[:5] == b"%PDF-"
