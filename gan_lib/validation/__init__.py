"""Blinded real-vs-synthetic reader study for medical professionals (thesis section X-I).

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
