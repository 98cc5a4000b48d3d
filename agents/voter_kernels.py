"""What one voter does, compiled: move its attention, weigh the issues, compare two candidates.

These are the voter's rules written for one voter at a time and compiled with numba, so
that the electorate can run them over every voter without a Python loop. The functions
marked ``inline`` are called from the aggregation kernels in :mod:`pacsim.model.kernels`;
:func:`spread_attention` and :func:`race_gaps` run over the whole electorate themselves.
Every loop over voters is split into fixed chunks of voters, so a run gives bit-identical
numbers whatever the number of threads. Arithmetic is in float64; the float32 arrays of
the electorate (attention, baseline, salience) are widened as they are read. One loop,
the sum of a voter's neighbours' attention, is written in LLVM's IR
(:func:`sum_padded_rows`), to run on a whole row of issues at once with the same bits.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic

#: Voters per unit of parallel work. Fixed, so that sums over voters never depend on the thread count.
CHUNK = 4096

#: Issues a row of :func:`sum_padded_rows` holds: up to this many issues, the neighbours' sums run on whole rows at once.
PADDED_ISSUES = 8


@njit(inline="always", cache=True)
def distance_odds(weight_t, x_t, grid, step_of, step_sizes, growth, out):
    """exp(weight_t × |x_t - g|) at every grid point g: how much each position multiplies the odds against the incumbent slot.

    The incumbent slot at position g is worth ``weight_t × |x_t - g|`` less to the voter
    than at its own position; the logit odds against it grow by the exp of that. ``grid``
    is sorted, ``step_sizes`` are the distinct gaps between neighbouring grid points and
    ``step_of[i]`` the one between points i and i + 1. Walking outwards from the voter's
    position, each factor is its neighbour's times exp(weight_t × step), so a voter needs one
    exp per distinct step and one more, not one per grid point.
    """
    n_pos = grid.shape[0]
    for u in range(step_sizes.shape[0]):
        growth[u] = np.exp(weight_t * step_sizes[u])
    a = 0
    while a < n_pos and grid[a] < x_t:
        a += 1
    if a < n_pos:
        factor = np.exp(weight_t * (grid[a] - x_t))
        for p in range(a, n_pos):
            out[p] = factor
            if p + 1 < n_pos:
                factor *= growth[step_of[p]]
        if a > 0:
            # exp(w (x - g[a-1])) = exp(w (g[a] - g[a-1])) / exp(w (g[a] - x))
            factor = growth[step_of[a - 1]] / out[a]
    else:
        factor = np.exp(weight_t * (x_t - grid[n_pos - 1]))
    for p in range(a - 1, -1, -1):
        out[p] = factor
        if p > 0:
            factor *= growth[step_of[p - 1]]


@njit(inline="always", cache=True)
def logit_odds(odds: float) -> float:
    """Binary logit from the odds against: the probability of voting for the incumbent slot, 1 / (1 + odds)."""
    return 1.0 / (1.0 + odds)


@njit(inline="always", cache=True)
def weigh_issues(
    x,
    s,
    e,
    pid,
    j,
    party,
    platform,
    valence,
    chal_platform,
    chal_valence,
    sitting,
    dose,
    primary,
    edge,
    party_weight,
    issue_weight,
    ad_scale,
    ads,
):
    """A voter's utility gap between the incumbent slot and the challenger of race ``j`` on all but the target issue.

    Each voter weighs the distance to each candidate on each issue by its salience
    (Krosnick 1990: issue publics), amplified by the ads on the air on that issue, which
    prime it (Iyengar & Kinder 1987); party identification pulls towards its party's
    candidate except in a primary; ads move it towards their sponsor's candidate in
    proportion to its exposure and its attention to the ad's issue; a sitting member has an
    edge. The voter is given by its positions ``x``, salience ``s``, exposure ``e`` and party
    identification ``pid``. Returns (the gap without the target issue, the weight on the
    target issue).
    """
    target = x.shape[0] - 1
    gap = 0.0 if primary else party_weight * pid * party[j]
    persuasion = 0.0
    for k in range(target):
        w = issue_weight * s[k]
        if ads:
            w += ad_scale * e * s[k] * (dose[j, 0, k] + dose[j, 1, k])
            persuasion += s[k] * (dose[j, 0, k] - dose[j, 1, k])
        gap += w * (abs(x[k] - chal_platform[j, k]) - abs(x[k] - platform[j, k]))
    weight_t = issue_weight * s[target]
    if ads:
        weight_t += ad_scale * e * s[target] * (dose[j, 0, target] + dose[j, 1, target])
        persuasion += s[target] * (dose[j, 0, target] - dose[j, 1, target])
    gap += valence[j] - chal_valence[j]
    if ads:
        gap += ad_scale * e * persuasion
    gap += edge * sitting[j]
    return gap, weight_t


@njit(inline="always", cache=True)
def seat_of_voter(v, group, district, state, n_house):
    """Seat of a voter's race: group 0 is its House district, 1 and 2 its state's two Senate seats."""
    if group == 0:
        return district[v]
    return n_house + 2 * state[v] + group - 1


@njit(inline="always", cache=True)
def sum_neighbours(values, indices, lo, hi, out):
    """Sum of the neighbours' rows ``values[indices[lo:hi]]`` into ``out``, in float64.

    Up to eight issues the running sums are separate scalars, which the compiler keeps in
    registers (the same sums as the general loop, in the same order, about twice as fast).
    """
    k_all = values.shape[1]
    if k_all > 8:
        for k in range(k_all):
            out[k] = 0.0
        for t in range(lo, hi):
            nb = indices[t]
            for k in range(k_all):
                out[k] += np.float64(values[nb, k])
        return
    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0.0
    for t in range(lo, hi):
        nb = indices[t]
        a0 += np.float64(values[nb, 0])
        if k_all > 1:
            a1 += np.float64(values[nb, 1])
        if k_all > 2:
            a2 += np.float64(values[nb, 2])
        if k_all > 3:
            a3 += np.float64(values[nb, 3])
        if k_all > 4:
            a4 += np.float64(values[nb, 4])
        if k_all > 5:
            a5 += np.float64(values[nb, 5])
        if k_all > 6:
            a6 += np.float64(values[nb, 6])
        if k_all > 7:
            a7 += np.float64(values[nb, 7])
    sums = (a0, a1, a2, a3, a4, a5, a6, a7)
    for k in range(k_all):
        out[k] = sums[k]


@intrinsic
def sum_padded_rows(typingctx: Any, values: Any, indices: Any, lo: Any, hi: Any, out: Any) -> Any:
    """``out[:8]`` = the sum of the rows ``values[indices[lo:hi]]`` in float64, ``values`` being (n × 8), C-ordered.

    The same sums as :func:`sum_neighbours` to the last bit: each of the eight columns is
    its own running sum, started at zero and added in the order of ``indices``, each term
    widened to float64 exactly. Here all eight run as one vector: a row is one load and
    one add, where the loop over issues took a load, a conversion and an add per issue.
    numba's compiler does not vectorise a loop whose sums run across iterations, hence
    this intrinsic, which writes the loop in LLVM's IR with LLVM's vector type.
    """
    floats = (types.float32, types.float64)
    if not (isinstance(values, types.Array) and values.ndim == 2 and values.layout == "C" and values.dtype in floats) or not (
        isinstance(out, types.Array) and out.dtype == types.float64 and out.layout == "C"
    ):
        return None
    width = 4 if values.dtype == types.float32 else 8
    sig = types.void(values, indices, lo, hi, out)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        v_type, i_type, lo_type, hi_type, o_type = signature.args
        rows = context.make_array(v_type)(context, builder, args[0])
        index = context.make_array(i_type)(context, builder, args[1])
        target = context.make_array(o_type)(context, builder, args[4])
        intp = context.get_value_type(types.intp)
        start = context.cast(builder, args[2], lo_type, types.intp)
        stop = context.cast(builder, args[3], hi_type, types.intp)
        element = context.get_value_type(v_type.dtype)
        wide = ir.VectorType(ir.DoubleType(), PADDED_ISSUES)
        entry = builder.basic_block
        test = builder.append_basic_block("rows.test")
        body = builder.append_basic_block("rows.body")
        done = builder.append_basic_block("rows.done")
        builder.branch(test)
        builder.position_at_end(test)
        t = builder.phi(intp)
        acc = builder.phi(wide)
        t.add_incoming(start, entry)
        acc.add_incoming(ir.Constant(wide, None), entry)
        builder.cbranch(builder.icmp_signed("<", t, stop), body, done)
        builder.position_at_end(body)
        neighbour = builder.load(builder.gep(index.data, [t]))
        neighbour = builder.sext(neighbour, intp) if neighbour.type.width < intp.width else neighbour
        first = builder.gep(rows.data, [builder.mul(neighbour, ir.Constant(intp, PADDED_ISSUES))])
        row = builder.load(builder.bitcast(first, ir.VectorType(element, PADDED_ISSUES).as_pointer()), align=width)
        if isinstance(element, ir.FloatType):
            row = builder.fpext(row, wide)
        t.add_incoming(builder.add(t, ir.Constant(intp, 1)), body)
        acc.add_incoming(builder.fadd(acc, row), body)
        builder.branch(test)
        builder.position_at_end(done)
        builder.store(acc, builder.bitcast(target.data, wide.as_pointer()), align=8)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def move_padded_row(
    typingctx: Any,
    attention: Any,
    baseline: Any,
    around: Any,
    push: Any,
    sums: Any,
    level: Any,
    i: Any,
    deg: Any,
    reversion: Any,
    diffusion: Any,
    has_push: Any,
    out: Any,
) -> Any:
    """:func:`spread_attention`'s move of voter ``i``'s attention on all :data:`PADDED_ISSUES` issues at once, into ``out`` (float64).

    The rows of ``attention``, ``baseline``, ``around`` (the neighbours' mean baseline)
    and ``push`` are padded to :data:`PADDED_ISSUES` columns; ``sums`` is the
    neighbours' summed attention (:func:`sum_padded_rows`) and ``level`` the national
    level, padded alike. Every issue's value is computed by the operations of the issue-
    at-a-time rule, in their order, each exact in IEEE arithmetic, so every bit is the
    same; the issues only run side by side.
    """
    rows = (attention, baseline, around, push)
    floats = (types.float32, types.float64)
    if not all(isinstance(a, types.Array) and a.ndim == 2 and a.layout == "C" and a.dtype in floats for a in rows):
        return None
    if not all(isinstance(a, types.Array) and a.ndim == 1 and a.layout == "C" and a.dtype == types.float64 for a in (sums, level, out)):
        return None
    sig = types.void(attention, baseline, around, push, sums, level, i, deg, reversion, diffusion, has_push, out)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        intp = context.get_value_type(types.intp)
        wide = ir.VectorType(ir.DoubleType(), PADDED_ISSUES)
        narrow = ir.VectorType(ir.FloatType(), PADDED_ISSUES)
        row_at = context.cast(builder, args[6], signature.args[6], types.intp)
        first = builder.mul(row_at, ir.Constant(intp, PADDED_ISSUES))

        def row(k: int) -> Any:
            data = context.make_array(signature.args[k])(context, builder, args[k]).data
            if signature.args[k].dtype == types.float64:
                return builder.load(builder.bitcast(builder.gep(data, [first]), wide.as_pointer()), align=8)
            return builder.fpext(builder.load(builder.bitcast(builder.gep(data, [first]), narrow.as_pointer()), align=4), wide)

        def vector(k: int) -> Any:
            data = context.make_array(signature.args[k])(context, builder, args[k]).data
            return builder.load(builder.bitcast(data, wide.as_pointer()), align=8)

        def splat(value: Any) -> Any:
            vec = ir.Constant(wide, None)
            for lane in range(PADDED_ISSUES):
                vec = builder.insert_element(vec, value, ir.Constant(ir.IntType(32), lane))
            return vec

        a, b, nb = row(0), row(1), row(2)
        total, level_v = vector(4), vector(5)
        deg_int = context.cast(builder, args[7], signature.args[7], types.int64)
        deg_f = builder.sitofp(deg_int, ir.DoubleType())
        r = splat(context.cast(builder, args[8], signature.args[8], types.float64))
        d = splat(context.cast(builder, args[9], signature.args[9], types.float64))
        one = ir.Constant(wide, [1.0] * PADDED_ISSUES)
        # own = a + reversion * (baseline * level - a)
        own = builder.fadd(a, builder.fmul(r, builder.fsub(builder.fmul(b, level_v), a)))
        # theirs = (1 - reversion) * (sum / deg) + reversion * level * around, or 0 without ties
        theirs = builder.fadd(
            builder.fmul(builder.fsub(one, r), builder.fdiv(total, splat(deg_f))), builder.fmul(builder.fmul(r, level_v), nb)
        )
        tied = builder.icmp_signed(">", deg_int, ir.Constant(ir.IntType(64), 0))
        theirs = builder.select(tied, theirs, ir.Constant(wide, None))
        new = builder.fadd(builder.fmul(builder.fsub(one, d), own), builder.fmul(d, theirs))
        # Ads add their push (the push rows are read only when there are ads).
        has = context.cast(builder, args[10], signature.args[10], types.boolean)
        before = builder.basic_block
        with builder.if_then(has):
            pushed = builder.fadd(new, row(3))
            after_push = builder.basic_block
        moved = builder.phi(wide)
        moved.add_incoming(new, before)
        moved.add_incoming(pushed, after_push)
        new = moved
        target = context.make_array(signature.args[11])(context, builder, args[11]).data
        builder.store(new, builder.bitcast(target, wide.as_pointer()), align=8)
        return context.get_dummy_value()

    return sig, codegen


@njit(parallel=True, cache=True)
def pad_rows(values, out):
    """Copy ``values`` (n × k) into the first k columns of ``out`` (n × :data:`PADDED_ISSUES`); the other columns are left as they are."""
    n, k_all = values.shape
    for c in prange((n + CHUNK - 1) // CHUNK):
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            for k in range(k_all):
                out[i, k] = values[i, k]


@njit(parallel=True, cache=True)
def neighbour_mean(values, indptr, indices, out):
    """Each voter's neighbours' mean row of ``values`` (zero for a voter without ties)."""
    n, k_all = values.shape
    n_chunks = (n + CHUNK - 1) // CHUNK
    for c in prange(n_chunks):
        acc = np.empty(k_all)
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            deg = indptr[i + 1] - indptr[i]
            sum_neighbours(values, indices, indptr[i], indptr[i + 1], acc)
            for k in range(k_all):
                out[i, k] = acc[k] / deg if deg > 0 else 0.0


@njit(parallel=True, cache=True)
def spread_attention(
    attention,
    baseline,
    level,
    indptr,
    indices,
    padded,
    neighbour_baseline,
    diffusion,
    reversion,
    mix,
    push,
    has_push,
    out_attention,
    out_salience,
    chunk_salience,
):
    """Attention moves towards neighbours' (social diffusion) and back towards the voter's own level; ads add to it.

    Attention follows the news and one's contacts (Zaller 1992); reversion lets a shock
    fade. Each voter's attention closes ``reversion`` of the gap to its own level,
    ``baseline × level``; of that it keeps ``1 - diffusion`` and takes ``diffusion`` of its
    neighbours' mean, which is ``(1 - reversion) ×`` their mean attention ``+ reversion ×
    level ×`` their mean baseline (``neighbour_baseline``, fixed while baselines and ties
    are); ``mix`` False skips diffusion. Ads add ``push``. Salience is each issue's share of
    the new attention. Writes the new attention and salience and, per chunk of voters, the
    sum of salience. The network's rows are neighbour lists (``indptr``/``indices``).
    ``padded`` (4 × n × :data:`PADDED_ISSUES`) holds ``attention``, ``baseline``,
    ``neighbour_baseline`` and ``push`` (when ``has_push``) with their rows padded with
    zeros; with it, each voter's neighbours' sums and move run on a whole row at a time
    (:func:`sum_padded_rows`, :func:`move_padded_row`), and with no rows (4 × 0 × …) an
    issue at a time. The bits are the same either way.
    """
    n, k_all = attention.shape
    n_chunks = (n + CHUNK - 1) // CHUNK
    by_row = padded.shape[1] > 0
    own_rows, base_rows, around_rows, push_rows = padded[0], padded[1], padded[2], padded[3]
    for c in prange(n_chunks):
        new = np.empty(k_all)
        row_sum = np.empty(PADDED_ISSUES)
        moved = np.empty(PADDED_ISSUES)
        level_row = np.zeros(PADDED_ISSUES)
        for k in range(k_all):
            level_row[k] = level[k]
        for k in range(k_all):
            chunk_salience[c, k] = 0.0
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            if mix and by_row:
                deg = indptr[i + 1] - indptr[i]
                sum_padded_rows(own_rows, indices, indptr[i], indptr[i + 1], row_sum)  # type: ignore[call-arg]  # an intrinsic is called without its typing context
                move_padded_row(
                    own_rows, base_rows, around_rows, push_rows, row_sum, level_row, i, deg, reversion, diffusion, has_push, moved
                )
                for k in range(k_all):
                    new[k] = moved[k]
            elif mix:
                deg = indptr[i + 1] - indptr[i]
                sum_neighbours(attention, indices, indptr[i], indptr[i + 1], new)
                for k in range(k_all):
                    a = np.float64(attention[i, k])
                    own = a + reversion * (np.float64(baseline[i, k]) * level[k] - a)
                    if deg > 0:
                        theirs = (1.0 - reversion) * (new[k] / deg) + reversion * level[k] * np.float64(neighbour_baseline[i, k])
                    else:
                        theirs = 0.0
                    new[k] = (1.0 - diffusion) * own + diffusion * theirs
            else:
                for k in range(k_all):
                    a = np.float64(attention[i, k])
                    new[k] = a + reversion * (np.float64(baseline[i, k]) * level[k] - a)
            if has_push and not (mix and by_row):
                for k in range(k_all):
                    new[k] += push[i, k]
            total = 0.0
            for k in range(k_all):
                out_attention[i, k] = new[k]
                total += np.float64(out_attention[i, k])
            scale = 1.0 / total if total > 0.0 else 1.0
            for k in range(k_all):
                out_salience[i, k] = np.float64(out_attention[i, k]) * scale
                chunk_salience[c, k] += np.float64(out_salience[i, k])


@njit(parallel=True, cache=True)
def normalise_salience(attention, out_salience, chunk_salience):
    """Salience is each issue's share of a voter's attention; rows sum to 1. Also sums salience per chunk of voters."""
    n, k_all = attention.shape
    n_chunks = (n + CHUNK - 1) // CHUNK
    for c in prange(n_chunks):
        lo = c * CHUNK
        hi = min(n, lo + CHUNK)
        for k in range(k_all):
            chunk_salience[c, k] = 0.0
        for i in range(lo, hi):
            total = 0.0
            for k in range(k_all):
                total += np.float64(attention[i, k])
            for k in range(k_all):
                a = np.float64(attention[i, k])
                out_salience[i, k] = a / total if total > 0.0 else a
                chunk_salience[c, k] += np.float64(out_salience[i, k])


@njit(parallel=True, cache=True)
def ad_push(group_mask, district, state, n_house, exposure, dose_sum, strength, out):
    """Ads add attention to their issue for the voters they reach (agenda setting), in proportion to exposure.

    ``dose_sum`` is the ad dose per seat and issue (both candidates' ads); a voter is
    reached by the ads in each race of ``group_mask`` it votes in.
    """
    n, k_all = out.shape
    for i in prange(n):
        for k in range(k_all):
            out[i, k] = 0.0
        for g in range(3):
            if group_mask[g]:
                j = seat_of_voter(i, g, district, state, n_house)
                for k in range(k_all):
                    out[i, k] += dose_sum[j, k]
        for k in range(k_all):
            out[i, k] = strength * exposure[i] * out[i, k]


@njit(parallel=True, cache=True)
def race_gaps(
    group,
    district,
    state,
    n_house,
    positions,
    salience,
    party_id,
    exposure,
    party,
    platform,
    valence,
    chal_platform,
    chal_valence,
    sitting,
    dose,
    primary,
    edge,
    party_weight,
    issue_weight,
    ad_scale,
    ads,
    out_gap,
    out_weight,
):
    """Every voter's utility gap in its race of ``group`` without the target issue, and its weight on the target issue."""
    n, k_all = positions.shape
    n_chunks = (n + CHUNK - 1) // CHUNK
    for c in prange(n_chunks):
        s = np.empty(k_all)
        for v in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            for k in range(k_all):
                s[k] = salience[v, k]
            j = seat_of_voter(v, group, district, state, n_house)
            gap, w = weigh_issues(
                positions[v],
                s,
                exposure[v],
                party_id[v],
                j,
                party,
                platform,
                valence,
                chal_platform,
                chal_valence,
                sitting,
                dose,
                primary,
                edge,
                party_weight,
                issue_weight,
                ad_scale,
                ads,
            )
            out_gap[v] = gap
            out_weight[v] = w
