"""scikit-learn's estimator checks on :class:`vendorrisk.calibration.Calibrator`.

Both methods run every check that applies. What is skipped (marked xfail, strict: a check that
starts passing fails the run) and why:

- isotonic: the method takes exactly one column, the score (like :class:`sklearn.isotonic.IsotonicRegression`),
  and refuses more with a ValueError; the generic checks below fit on data of 2 to 10 feature
  columns, so they fail on that refusal before testing anything else. The one-column behaviour
  they would cover (fit returns self, fitted attributes, no parameter changes, clone, pickling
  is not used) is covered by the logistic run of the same checks and by tests/test_calibration.py.
- Neither method is skipped for accuracy: the ``poor_score`` tag is set because a calibrator
  that is monotone by construction cannot fit the generic blobs whose class falls as a feature
  rises.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("sklearn", reason="calibration needs scikit-learn: pip install '.[ml]' (or '.[test]')")

from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from vendorrisk.calibration import Calibrator  # noqa: E402

_ONE_COLUMN = "isotonic takes one column (the score); the check fits on several"
_ISOTONIC_MULTI_COLUMN_CHECKS = (
    "check_classifier_data_not_an_array",
    "check_classifiers_classes",
    "check_classifiers_train",
    "check_dict_unchanged",
    "check_dont_overwrite_parameters",
    "check_dtype_object",
    "check_estimators_dtypes",
    "check_estimators_fit_returns_self",
    "check_estimators_nan_inf",
    "check_estimators_overwrite_params",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_fit2d_predict1d",
    "check_fit_check_is_fitted",
    "check_fit_idempotent",
    "check_fit_score_takes_y",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_n_features_in",
    "check_n_features_in_after_fitting",
    "check_pipeline_consistency",
    "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input",
    "check_supervised_y_2d",
)


def _expected_failures(estimator: Any) -> dict[str, str]:
    if estimator.method == "isotonic":
        return {name: _ONE_COLUMN for name in _ISOTONIC_MULTI_COLUMN_CHECKS}
    return {}


@parametrize_with_checks([Calibrator("logistic"), Calibrator("isotonic")], expected_failed_checks=_expected_failures)
def test_scikit_learn_estimator_checks(estimator: Any, check: Any) -> None:
    check(estimator)
