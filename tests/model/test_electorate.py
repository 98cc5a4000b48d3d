"""The electorate's compiled kernels agree with the former numpy implementation (``reference``) on a test world."""

from __future__ import annotations

import numba
import numpy as np
import pytest
import reference
from worlds import mini_params

from pacsim.agents import voter_kernels as vk
from pacsim.model import kernels
from pacsim.model.electorate import CandidateArrays, Electorate
from pacsim.model.model import PacsimModel
from pacsim.model.params import build_params

TOL = 1e-9


@pytest.fixture(scope="module")
def campaign_world() -> PacsimModel:
    """A miniature world with House primaries, stepped into its campaign so that ads are on the air."""
    model = PacsimModel(mini_params(legislature__primaries_house=True, run__seed=3))
    p = model.params.run
    while model.cycle_step < p.steps_per_cycle - 3:
        model.step()
    assert model.campaign.stocks.general.any() and model.campaign.stocks.primary.sum() >= 0.0
    return model


def _grids(model: PacsimModel) -> list[np.ndarray]:
    """The model's grid, and an unsorted grid with an uneven step, so the stepping walk meets both."""
    return [model.positions, np.array([0.6, -1.0, 0.1, -0.25, 1.0, 0.35])]


def _assert_close(got: tuple[np.ndarray, ...], want: tuple[np.ndarray, ...]) -> None:
    for g, w in zip(got, want, strict=True):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=0.0, atol=TOL)


@pytest.mark.parametrize("primary", [False, True])
@pytest.mark.parametrize("with_ads", [True, False])
def test_outlook_matches_reference(campaign_world: PacsimModel, primary: bool, with_ads: bool) -> None:
    """Shares, slopes and mean salience per seat and position agree with the numpy path to 1e-9."""
    m = campaign_world
    cand = m.elections.primary_candidates() if primary else m.elections.candidates()
    stock = (m.campaign.stocks.primary if primary else m.campaign.stocks.general) if with_ads else np.zeros_like(m.campaign.stocks.general)
    for grid in _grids(m):
        _assert_close(m.electorate.outlook(cand, stock, grid), reference.outlook(m.electorate, cand, stock, grid))


@pytest.mark.parametrize("primary", [False, True])
@pytest.mark.parametrize("with_ads", [True, False])
def test_outlook_at_is_the_outlook_at_those_columns(campaign_world: PacsimModel, primary: bool, with_ads: bool) -> None:
    """The share and slope at one position per seat are the full outlook's at those columns, to the last bit."""
    m = campaign_world
    cand = m.elections.primary_candidates() if primary else m.elections.candidates()
    stock = (m.campaign.stocks.primary if primary else m.campaign.stocks.general) if with_ads else np.zeros_like(m.campaign.stocks.general)
    rows = np.arange(cand.party.shape[0])
    for grid in _grids(m):
        columns = np.random.default_rng(5).integers(0, grid.shape[0], rows.shape[0])
        share, slope, _ = m.electorate.outlook(cand, stock, grid)
        got_share, got_slope = m.electorate.outlook_at(cand, stock, grid, columns)
        assert got_share.tobytes() == share[rows, columns].tobytes()
        assert got_slope.tobytes() == slope[rows, columns].tobytes()


@pytest.mark.parametrize("primary", [False, True])
def test_ad_leverage_matches_reference(campaign_world: PacsimModel, primary: bool) -> None:
    """Reach, lean and target-issue lean agree with the numpy path, computed fresh and served after an outlook."""
    m, e = campaign_world, campaign_world.electorate
    cand = m.elections.primary_candidates() if primary else m.elections.candidates()
    for grid in _grids(m):
        e.touch()
        _assert_close(e.ad_leverage(cand, grid), reference.ad_leverage(e, cand, grid))
        e.outlook(cand, m.campaign.stocks.general, grid)
        _assert_close(e.ad_leverage(cand, grid), reference.ad_leverage(e, cand, grid))


def test_ad_leverage_follows_a_stance_change(campaign_world: PacsimModel) -> None:
    """After the outlook pass, changed stances still give the reference's lean (only the stance term is recomputed)."""
    m, e = campaign_world, campaign_world.electorate
    cand = m.elections.candidates()
    e.outlook(cand, m.campaign.stocks.general, m.positions)
    moved = CandidateArrays(**{**cand.__dict__, "stance": -cand.stance + 0.125})
    got = e.ad_leverage(moved, m.positions)
    _assert_close(got, reference.ad_leverage(e, moved, m.positions))
    assert not np.allclose(got[1], e.ad_leverage(cand, m.positions)[1])


@pytest.mark.parametrize("primary", [False, True])
@pytest.mark.parametrize("group", [0, 1, 2])
def test_utility_gaps_match_reference(campaign_world: PacsimModel, primary: bool, group: int) -> None:
    """Each voter's utility gap and target-issue weight in each race group agree with the numpy path."""
    m = campaign_world
    cand = m.elections.primary_candidates() if primary else m.elections.candidates()
    stock = m.campaign.stocks.primary if primary else m.campaign.stocks.general
    _assert_close(m.electorate.utility_gaps(cand, group, stock), reference.utility_gaps(m.electorate, cand, group, stock))


@pytest.mark.parametrize(("bill", "status_quo", "issue"), [(-0.5, 0.5, None), (0.5, 1.5, None), (0.3, -0.2, 0)])
def test_majority_for_matches_reference(campaign_world: PacsimModel, bill: float, status_quo: float, issue: int | None) -> None:
    """Every seat's share preferring a bill, and the nation's, are exactly the numpy path's.

    A bill at 0.5 against a status quo at 1.5 ties with every voter held at the edge of the
    issue (1.0): a tie is no preference. The last case is a background issue's bill.
    """
    m = campaign_world
    got = m.electorate.majority_for(bill, status_quo, m.n_house, m.n_seats, issue=issue)
    want = reference.majority_for(m.electorate, bill, status_quo, m.n_house, m.n_seats, issue=issue)
    np.testing.assert_array_equal(got[0], want[0])
    assert got[1] == want[1]
    if status_quo == 1.5:
        assert (m.electorate.positions[:, m.electorate.target] == 1.0).any()


def test_ad_push_matches_reference(campaign_world: PacsimModel) -> None:
    """The attention ads add, per voter and issue, agrees with the numpy path (kernel run in float64)."""
    m, e = campaign_world, campaign_world.electorate
    groups = [0, 2]
    dose = reference.ad_dose(m.campaign.stocks.general, m.params.campaign.ad_saturation).sum(axis=1)
    out = np.empty((e.n, e.n_issues))
    vk.ad_push(np.isin(np.arange(3), groups), e.district, e.state, m.n_house, e.exposure, dose, m.params.salience.ad_push, out)
    want = reference.ad_push(e, m.campaign.stocks.general, m.n_house, groups)
    np.testing.assert_allclose(out, want, rtol=1e-12, atol=0.0)
    np.testing.assert_allclose(e.ad_push(m.campaign.stocks.general, m.n_house, groups), want, rtol=1e-6)


def padded(by_row: bool, *rows: np.ndarray) -> np.ndarray:
    """Attention, baseline, neighbours' baseline and push padded with zero columns for the row-at-a-time step, or no rows."""
    dtype = rows[0].dtype
    if not by_row:
        return np.zeros((4, 0, vk.PADDED_ISSUES), dtype=dtype)
    out = np.zeros((4, rows[0].shape[0], vk.PADDED_ISSUES), dtype=dtype)
    for part, values in zip(out, rows, strict=False):
        part[:, : values.shape[1]] = values
    return out


@pytest.mark.parametrize("by_row", [True, False])
@pytest.mark.parametrize("with_push", [False, True])
def test_attention_step_matches_reference(campaign_world: PacsimModel, with_push: bool, by_row: bool) -> None:
    """One attention step (diffusion, reversion, ads, normalising) agrees with the numpy path when run in float64."""
    m, e = campaign_world, campaign_world.electorate
    push = reference.ad_push(e, m.campaign.stocks.general, m.n_house, [0, 1, 2]) if with_push else None
    att, sal = np.empty((e.n, e.n_issues)), np.empty((e.n, e.n_issues))
    chunk = np.zeros((-(-e.n // vk.CHUNK), e.n_issues))
    sp = m.params.salience
    baseline = e.baseline.astype(np.float64)
    around = np.empty_like(baseline)
    vk.neighbour_mean(baseline, e.ties.indptr, e.ties.indices, around)
    vk.spread_attention(
        e.attention.astype(np.float64),
        baseline,
        e.national_level,
        e.ties.indptr,
        e.ties.indices,
        padded(by_row, e.attention.astype(np.float64), baseline, around, *([push] if with_push else [])),
        around,
        sp.diffusion,
        sp.reversion,
        True,
        push if with_push else np.zeros((1, e.n_issues)),
        with_push,
        att,
        sal,
        chunk,
    )
    want_att, want_sal = reference.step_attention(e, push)
    np.testing.assert_allclose(att, want_att, rtol=1e-12, atol=0.0)
    np.testing.assert_allclose(sal, want_sal, rtol=1e-12, atol=0.0)
    np.testing.assert_allclose(chunk.sum(axis=0) / e.n, want_sal.mean(axis=0), rtol=1e-12)


def test_float32_attention_stays_within_tolerance() -> None:
    """Over a full cycle of steps, float32 attention stays within 1e-5 (relative) of the same steps in float64."""
    model = PacsimModel(mini_params(run__seed=5))
    e: Electorate = model.electorate
    attention = e.attention.astype(np.float64)
    sp = model.params.salience
    ties = e.ties
    baseline = e.baseline.astype(np.float64)
    around = np.empty_like(baseline)
    vk.neighbour_mean(baseline, ties.indptr, ties.indices, around)
    for _ in range(model.params.run.steps_per_cycle):
        e.draw_news(model.rng)
        level = e.national_level
        out, sal = np.empty_like(attention), np.empty_like(attention)
        chunk = np.zeros((-(-e.n // vk.CHUNK), e.n_issues))
        vk.spread_attention(
            attention,
            baseline,
            level,
            ties.indptr,
            ties.indices,
            padded(True, attention, baseline, around),
            around,
            sp.diffusion,
            sp.reversion,
            True,
            np.zeros((1, e.n_issues)),
            False,
            out,
            sal,
            chunk,
        )
        attention = out
        e.step_attention(None)
    np.testing.assert_allclose(e.attention, attention, rtol=1e-5)
    np.testing.assert_allclose(e.salience, sal, rtol=1e-5)
    assert e.attention.dtype == np.float32


@pytest.mark.parametrize("with_push", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_attention_step_by_row_gives_the_bits_of_the_step_by_issue(dtype: type, with_push: bool) -> None:
    """The attention step run a padded row of issues at a time gives the bits of the step run an issue at a time.

    On the default electorate's own network (100,000 voters, about a million ties), from
    attention a few weeks in, with and without ads' push, every output: attention,
    salience and the per-chunk sums.
    """
    model = PacsimModel(build_params({}))
    e: Electorate = model.electorate
    for _ in range(3):
        e.draw_news(model.rng)
        e.step_attention(None)
    attention = e.attention.astype(dtype)
    push = (np.random.default_rng(7).random(attention.shape) * 0.01).astype(dtype) if with_push else np.zeros((1, e.n_issues), dtype)
    sp = model.params.salience
    outputs = []
    for by_row in (True, False):
        out, sal = np.empty_like(attention), np.empty_like(attention)
        chunk = np.empty((-(-e.n // vk.CHUNK), e.n_issues))
        vk.spread_attention(
            attention,
            e.baseline,
            e.national_level,
            e.ties.indptr,
            e.ties.indices,
            padded(by_row, attention, e.baseline.astype(dtype), e.neighbour_baseline().astype(dtype), push.astype(dtype)),
            e.neighbour_baseline(),
            sp.diffusion,
            sp.reversion,
            True,
            push,
            with_push,
            out,
            sal,
            chunk,
        )
        outputs.append([out.tobytes(), sal.tobytes(), chunk.tobytes()])
    assert outputs[0] == outputs[1]


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs two kernel threads")
def test_kernels_give_the_same_bits_on_one_and_two_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """The outlook, leverage and attention step are bit-identical whether their chunks run on one thread or two."""
    m = PacsimModel(mini_params(electorate__n_voters=20_000, run__seed=3))
    while m.cycle_step < m.params.run.steps_per_cycle - 3:
        m.step()
    e = m.electorate
    monkeypatch.setattr(kernels, "use_threads", lambda n_voters: None)
    cand = m.elections.candidates()
    results = []
    for threads in (1, 2):
        numba.set_num_threads(threads)
        e.touch()
        share, slope, sal = e.outlook(cand, m.campaign.stocks.general, m.positions)
        reach, lean, target = e.ad_leverage(cand, m.positions)
        before = e.attention.copy()
        e.step_attention(e.ad_push(m.campaign.stocks.general, m.n_house, [0, 1, 2]))
        results.append([share, slope, sal, reach, lean, target, e.attention, e.salience, e.mean_salience])
        e.attention = before
        e.refresh_salience()
    for one, two in zip(*results, strict=True):
        assert one.tobytes() == two.tobytes()


def test_voter_frame_is_the_arrays(campaign_world: PacsimModel) -> None:
    """On request, one row per voter with its district, party ID, and position and salience on each issue."""
    e = campaign_world.electorate
    frame = e.voter_frame()
    assert len(frame) == e.n
    np.testing.assert_array_equal(frame["district"], e.district)
    np.testing.assert_array_equal(frame[f"position_{e.issue_names[-1]}"], e.positions[:, -1])
    np.testing.assert_array_equal(frame[f"salience_{e.issue_names[0]}"], e.salience[:, 0])
