import pytest

from generator.dates import PartialDate


@pytest.mark.parametrize(
    ("text", "display", "precision"),
    [("2024", "2024", "year"), ("2024-02", "February 2024", "month"), ("2024-02-29", "29 February 2024", "day")],
)
def test_parse_and_display(text: str, display: str, precision: str) -> None:
    date = PartialDate.parse(text)
    assert (date.iso, date.display, date.precision) == (text, display, precision)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2024-02-30", "`2024-02-30` is not a real date: February 2024 has 29 days"),
        ("2023-13", "`2023-13` has no month 13"),
        ("24-01-01", "`24-01-01` is not a date; write YYYY, YYYY-MM or YYYY-MM-DD"),
        ("2024/01/01", "`2024/01/01` is not a date; write YYYY, YYYY-MM or YYYY-MM-DD"),
    ],
)
def test_bad_dates(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        PartialDate.parse(text)
    assert str(caught.value) == message


def test_partial_dates_sort_before_days_of_their_period() -> None:
    dates = [PartialDate.parse(t) for t in ("2024-03-01", "2024", "2023-12-31", "2024-02", "2024-02-27")]
    assert [d.iso for d in sorted(dates)] == ["2023-12-31", "2024", "2024-02", "2024-02-27", "2024-03-01"]
