"""The dashboard's entry point, run by `streamlit run` (see launch.py).

Three pages over the marts; each page module draws what exists in the warehouse
and says which report will add more when it does not exist yet. The page modules
live in `views/`, not `pages/`: Streamlit treats a `pages/` folder next to the
main script as pages of their own, and a server whose first visitor opened a
deep link such as `/usage_trends` then ran that module alone (a blank page).
"""

from __future__ import annotations

import streamlit as st

from customer_usage.dashboard.reader import WarehouseMissing
from customer_usage.dashboard.views import customer_360, integration_health, usage_trends

st.set_page_config(page_title="Customer usage", layout="wide")
navigation = st.navigation([
    st.Page(customer_360.render, title="Customer 360", url_path="customer_360", default=True),
    st.Page(usage_trends.render, title="Usage trends", url_path="usage_trends"),
    st.Page(integration_health.render, title="Integration health", url_path="integration_health"),
])
try:
    navigation.run()
except WarehouseMissing as missing:
    st.error(str(missing))
