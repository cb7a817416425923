"""API-Football's pre-match odds as pitchlake endpoints: an external plugin, installed with pip.

* ``odds``: ``/odds?league=&season=``, the pre-match odds of every match of a league season that
  the API offers at the time (10 matches a page), gated by the league season's ``odds`` coverage
  flag. The API offers a match's odds from about 14 days before it and deletes them some days
  after, so the lake keeps every daily fetch, and dbt reads each match from the newest fetch that
  holds it. A current season is fetched again every day while a match of it is in that window
  (``changes_with="fixtures"``, :mod:`.refresh`), weekly otherwise; a closed season once, ever
  (whatever the API still has).
* ``odds_mapping`` (``/odds/mapping``, 100 matches a page), ``odds_bookmakers``
  (``/odds/bookmakers``) and ``odds_bets`` (``/odds/bets``): reference lists without partition
  keys, fetched again monthly.

``/odds/live`` and ``/odds/live/bets`` are left out: in-play odds change by the second, and the
lake is fetched daily.

Everything the rest of pitchlake needs ships in this package: the item schemas (``schemas/``) and
the dbt models ``pitchlake render dbt`` copies into the project (``dbt/``: a staging model per
endpoint and the ``fct_match_odds_1x2`` mart).
"""

from pitchlake import hookimpl
from pitchlake.endpoints import load_schema
from pitchlake_api_football import ApiFootballEndpoint

from .refresh import matches_in_odds_window

__all__ = ["ENDPOINTS", "ODDS", "ODDS_BETS", "ODDS_BOOKMAKERS", "ODDS_MAPPING", "register_endpoints"]

ODDS = ApiFootballEndpoint(
    name="odds", path="odds", partition_keys=("season", "league_id"), params={"league": "{league_id}", "season": "{season}"},
    item_schema=load_schema(__file__, "odds"), paginated=True, coverage_flag="odds",
    # a user may narrow the answer to a bookmaker or a bet (smaller files, the same pages) or set
    # the time zone of fixture.date, as on fixtures
    extra_params=frozenset({"bookmaker", "bet", "timezone"}),
    # daily while a match of the league season is within the odds window, weekly otherwise: a
    # weekly fetch still sees every match's odds (offered 14 days before, kept some days after)
    refresh="weekly", changes_with="fixtures", changed=matches_in_odds_window,
    expected_requests=2,  # 10 matches a page: a round or two of a league within the 14-day window
    description="Pre-match odds of the matches of a league season that the API offers now (10 matches a page).",
)

ODDS_MAPPING = ApiFootballEndpoint(
    name="odds_mapping", path="odds/mapping", partition_keys=(), params={},
    item_schema=load_schema(__file__, "odds_mapping"), paginated=True, refresh="monthly",
    expected_requests=14,  # 100 matches a page, about 1,400 matches of every league with odds
    description="Every match, of every league, for which the API has pre-match odds now (100 a page).",
)

ODDS_BOOKMAKERS = ApiFootballEndpoint(
    name="odds_bookmakers", path="odds/bookmakers", partition_keys=(), params={},
    item_schema=load_schema(__file__, "odds_bookmakers"), refresh="monthly",
    description="The bookmakers whose odds the API publishes.",
)

ODDS_BETS = ApiFootballEndpoint(
    name="odds_bets", path="odds/bets", partition_keys=(), params={},
    item_schema=load_schema(__file__, "odds_bets"), refresh="monthly",
    description="The bets (markets) of pre-match odds: Match Winner, Goals Over/Under, ...",
)

ENDPOINTS = (ODDS, ODDS_MAPPING, ODDS_BOOKMAKERS, ODDS_BETS)


@hookimpl
def register_endpoints(register):
    for endpoint in ENDPOINTS:
        register(endpoint)
