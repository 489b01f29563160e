"""A local Slack: a stand-in for Slack's Web API and a driver that sends Slack's signed requests.

The tests, the benchmarks and `tanto console` all talk to the app through this one copy, so what
the console shows is what the tests check.
"""
