"""The reader study: a blinded real-vs-synthetic rating web app for radiologists (thesis section X-I).

Not a validation split.  The thesis calls this its "validation application"
(clinical validation by human readers), hence the package name; the data
splits are ``train``/``val``/``test``/``heldout`` in :mod:`gan_lib.data`.

- :mod:`.study`     build a study folder: anonymous, metadata-free, equal-size PNGs + the answer key in SQLite;
- :mod:`.db`        the SQLite schema and every query (parameterised, transactional);
- :mod:`.security`  invite/session tokens, constant-time checks, CSRF tokens;
- :mod:`.app`       the FastAPI web application readers use;
- :mod:`.analysis`  accuracy with exact CIs, sensitivity/specificity, ROC AUC, Fleiss' kappa, realism, consistency;
- :mod:`.simulate`  SIMULATED readers for a demo export.

Command line: ``python -m gan_lib.validation {create-study,add-reader,serve,export,demo} --help``.
"""

from gan_lib.validation.study import Study, create_study, create_study_from_run

__all__ = ["Study", "create_study", "create_study_from_run"]
