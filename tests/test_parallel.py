"""How work is handed to the workers."""

from __future__ import annotations

from generator.parallel import batches


def test_light_items_go_in_batches_and_heavy_ones_one_by_one() -> None:
    items = list(range(100))
    assert [len(batch) for batch in batches(items, processes=2, weight=1)] == [7] * 14 + [2]
    assert batches(items, processes=2, weight=20) == [[item] for item in items]
    big_first = batches(items, processes=2, weight=1, alone=3)
    assert big_first[:3] == [[0], [1], [2]] and [item for batch in big_first for item in batch] == items
