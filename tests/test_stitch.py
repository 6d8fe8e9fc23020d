"""Stitching cell pieces back together (frontwatch._stitch) against GEOS's unions."""

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from frontwatch._stitch import StitchFailed, stitch, touch_points
from frontwatch._stitch import vertices as _vertices


def verts_of(geom):
    return _vertices(geom).xy


def on_grid(xy):
    """A grid of 1° cells with lines at the integers."""
    return xy[:, 0] == np.round(xy[:, 0]), xy[:, 1] == np.round(xy[:, 1])


def cut(geom, n=6):
    """``geom``'s pieces per 1° cell of [0, n]², each cell's part as its polygons."""
    pieces = []
    for i in range(n):
        for j in range(n):
            part = shapely.intersection(geom, box(i, j, i + 1, j + 1))
            pieces.extend(p for p in shapely.get_parts(part) if p.geom_type == "Polygon" and not p.is_empty)
    return np.array(pieces, dtype=object)


def same(a, b):
    return shapely.symmetric_difference(a, b).area < 1e-12 and abs(a.area - b.area) < 1e-12


def _blob(cx, cy, r, n=400, seed=0):
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    rr = r * (1 + 0.2 * np.sin(5 * t) + 0.03 * rng.standard_normal(n))
    return Polygon(np.column_stack([cx + rr * np.cos(t), cy + rr * np.sin(t)]))


@pytest.mark.parametrize("seed", range(5))
def test_stitched_cut_polygon_is_the_polygon(seed):
    """A ragged polygon with a hole and an island in the hole, cut into cells: the
    stitch gives back the same point set, valid, with the same rings count."""
    outer = _blob(3, 3, 2.2, seed=seed)  # within the cut grid, [0, 6]²
    hole = _blob(3.1, 2.9, 1.1, seed=seed + 10)
    island = _blob(3.1, 2.9, 0.45, seed=seed + 20)
    geom = shapely.union(shapely.difference(outer, hole), island)
    result, check, verts, _ = stitch(cut(geom), on_grid)
    assert result.is_valid
    assert same(result, geom)
    assert len(result.geoms) == 2  # the ring with its hole, and the island
    assert len(result.geoms[0].interiors) + len(result.geoms[1].interiors) == 1
    assert not check
    # the vertices handed back describe the result: interior on the left of every ring
    assert len(verts.xy) == shapely.get_num_coordinates(result) - len(verts.ccw)
    assert np.all(verts.ccw == verts.shell)


@pytest.mark.parametrize("seed", range(3))
def test_stitch_takes_out_the_vertices_the_cutting_added(seed):
    """Asked to (``own``), the stitch gives back the input's own vertices and no other: the
    ones cutting put on grid lines are taken out (and handed back with their neighbours),
    an input vertex on a grid line stays, and so does a point where two rings touch."""
    outer = _blob(3, 3, 2.2, n=60, seed=seed)
    hole = _blob(3.1, 2.9, 1.1, n=40, seed=seed + 10)
    own = (3.0, 0.5)  # an input vertex on the grid line x = 3, half way along its edge
    geom = shapely.union(shapely.difference(outer, hole), Polygon([(2.5, 0.5), own, (3.5, 0.5), (3, 0.2)]))
    assert geom.is_valid and list(own) in shapely.get_coordinates(geom).tolist()
    pieces = cut(geom)
    kept, check, verts, taken = stitch(pieces, on_grid)
    assert not len(taken[1])  # not asked: the vertices stay
    result, _, verts, (before, at, after) = stitch(pieces, on_grid, own=np.array([complex(*own)]))
    assert result.is_valid and same(result, geom)

    def ring_vertices(g):  # (closing vertices left out: rings may start elsewhere)
        return sorted(map(tuple, verts_of(g)))

    assert ring_vertices(result) == ring_vertices(geom)
    added = len(verts_of(kept)) - len(verts_of(geom))
    assert added > 20 and len(at) == added
    assert np.all(on_grid(at)[0] | on_grid(at)[1])
    # each one on the straight edge from the vertex kept before it to the one after it
    (px, py), (mx, my), (nx, ny) = before.T, at.T, after.T
    assert np.abs((mx - px) * (ny - py) - (my - py) * (nx - px)).max() < 1e-12


def test_pieces_meeting_at_a_grid_corner():
    """Two squares that touch only at a grid corner stay two polygons, and the result
    asks for a validity check."""
    a, b = box(0.5, 0.5, 1, 1), box(1, 1, 1.5, 1.5)
    result, check, *_ = stitch(cut(shapely.union(a, b)), on_grid)
    assert check
    assert result.is_valid and len(result.geoms) == 2
    assert same(result, shapely.union(a, b))


def test_hole_touching_its_shell_on_a_grid_line():
    """A hole that touches the outer ring at a point on a grid line comes out as a
    shell with a separate hole (the valid form), not as one self-touching ring."""
    shell = Polygon([(0.5, 0.5), (2.5, 0.5), (2.5, 2), (0.5, 2)])
    hole = Polygon([(1.5, 0.5), (2, 1), (1.5, 1.5), (1, 1)])  # touches the shell at (1.5, 0.5)
    geom = shapely.difference(shell, hole)
    pieces = cut(geom)
    result, check, *_ = stitch(pieces, on_grid)
    assert check and result.is_valid
    assert same(result, geom)
    assert len(result.geoms) == 1 and len(result.geoms[0].interiors) == 1


def test_crossing_computed_an_ulp_apart_is_joined():
    """The two sides of a grid line computed the same crossing an ulp apart: joined, and
    the result asks for a validity check."""
    y = 0.7
    left = Polygon([(0.5, 0.2), (1, 0.2), (1, y), (0.5, 0.6)])
    right = Polygon([(1, 0.2), (1.5, 0.2), (1.5, 0.8), (1, np.nextafter(y, 1))])
    result, check, *_ = stitch(np.array([left, right], dtype=object), on_grid)
    assert check and result.is_valid
    assert len(result.geoms) == 1
    assert result.area == pytest.approx(left.area + right.area, rel=1e-12)
    assert shapely.get_num_coordinates(result) == 7  # six corners, the line's two crossings merged away


def test_edges_noded_apart_fail():
    """A shared edge split on one side only is not a clean coverage: the caller must use
    a general union."""
    left = box(0.5, 0, 1, 1)
    right = Polygon([(1, 0), (1.5, 0), (1.5, 1), (1, 1), (1, 0.5)])
    with pytest.raises(StitchFailed):
        stitch(np.array([left, right], dtype=object), on_grid)


def test_single_cell_pieces_pass_through():
    """Pieces that touch no grid line come back as they are."""
    a, b = box(0.2, 0.2, 0.4, 0.4), box(0.6, 0.6, 0.8, 0.8)
    result, check, *_ = stitch(np.array([a, b], dtype=object), on_grid)
    assert not check
    assert same(result, MultiPolygon([a, b]))


def test_many_random_coverages_match_geos():
    """Random unions of discs cut into cells: the stitch equals GEOS's coverage union."""
    rng = np.random.default_rng(7)
    for _ in range(30):
        discs = [shapely.Point(rng.uniform(0.5, 5.5), rng.uniform(0.5, 5.5)).buffer(rng.uniform(0.2, 1.5), 16)
                 for _ in range(6)]  # fmt: skip
        geom = shapely.union_all(discs)
        pieces = cut(geom)
        result, check, *_ = stitch(pieces, on_grid)
        geos = shapely.coverage_union_all(pieces)
        assert same(result, geos)
        assert result.is_valid or check


def test_touch_points():
    a = box(0, 0, 1, 1)
    b = box(1, 1, 2, 2)
    assert touch_points([a, b]).tolist() == [complex(1, 1)]
    assert touch_points([a]).size == 0
    assert touch_points([]).size == 0


def test_hole_touching_its_shell_inside_an_edge_goes_to_its_own_shell():
    """Found by review: a hole whose vertex lies inside one of its own shell's edges (valid,
    and not a shared vertex) was given to a bigger shell around it, leaving a silently
    invalid result. Here the piece with such a hole sits alone in a cell, inside another
    polygon's big hole."""
    outer = Polygon([(0.5, 0.5), (5.5, 0.5), (5.5, 5.5), (0.5, 5.5)],
                    holes=[[(0.8, 0.8), (0.8, 5.2), (5.2, 5.2), (5.2, 0.8)]])  # fmt: skip
    inner = Polygon([(2.2, 2.3), (2.8, 2.3), (2.8, 2.8), (2.2, 2.8)], holes=[[(2.5, 2.3), (2.6, 2.5), (2.4, 2.5)]])
    assert outer.is_valid and inner.is_valid
    pieces = np.concatenate((cut(outer), [inner]))  # the inner piece whole, as one cell's
    result, check, *_ = stitch(pieces, on_grid)
    assert result.is_valid, shapely.is_valid_reason(result)
    assert same(result, shapely.union(outer, inner))
    assert sorted(len(p.interiors) for p in result.geoms) == [1, 1]
