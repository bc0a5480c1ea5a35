"""Portfolio views: exposure per foreign state and its concentration, and the HTML report.

:func:`concentration` needs only the core install; :func:`render_report` needs the ``report``
extra (Jinja2 and matplotlib), imported when it is called.
"""

from vendorrisk.report.concentration import Concentration, StateExposure, VendorExposure, concentration

__all__ = ["Concentration", "StateExposure", "VendorExposure", "concentration"]
