"""The coordinator's report on one programme: the facts read once from the store (``facts``),
one row per person as CSV (``rows``), the weekly series (``series``) and their chart
(``chart``), and the end-of-programme summary (``summary``).

Counts, dates and ratings only. The one free text a report carries is what the closing reviews
call "feedback to the programme" (shown in the summary without names); journal entries,
check-in notes, preparations, goal and agreement texts and the other review answers are never
even read here. Callers import from the modules (``chart`` brings matplotlib with it)."""
