"""Recording a run: one tidy table per kind of record, with fixed column names.

``steps`` comes from Mesa's DataCollector (one row per step); ``legislators``,
``votes``, ``bills``, ``races``, ``spending`` and ``events`` are written by the model as
things happen. :func:`model.outcomes.summarise` reads these tables, never live objects.
"""

from __future__ import annotations

import math
from collections import Counter
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

import mesa
import numpy as np
import pandas as pd

from pacsim.agents.enums import BillStage, BillType, Chamber, LegislatorSnapshot, Party, RaceStage, Side, SpendingSide, VoteKind
from pacsim.model.bills import Bill, FloorVote

if TYPE_CHECKING:
    from pacsim.agents import Donor, Politician
    from pacsim.agents.politician import Seats


class RecordedModel(Protocol):
    """What the recorder reads of a model: its clock, parameters, seats, donors, electorate and money."""

    seed: int
    cycle: int
    steps: int
    params: Any
    electorate: Any
    recorder: Recorder

    @property
    def seats(self) -> Seats:
        """Every seat holder, in seat order, and their state's table."""

    @property
    def donors(self) -> list[Donor]:
        """The donors."""

    @property
    def money(self) -> Any:
        """This cycle's money ledger."""

    @property
    def chamber_of(self) -> np.ndarray:
        """Each seat's chamber."""

    @property
    def phase(self) -> Any:
        """The current step's phase."""

    def sides(self) -> np.ndarray:
        """Each seat holder's side of each donor."""


def _count_side(model: RecordedModel, side: Side) -> int:
    return model.recorder.step_counts[side]


def _seats_of(model: RecordedModel, chamber: Chamber, party: Party) -> int:
    return model.recorder.step_counts[chamber, party]


def _mean_salience(model: RecordedModel, issue: int) -> float:
    return float(model.electorate.mean_salience[issue])


def _spent(model: RecordedModel, donor: int) -> float:
    return float(model.donors[donor].spent_total)


def _contested(model: RecordedModel, with_industry: bool) -> int:
    rec = model.recorder
    return rec.contested_with_donor if with_industry else rec.contested_votes


def _capture(model: RecordedModel) -> float:
    """The capture index so far: share of contested roll-call decisions that went the industry's way (NaN before any)."""
    rec = model.recorder
    return rec.contested_with_donor / rec.contested_votes if rec.contested_votes else math.nan


def _capture_bills(model: RecordedModel) -> float:
    """The bill-level capture index so far (see :func:`pacsim.model.outcomes.capture_index_bills`); NaN before any."""
    rec = model.recorder
    return rec.captured_bills / rec.contested_bills if rec.contested_bills else math.nan


def _bills(model: RecordedModel, fate: BillStage | None) -> int:
    rec = model.recorder
    return len(rec.bills) if fate is None else rec.bill_fates[fate.value]


class StepCollector(mesa.DataCollector):
    """Mesa's DataCollector for the ``steps`` table, with what several of its columns count counted once per row."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__(model_reporters=recorder.model_reporters())
        self.recorder = recorder

    def collect(self, model: Any) -> None:
        """Count the seat holders' sides and parties, then collect the row."""
        self.recorder.count_step()
        super().collect(model)


class Recorder:
    """Collects a model's records as it runs and turns them into DataFrames."""

    def __init__(self, model: RecordedModel) -> None:
        self.model = model
        self.legislators: list[dict[str, Any]] = []
        self.vote_chunks: list[dict[str, np.ndarray]] = []
        self.bills: list[dict[str, Any]] = []
        self.races: list[dict[str, Any]] = []
        self.spend_chunks: list[dict[str, np.ndarray]] = []
        self.events: list[dict[str, Any]] = []
        self.contested_votes = 0
        self.contested_with_donor = 0
        #: Bills so far by fate, and the target-issue bills on which the industry and the national majority disagree
        #: (those the bill-level capture index counts) and how many went the industry's way: kept as bills are
        #: recorded, so a step's row does not go over every bill of the run.
        self.bill_fates: Counter[str] = Counter()
        self.contested_bills = 0
        self.captured_bills = 0
        #: Seat holders by side of the first donor and by (chamber, party), as of the last ``steps`` row.
        self.step_counts: Counter[Any] = Counter()
        #: Each chamber's seats (the chambers never change during a run), set at the first count.
        self._chamber_seats: dict[Chamber, np.ndarray] = {}

    def count_step(self) -> None:
        """Count what this step's ``steps`` row reports of the seat holders, once for all its columns."""
        m = self.model
        first = m.sides()[:, 0]
        counts: Counter[Any] = Counter({side: int((first == side).sum()) for side in Side})
        if not self._chamber_seats:
            self._chamber_seats = {c: m.chamber_of == c for c in Chamber}
        party = m.seats.table.party
        counts.update({(c, p): n for c, seats in self._chamber_seats.items() for p in Party if (n := int((seats & (party == p)).sum()))})
        self.step_counts = counts

    def model_reporters(self) -> dict[str, Any]:
        """DataCollector reporters for the per-step ``steps`` table."""
        m = self.model
        reporters: dict[str, Any] = {
            "cycle": partial(lambda model: model.cycle),
            "phase": partial(lambda model: model.phase.value if model.steps else "start"),
            "opposing_industry": partial(_count_side, side=Side.OPPONENT),
            "muted": partial(_count_side, side=Side.MUTED),
            "supporting_industry": partial(_count_side, side=Side.ALLY),
        }
        for i, name in enumerate(m.electorate.issue_names):
            reporters[f"salience_{name}"] = partial(_mean_salience, issue=i)
        for d, donor in enumerate(m.donors):
            reporters[f"spent_{donor.name}"] = partial(_spent, donor=d)
        for chamber in Chamber:
            for party in Party:
                reporters[f"{chamber.value}_{party.label}"] = partial(_seats_of, chamber=chamber, party=party)
        reporters["bills_introduced"] = partial(_bills, fate=None)
        reporters["bills_gated"] = partial(_bills, fate=BillStage.GATED)
        reporters["bills_failed"] = partial(_bills, fate=BillStage.FAILED)
        reporters["bills_passed"] = partial(_bills, fate=BillStage.PASSED)
        reporters["contested_votes"] = partial(_contested, with_industry=False)
        reporters["contested_votes_with_industry"] = partial(_contested, with_industry=True)
        reporters["capture_index"] = _capture
        reporters["capture_index_bills"] = _capture_bills
        return reporters

    def _base(self) -> dict[str, Any]:
        m = self.model
        return {"seed": m.seed, "cycle": m.cycle, "step": m.steps}

    def snapshot_legislators(self, when: LegislatorSnapshot) -> None:
        """One row per sitting legislator: stance, beliefs, capital and money this cycle.

        ``when`` is START (the run's start), ELECTION (just before each election) or SESSION
        (a few weeks into each later session, after legislators have taken in the election's
        lessons).
        """
        m = self.model
        sides = m.sides()
        for j, s in enumerate(m.seats):
            self.legislators.append(
                {
                    **self._base(),
                    "when": LegislatorSnapshot(when).value,
                    "politician_id": s.unique_id,
                    "chamber": s.chamber.value,
                    "seat": j,
                    "state": s.state,
                    "district": s.district,
                    "party": s.party.label,
                    "ideal": s.ideal,
                    "conviction": s.conviction,
                    "champion": s.is_champion,
                    "capital": s.capital,
                    "stance": s.stance,
                    "side_industry": Side(int(sides[j, 0])).name.lower(),
                    "threat_belief_industry": float(s.threat_belief[0]),
                    "protect_belief_industry": float(s.protect_belief[0]),
                    "threat_effect_industry": float(s.threat_effect[0]),
                    "targeted_industry": bool(m.money.against_incumbent[j, 0] > 0),
                    "money_for": s.money_for,
                    "money_against": s.money_against,
                    "last_margin": s.last_margin,
                }
            )

    def roll_call(
        self,
        bill_id: int,
        chamber: Chamber,
        members: np.ndarray,
        yea: np.ndarray,
        bill: Bill,
        district_share: np.ndarray,
        kind: VoteKind = VoteKind.FLOOR,
    ) -> None:
        """Every member's decision on a bill, the industry's side and the district majority's side.

        ``kind`` is FLOOR for a recorded vote (a Senate bill that failed cloture is recorded
        by its cloture vote), or WHIP for the positions members gave the leader on a bill
        kept off the floor: a gate does not hide where members stood. The industry has a side
        only on target-issue bills; a background-issue decision is never contested.
        """
        m = self.model
        on_target = bill.bill_type is not BillType.PARTISAN
        industry = m.donors[0].position
        industry_yea = on_target and abs(industry - bill.position) < abs(industry - bill.status_quo)
        district_yea = district_share[members] > 0.5
        with_industry = (yea == industry_yea) & on_target
        contested = (district_yea != industry_yea) & on_target
        if VoteKind(kind) is VoteKind.FLOOR:
            # Capture counts recorded floor votes; a gated bill counts once, at the bill level.
            self.contested_votes += int(contested.sum())
            self.contested_with_donor += int((contested & with_industry).sum())
        n = members.size
        self.vote_chunks.append(
            {
                "seed": np.full(n, m.seed),
                "cycle": np.full(n, m.cycle),
                "step": np.full(n, m.steps),
                "bill_id": np.full(n, bill_id),
                "bill_type": np.full(n, BillType(bill.bill_type).value),
                "kind": np.full(n, VoteKind(kind).value),
                "chamber": np.full(n, chamber.value),
                "seat": members,
                "politician_id": np.array([m.seats[j].unique_id for j in members]),
                "party": np.where(m.seats.table.party[members] == Party.REP, Party.REP.label, Party.DEM.label),
                "yea": yea,
                "industry_side_yea": np.full(n, industry_yea),
                "district_majority_yea": district_yea,
                "district_support": district_share[members],
                "with_industry": with_industry,
                "contested": contested,
            }
        )

    def bill(
        self,
        bill_id: int,
        bill: Bill,
        sponsor: Politician,
        national_share: float,
        fate: BillStage,
        chamber: Chamber | None,
        floors: dict[Chamber, FloorVote],
        majorities: dict[Chamber, Party],
    ) -> None:
        """A bill's life: what it does, who sponsored it, where it stopped, how each chamber's floor voted and who was rolled.

        A chamber's ``final_passage`` is whether it held a final-passage vote (a Senate bill
        that fails cloture has none); roll rates take those votes as their denominator.
        """
        m = self.model
        industry = m.donors[0].position
        on_target = bill.bill_type is not BillType.PARTISAN
        row = {
            **self._base(),
            "bill_id": bill_id,
            "bill_type": BillType(bill.bill_type).value,
            "issue": m.electorate.issue_names[bill.issue],
            "position": bill.position,
            "status_quo": bill.status_quo,
            "privileged": bill.privileged,
            "sponsor_id": sponsor.unique_id,
            "sponsor_seat": bill.sponsor,
            "sponsor_chamber": sponsor.chamber.value,
            "sponsor_party": sponsor.party.label,
            "asked_by": bill.asked_by,
            "national_support": national_share,
            "national_majority_yea": national_share > 0.5,
            "industry_side_yea": on_target and abs(industry - bill.position) < abs(industry - bill.status_quo),
            "fate": fate.value,
            "stopped_in": chamber.value if chamber is not None else "",
            "failed_cloture": any(f.failed_cloture for f in floors.values()),
            "passed": fate is BillStage.PASSED,
        }
        for c in (Chamber.HOUSE, Chamber.SENATE):
            floor = floors.get(c)
            row[f"{c.value}_yea"] = floor.yea if floor else 0
            row[f"{c.value}_nay"] = floor.nay if floor else 0
        for c in (Chamber.HOUSE, Chamber.SENATE):
            floor = floors.get(c)
            row[f"{c.value}_floor"] = floor is not None
            row[f"{c.value}_final_passage"] = bool(floor and floor.final_passage)
            row[f"{c.value}_majority_party"] = majorities[c].label
            row[f"{c.value}_majority_rolled"] = bool(floor and floor.majority_rolled)
            row[f"{c.value}_minority_rolled"] = bool(floor and floor.minority_rolled)
        self.bills.append(row)
        self.bill_fates[row["fate"]] += 1
        if row["bill_type"] != BillType.PARTISAN.value and row["national_majority_yea"] != row["industry_side_yea"]:
            self.contested_bills += 1
            self.captured_bills += int(row["passed"] == row["industry_side_yea"])

    def race(
        self,
        seat: int,
        holder: Politician,
        challenger: Politician,
        share: float,
        votes: float,
        winner: Politician,
        open_seat: bool,
        stage: RaceStage = RaceStage.GENERAL,
    ) -> None:
        """One election (a general election or a party primary): candidates, money by donor, the vote and the winner."""
        m = self.model
        row = {
            **self._base(),
            "stage": RaceStage(stage).value,
            "chamber": str(m.chamber_of[seat]),
            "seat": seat,
            "state": holder.state,
            "district": holder.district,
            "open_seat": open_seat,
            "sitting_member": bool(holder.incumbent),
            "incumbent_id": holder.unique_id,
            "incumbent_party": holder.party.label,
            "incumbent_stance": holder.stance,
            "challenger_id": challenger.unique_id,
            "challenger_party": challenger.party.label,
            "challenger_stance": challenger.stance,
            "votes": votes,
            "share_incumbent": share,
            "share_challenger": 1.0 - share,
            "winner_id": winner.unique_id,
            "winner_party": winner.party.label,
            "incumbent_won": winner is holder,
        }
        for d, donor in enumerate(m.donors):
            row[f"{donor.name}_for_incumbent"] = float(m.money.for_incumbent[seat, d])
            row[f"{donor.name}_against_incumbent"] = float(m.money.against_incumbent[seat, d])
        row["candidate_spending"] = float(m.money.candidates[seat]) if RaceStage(stage) is RaceStage.GENERAL else 0.0
        row["donor_share_of_spending"] = float(m.money.donor_share(slice(seat, seat + 1))[0])
        self.races.append(row)

    def spending(
        self,
        donor: Donor,
        against: np.ndarray,
        for_: np.ndarray,
        issue_against: np.ndarray,
        issue_for: np.ndarray,
        stage: RaceStage = RaceStage.GENERAL,
    ) -> None:
        """A week's ad buys by one donor, one row per race and side with money in it."""
        m = self.model
        names = np.array(m.electorate.issue_names)
        for side, amount, issue in (
            (SpendingSide.AGAINST_INCUMBENT, against, issue_against),
            (SpendingSide.FOR_INCUMBENT, for_, issue_for),
        ):
            seats = np.flatnonzero(amount > 0)
            if seats.size == 0:
                continue
            self.spend_chunks.append(
                {
                    "seed": np.full(seats.size, m.seed),
                    "cycle": np.full(seats.size, m.cycle),
                    "step": np.full(seats.size, m.steps),
                    "donor": np.full(seats.size, donor.name),
                    "seat": seats,
                    "chamber": m.chamber_of[seats].astype(str),
                    "stage": np.full(seats.size, RaceStage(stage).value),
                    "side": np.full(seats.size, side.value),
                    "ad_issue": names[issue[seats]],
                    "amount": amount[seats],
                }
            )

    def event(self, issue: str, log_size: float) -> None:
        """An exogenous salience shock fired into the run."""
        self.events.append({**self._base(), "issue": issue, "log_size": log_size})

    def tables(self, steps: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """Every table as a DataFrame with its fixed columns (empty tables keep their columns)."""
        steps = steps.reset_index(drop=True)
        steps.insert(0, "step", np.arange(len(steps)))
        steps.insert(0, "seed", self.model.seed)
        return {
            "steps": steps,
            "legislators": pd.DataFrame(self.legislators),
            "votes": _concat(self.vote_chunks, VOTE_COLUMNS),
            "bills": pd.DataFrame(self.bills, columns=BILL_COLUMNS),
            "races": pd.DataFrame(self.races),
            "spending": _concat(self.spend_chunks, SPEND_COLUMNS),
            "events": pd.DataFrame(self.events, columns=["seed", "cycle", "step", "issue", "log_size"]),
        }


VOTE_COLUMNS = [
    "seed",
    "cycle",
    "step",
    "bill_id",
    "bill_type",
    "kind",
    "chamber",
    "seat",
    "politician_id",
    "party",
    "yea",
    "industry_side_yea",
    "district_majority_yea",
    "district_support",
    "with_industry",
    "contested",
]
BILL_COLUMNS = [
    "seed",
    "cycle",
    "step",
    "bill_id",
    "bill_type",
    "issue",
    "position",
    "status_quo",
    "privileged",
    "sponsor_id",
    "sponsor_seat",
    "sponsor_chamber",
    "sponsor_party",
    "asked_by",
    "national_support",
    "national_majority_yea",
    "industry_side_yea",
    "fate",
    "stopped_in",
    "failed_cloture",
    "passed",
    "house_yea",
    "house_nay",
    "senate_yea",
    "senate_nay",
    "house_floor",
    "house_final_passage",
    "house_majority_party",
    "house_majority_rolled",
    "house_minority_rolled",
    "senate_floor",
    "senate_final_passage",
    "senate_majority_party",
    "senate_majority_rolled",
    "senate_minority_rolled",
]
SPEND_COLUMNS = ["seed", "cycle", "step", "donor", "seat", "chamber", "stage", "side", "ad_issue", "amount"]


def _concat(chunks: list[dict[str, np.ndarray]], columns: list[str]) -> pd.DataFrame:
    if not chunks:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame({c: np.concatenate([ch[c] for ch in chunks]) for c in columns})
