"""Legislators and bills: what a recorded vote is worth to a member, and who sponsors which bill.

A member weighs a yea against a nay with the calculus that chooses its stance: its
re-election chance on the record each vote leaves, plus its conviction. Voters judge the
policy voted for, each by its own salience-weighted distance; donors judge the side the
vote takes, as their scorecards do: a vote that moves policy towards a donor is on its
side, whatever the member's stance. A member sponsors the bill it would most gladly vote
for (Mayhew 1974: sponsorship is position taking), and a donor may ask the ally keenest on
its measure to carry it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from pacsim.agents.politician import Beliefs, Incentives, Outlook, conviction_value, reelection_chance


@dataclass
class Weighing:
    """Each member's re-election chance and value on the record of a nay and of a yea (members × bills)."""

    chance_nay: np.ndarray
    chance_yea: np.ndarray
    value_nay: np.ndarray
    value_yea: np.ndarray

    @property
    def support(self) -> np.ndarray:
        """How much more a member values a yea than a nay: positive means it would vote for the bill."""
        return self.value_yea - self.value_nay

    def column(self, b: int) -> Weighing:
        """The weighing of one bill, kept two-dimensional."""
        pick = slice(b, b + 1)
        return Weighing(self.chance_nay[:, pick], self.chance_yea[:, pick], self.value_nay[:, pick], self.value_yea[:, pick])

    def vote(self, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The members' votes on the first bill (True for yea) and the capital each vote costs.

        As in :func:`~pacsim.agents.politician.choose_positions`: ties go to the status quo,
        and the cost is the re-election chance given up against the electorally better vote.
        """
        yea = self.support[members, 0] > 0.0
        chance = np.where(yea, self.chance_yea[members, 0], self.chance_nay[members, 0])
        return yea, np.maximum(self.chance_yea[members, 0], self.chance_nay[members, 0]) - chance

    def chosen_chance(self) -> np.ndarray:
        """Each member's re-election chance on the record of the vote its calculus picks, on the first bill."""
        return np.where(self.support[:, 0] > 0.0, self.chance_yea[:, 0], self.chance_nay[:, 0])


def record_chance(
    outlook: Outlook,
    beliefs: Beliefs,
    inc: Incentives,
    share: np.ndarray,
    slope: np.ndarray,
    ad_columns: np.ndarray,
    judged_at: np.ndarray,
    primary_share: np.ndarray | None = None,
    primary_slope: np.ndarray | None = None,
) -> np.ndarray:
    """Each member's re-election chance on the record of each option (members × options).

    ``share`` and ``slope`` are the member's expected vote share and its slope if it stood on
    the record of each option (voters judge the policy); ``ad_columns`` the position columns
    whose ad power donors' ads would have; ``judged_at`` the position at which donors judge
    the member for each option: :func:`~pacsim.agents.politician.reelection_chance` reads an
    outlook's positions only to tell which side of each donor they are on. Members are taken
    in groups that donors judge alike, so one chamber-wide rule serves every bill.
    """
    if (judged_at == judged_at[:1]).all():
        # Donors judge every member alike (a target-issue bill): one group, without sorting the rows.
        keys, group = judged_at[:1], np.zeros(judged_at.shape[0], dtype=np.intp)
    else:
        keys, group = np.unique(judged_at, axis=0, return_inverse=True)
        group = np.asarray(group).reshape(-1)
    chance = np.empty_like(share)

    def take(power: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return np.take_along_axis(power[rows], ad_columns[rows][:, None, :], axis=2)

    for g, key in enumerate(keys):
        rows = np.flatnonzero(group == g)
        # Every other field of the outlook (the race's electorate, the candidates' own money, ...) is the member's own.
        primary = outlook.primary_share is not None and primary_share is not None and primary_slope is not None
        sub = replace(
            outlook.rows(rows),
            positions=key,
            share=share[rows],
            slope=slope[rows],
            ad_power=take(outlook.ad_power, rows),
            help_power=take(outlook.help_power, rows),
            primary_share=primary_share[rows] if primary_share is not None and primary else None,
            primary_slope=primary_slope[rows] if primary_slope is not None and primary else None,
        )
        chance[rows] = reelection_chance(sub, beliefs.rows(rows), inc)
    return chance


def weigh_target_bills(
    outlook: Outlook,
    beliefs: Beliefs,
    inc: Incentives,
    ideal: np.ndarray,
    conviction: np.ndarray,
    capital: np.ndarray,
    status_quo_col: int,
    bill_cols: np.ndarray,
) -> Weighing:
    """Every member's weighing of a target-issue bill at each of ``bill_cols`` against the status quo.

    A yea stands on the record at the bill's position, a nay at the status quo's; donors
    judge each by the direction it moves policy, so a nay on a measure the industry wants
    opposes the industry as surely as a yea on a regulation does.
    """
    n, m = outlook.share.shape[0], bill_cols.size
    direction = np.sign(outlook.positions[bill_cols] - outlook.positions[status_quo_col])
    cols = np.concatenate([np.full(m, status_quo_col), bill_cols])
    judged = np.broadcast_to(np.concatenate([-direction, direction]), (n, 2 * m))
    ad_cols = np.broadcast_to(cols, (n, 2 * m))
    p_share = None if outlook.primary_share is None else outlook.primary_share[:, cols]
    p_slope = None if outlook.primary_slope is None else outlook.primary_slope[:, cols]
    chance = record_chance(outlook, beliefs, inc, outlook.share[:, cols], outlook.slope[:, cols], ad_cols, judged, p_share, p_slope)
    value = chance + conviction_value(outlook.positions[cols], ideal, conviction, capital)
    return Weighing(chance[:, :m], chance[:, m:], value[:, :m], value[:, m:])


@dataclass
class Record:
    """Members' expected vote share and its slope on some record, in the general election and in the primary (None where none is held)."""

    share: np.ndarray
    slope: np.ndarray
    primary_share: np.ndarray | None = None
    primary_slope: np.ndarray | None = None


def weigh_background_bill(
    outlook: Outlook,
    beliefs: Beliefs,
    inc: Incentives,
    stance_cols: np.ndarray,
    now: Record,
    at_status_quo: Record,
    at_bill: Record,
    platform: np.ndarray,
    positions: tuple[float, float | np.ndarray],
    conviction: np.ndarray,
    capital: np.ndarray,
) -> Weighing:
    """Every member's weighing of a bill on a background issue, at its own stance on the target issue.

    ``now``, ``at_status_quo`` and ``at_bill`` are each member's record at its stance as it
    stands, and if it stood at the status quo's or the bill's position on the issue. A vote
    is news about the member: voters who prefer the bill think better of a yea and worse of
    a nay, each by half the gap between standing at the bill and at the status quo, so a
    member who votes with the voters who decide its race gains and one who votes against
    them is put at risk. Donors, who care only about the target issue, judge the member at
    its stance either way; its conviction weighs closeness to its platform on the issue.
    ``positions`` are the status quo's and the bill's (the bill's may differ by member, as
    when each weighs a bill at its own platform).
    """
    half = 0.5 * (at_bill.share - at_status_quo.share)
    share = np.column_stack([now.share - half, now.share + half])
    slope = np.column_stack([now.slope, now.slope])
    p_share = p_slope = None
    if (
        now.primary_share is not None
        and now.primary_slope is not None
        and at_bill.primary_share is not None
        and at_status_quo.primary_share is not None
    ):
        p_half = 0.5 * (at_bill.primary_share - at_status_quo.primary_share)
        p_share = np.column_stack([now.primary_share - p_half, now.primary_share + p_half])
        p_slope = np.column_stack([now.primary_slope, now.primary_slope])
    judged = np.repeat(outlook.positions[stance_cols][:, None], 2, axis=1)
    ad_cols = np.repeat(stance_cols[:, None], 2, axis=1)
    chance = record_chance(outlook, beliefs, inc, share, slope, ad_cols, judged, p_share, p_slope)
    status_quo, bill = positions
    value_nay = chance[:, :1] + conviction_value(np.array([status_quo]), platform, conviction, capital)
    value_yea = chance[:, 1:] + conviction_value(np.zeros(1), platform - np.asarray(bill), conviction, capital)
    return Weighing(chance[:, :1], chance[:, 1:], value_nay, value_yea)


def volunteer(rng: np.random.Generator, support: np.ndarray) -> tuple[int, int] | None:
    """A member who would gladly vote for one of the options sponsors its favourite; None if no member would.

    Of the willing members, the one who gets its bill in first is drawn in proportion to
    how much it gains from its favourite (members × options ``support``).
    """
    best = support.max(axis=1)
    gain = np.where(best > 0.0, best, 0.0)
    if not gain.any():
        return None
    member = int(rng.choice(gain.size, p=gain / gain.sum()))
    return member, int(np.argmax(support[member]))


def ask_ally(support: np.ndarray, option_positions: np.ndarray, donor_position: float) -> tuple[int, int] | None:
    """A donor asks the member keenest on its measure to carry it; None if no member would vote for any option.

    The measure is the option nearest the donor's ideal that some member would vote for;
    the sponsor is the member who would gain most from it.
    """
    wanted = (support > 0.0).any(axis=0)
    if not wanted.any():
        return None
    order = np.argsort(np.abs(option_positions - donor_position), kind="stable")
    option = int(next(o for o in order if wanted[o]))
    return int(np.argmax(support[:, option])), option
