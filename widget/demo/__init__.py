"""The demo tenants' own backends and websites, served under /demo/ as a customer's server would."""
