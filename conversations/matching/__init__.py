"""The matching engine: optimal mentor–adept proposals for a whole pool at once.

Pure: people in (``Candidate``, ``History``), proposals out (``Result``); no store, no clock,
no chat. Its modules, one-way (an import contract):

* ``assignment`` — ``match``: the assignment with the most pairs, then the highest total
  score (scipy's ``linear_sum_assignment`` on a capacity-expanded table), and why each
  unmatched person is;
* ``scoring`` — the score of a pair (topics, working hours in common, department diversity,
  languages; weights documented there) and the hard constraints, for one pair (``fit``) and
  vectorised for everyone (``score_table``);
* ``wording`` — ``describe``: a reason or a why in one line of Swedish or English;
* ``results`` — ``Proposal``, ``Reason``, ``Unmatched``, ``WhyKind``, ``Constraint``, ``Result``;
* ``candidates`` — ``Candidate``, ``History``.

docs/MATCHING.md describes the score and the constraints for operators.
"""

from conversations.matching.assignment import match
from conversations.matching.candidates import MAX_CAPACITY, Candidate, History
from conversations.matching.results import (
    Constraint,
    Proposal,
    Reason,
    Result,
    Unmatched,
    WhyKind,
)
from conversations.matching.scoring import REFERENCE_DATE, Fit, fit, score_table
from conversations.matching.wording import describe

__all__ = [
    "MAX_CAPACITY",
    "REFERENCE_DATE",
    "Candidate",
    "Constraint",
    "Fit",
    "History",
    "Proposal",
    "Reason",
    "Result",
    "Unmatched",
    "WhyKind",
    "describe",
    "fit",
    "match",
    "score_table",
]
