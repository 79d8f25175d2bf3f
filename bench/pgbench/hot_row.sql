-- The floor of any transaction that charges one hot row: the bare conditional UPDATE of a counter on a single
-- row, committed on its own (synchronous commit, fsync on), on a table with no trigger. Every deduction of a
-- year charges one such row, so no deduction can commit faster than this, whatever else it does.
-- Variables: -D amount=
UPDATE bench_hot_row SET deducted = deducted + :amount WHERE id = 1 AND total >= deducted + :amount;
