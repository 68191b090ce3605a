"""Reader-study statistics against textbook values and constructed readers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gan_lib.validation import analysis
from gan_lib.validation.db import EXPORT_COLUMNS, to_csv_text
from gan_lib.validation.simulate import demo_items, simulate_readers

#: Worked example of Fleiss' kappa (10 subjects, 14 raters, 5 categories; Wikipedia "Fleiss' kappa",
#: after Fleiss 1971): P-bar = 0.378, P_e = 0.213, kappa = 0.210.
FLEISS_EXAMPLE = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)


def _export(rows):
    """Export rows from (reader, item, label, answer, confidence, realism[, repeat])."""
    records = []
    for row in rows:
        reader, item, label, answer, confidence, realism, *rest = row
        records.append(
            {
                "reader": reader,
                "item_id": item,
                "label": label,
                "answer": answer,
                "confidence": confidence,
                "realism": realism,
                "repeat": rest[0] if rest else 0,
            }
        )
    return pd.DataFrame(records)


def _reader(name, labels, answers, confidences=None, realism=None):
    confidences = confidences or [3] * len(labels)
    realism = realism or [3] * len(labels)
    return [
        (name, f"item{i}", lab, ans, c, r)
        for i, (lab, ans, c, r) in enumerate(zip(labels, answers, confidences, realism))
    ]


def test_fleiss_kappa_matches_the_textbook_example():
    assert analysis.fleiss_kappa(FLEISS_EXAMPLE) == pytest.approx(0.2099, abs=5e-4)


def test_fleiss_kappa_is_one_for_perfect_agreement_and_negative_for_systematic_disagreement():
    assert analysis.fleiss_kappa(np.array([[3, 0], [0, 3], [3, 0]])) == 1.0
    assert analysis.fleiss_kappa(np.array([[1, 1], [1, 1], [1, 1]])) == pytest.approx(-1.0)


def test_fleiss_kappa_rejects_unequal_rater_counts():
    with pytest.raises(ValueError, match="same number of raters"):
        analysis.fleiss_kappa(np.array([[2, 0], [1, 2]]))


def test_reader_accuracy_intervals_are_clopper_pearson():
    # 7 of 10 correct: exact 95% interval 0.3475-0.9333 (Clopper & Pearson 1934 tables).
    labels = ["real"] * 5 + ["synthetic"] * 5
    answers = ["real"] * 5 + ["synthetic"] * 2 + ["real"] * 3
    row = analysis.reader_accuracy(_export(_reader("A", labels, answers)), n_boot=50).iloc[0]
    assert (row.accuracy, round(row.accuracy_ci_low, 4), round(row.accuracy_ci_high, 4)) == (0.7, 0.3475, 0.9333)


def test_reader_accuracy_of_a_perfect_reader():
    labels = ["real"] * 10 + ["synthetic"] * 10
    table = analysis.reader_accuracy(_export(_reader("A", labels, labels)), n_boot=200)
    row = table.iloc[0]
    assert (row.n, row.correct, row.accuracy, row.sensitivity, row.specificity, row.auc) == (20, 20, 1.0, 1.0, 1.0, 1.0)
    assert row.p_value == pytest.approx(2 * 0.5**20)
    assert row.accuracy_ci_low == pytest.approx(0.025 ** (1 / 20))  # exact lower bound for n of n successes


def test_reader_accuracy_of_a_reader_who_always_says_real_is_at_chance():
    labels = ["real"] * 10 + ["synthetic"] * 10
    row = analysis.reader_accuracy(_export(_reader("A", labels, ["real"] * 20)), n_boot=200).iloc[0]
    assert (row.accuracy, row.sensitivity, row.specificity, row.p_value) == (0.5, 0.0, 1.0, 1.0)
    assert row.auc == pytest.approx(0.5)


def test_reader_accuracy_auc_uses_the_confidence_scale():
    labels = ["real", "real", "synthetic", "synthetic"]
    answers = ["real", "real", "real", "real"]  # accuracy 0.5, but more doubt on the synthetic ones
    row = analysis.reader_accuracy(_export(_reader("A", labels, answers, [5, 4, 2, 1])), n_boot=200).iloc[0]
    assert row.accuracy == 0.5 and row.auc == 1.0


def test_reader_accuracy_ignores_repeat_showings():
    rows = _reader("A", ["real", "synthetic"], ["real", "synthetic"]) + [("A", "item0", "real", "synthetic", 3, 3, 1)]
    assert analysis.reader_accuracy(_export(rows), n_boot=50).iloc[0].n == 2


def test_inter_reader_agreement_uses_items_rated_by_all():
    labels = ["real", "synthetic"] * 5
    rows = _reader("A", labels, labels) + _reader("B", labels, labels) + [("C", "item0", "real", "real", 3, 3)]
    out = analysis.inter_reader_agreement(_export(rows), n_boot=100)
    assert (out["n_items"], out["n_readers"]) == (1, 3)
    two = analysis.inter_reader_agreement(
        _export(_reader("A", labels, labels) + _reader("B", labels, labels)), n_boot=100
    )
    assert two["kappa"] == 1.0 and two["n_items"] == 10 and two["kappa_ci_low"] <= 1.0


def test_realism_by_label_detects_lower_realism_of_synthetic_items():
    labels = ["real"] * 10 + ["synthetic"] * 10
    table = analysis.realism_by_label(_export(_reader("A", labels, labels, realism=[5] * 10 + [1] * 10)))
    row = table.set_index("reader").loc["A"]
    assert row.median_real == 5 and row.median_synthetic == 1
    assert row.p_synthetic_more_realistic == 0.0 and row.p_value < 1e-3
    assert list(table["reader"]) == ["A", "all readers"]


def test_intra_reader_consistency_counts_agreeing_repeat_pairs():
    rows = [
        ("A", "i1", "real", "real", 3, 4, 0),
        ("A", "i1", "real", "real", 3, 4, 1),
        ("A", "i2", "synthetic", "synthetic", 3, 2, 0),
        ("A", "i2", "synthetic", "real", 3, 3, 1),
        ("A", "i3", "real", "synthetic", 3, 1, 0),
        ("A", "i3", "real", "synthetic", 3, 1, 1),
    ]
    row = analysis.intra_reader_consistency(_export(rows)).iloc[0]
    assert row.n_pairs == 3 and row.agreement == pytest.approx(2 / 3)
    assert row.realism_mean_abs_diff == pytest.approx(1 / 3)


def test_load_export_rejects_unknown_labels_and_missing_columns():
    with pytest.raises(ValueError, match="answer"):
        analysis.load_export(_export([("A", "i", "real", "maybe", 3, 3)]))
    with pytest.raises(ValueError, match="realism"):
        analysis.load_export(_export([("A", "i", "real", "real", 3, 3)]).drop(columns="realism"))


def test_csv_export_guards_spreadsheet_formulas():
    text = to_csv_text(pd.DataFrame({"reader": ["=cmd()"], "note": ["+1"], "answer": ["real"]}))
    assert "'=cmd()" in text and "'+1" in text


def test_simulated_readers_are_labelled_and_reproducible():
    items = demo_items(20, 20, repeats=4, seed=1)
    first, second = simulate_readers(items, n_readers=2, seed=3), simulate_readers(items, n_readers=2, seed=3)
    pd.testing.assert_frame_equal(first, second)
    assert list(first.columns) == list(EXPORT_COLUMNS)
    assert (first["simulated"] == 1).all() and first["reader"].str.startswith("SIMULATED").all()
    assert len(first) == 2 * (40 + 4)


def test_simulated_readers_separate_classes_only_when_told_to():
    items = demo_items(100, 100, repeats=0, seed=0)
    able = analysis.reader_accuracy(simulate_readers(items, n_readers=1, separation=3.0, seed=0), n_boot=100)
    blind = analysis.reader_accuracy(simulate_readers(items, n_readers=1, separation=0.0, seed=0), n_boot=100)
    assert able.iloc[0].accuracy > 0.8 and able.iloc[0].p_value < 1e-6
    assert blind.iloc[0].accuracy_ci_low < 0.5 < blind.iloc[0].accuracy_ci_high
