"""The Microsoft Teams adapter: Teams activities into core calls, core results into Adaptive Cards."""
