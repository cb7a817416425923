"""The API-Football v3 endpoints, declared once, in dependency order.

``leagues`` comes first because its per-season ``coverage`` flags let the planner skip the calls
of the others that would come back empty (``coverage_flag``). Endpoints keyed by team or country
are ``derived``: their partitions come from what ``teams`` and ``leagues`` put in the lake, not
from the config. ``fixture_details`` reuses ``/fixtures`` with ``ids=`` because the API then
embeds events, lineups, statistics and players: one credit per 20 finished matches instead of
four per match.

Under the config's ``refresh: auto`` (the default) each endpoint's ``refresh`` is how long its
current-season data stays fresh: a day for what moves daily (fixtures, injuries), a week for what
moves slowly (leagues, teams, venues, squads, coaches, transfers), a month for the 26-odd pages
of ``players``. ``standings`` also changes with ``fixtures``: fetched again the day after a match
of its league season finished, and not while none did.

``extra_params`` lists only what a user may sensibly add; the config rejects anything else, so a
typo never burns credits on a request nobody meant.
"""

from __future__ import annotations

from pitchlake.endpoints import load_schema

from . import derive
from .api import IDS_PER_REQUEST, ApiFootballEndpoint

SEASON_LEAGUE = ("season", "league_id")
BY_SEASON_LEAGUE = {"league": "{league_id}", "season": "{season}"}
BY_TEAM = {"team": "{team_id}"}


def _schema(name: str) -> dict:
    return load_schema(__file__, name)


ENDPOINTS: tuple[ApiFootballEndpoint, ...] = (
    ApiFootballEndpoint(
        name="leagues", path="leagues", partition_keys=("league_id",), params={"id": "{league_id}"},
        item_schema=_schema("leagues"), refresh="weekly",
        description="A league with all its seasons and their coverage flags.",
    ),
    ApiFootballEndpoint(
        name="teams", path="teams", partition_keys=SEASON_LEAGUE, params=BY_SEASON_LEAGUE,
        item_schema=_schema("teams"), refresh="weekly",
        description="The teams of a league season, with their home venue.",
    ),
    ApiFootballEndpoint(
        name="venues", path="venues", partition_keys=("country",), params={"country": "{country}"},
        item_schema=_schema("venues"), refresh="weekly",
        partition_source="derived", derive=derive.scope_countries, depends_on=("leagues",),
        description="The venues of each country that has a league of the scope.",
    ),
    ApiFootballEndpoint(
        name="fixtures", path="fixtures", partition_keys=SEASON_LEAGUE, params=BY_SEASON_LEAGUE,
        item_schema=_schema("fixtures"), extra_params=frozenset({"timezone"}),
        description="Every match of a league season, with its status and score.",
    ),
    ApiFootballEndpoint(
        name="fixture_details", path="fixtures", partition_keys=SEASON_LEAGUE, params={},
        item_schema=_schema("fixture_details"), extra_params=frozenset({"timezone"}),
        partition_source="derived", derive=derive.finished_fixtures_without_details, depends_on=("fixtures",),
        batch_param="ids", batch_size=IDS_PER_REQUEST, estimate=derive.details_batches,
        expected_requests=19,  # a closed season of 20 clubs: 380 matches
        # one answer holds all four: worth its credit if the league covers any of them
        coverage_flag=("fixtures.events", "fixtures.lineups", "fixtures.statistics_fixtures", "fixtures.statistics_players"),
        description="Finished matches with their events, lineups, team and player statistics, fetched once each.",
    ),
    ApiFootballEndpoint(
        name="standings", path="standings", partition_keys=SEASON_LEAGUE, params=BY_SEASON_LEAGUE,
        item_schema=_schema("standings"), coverage_flag="standings",
        refresh="weekly", changes_with="fixtures", changed=derive.matches_finished_since,
        description="The league table(s) of a league season.",
    ),
    ApiFootballEndpoint(
        name="players", path="players", partition_keys=SEASON_LEAGUE, params=BY_SEASON_LEAGUE,
        item_schema=_schema("players"), paginated=True, coverage_flag="players",
        # 20 players a page, about 26 pages a league season: the statistics of each match come
        # with its details, and dbt sums them up to date (fct_player_season_stats); this is for
        # profiles and the API's own totals, which dbt reconciles with them
        refresh="monthly", expected_requests=26,  # 20 clubs of 26 players, 20 a page
        description="Every player of a league season with his season statistics (20 a page).",
    ),
    ApiFootballEndpoint(
        name="players_squads", path="players/squads", partition_keys=("team_id",), params=BY_TEAM,
        item_schema=_schema("players_squads"), refresh="weekly",
        partition_source="derived", derive=derive.scope_team_ids, depends_on=("teams",),
        description="The current squad of each team of the scope.",
    ),
    ApiFootballEndpoint(
        name="injuries", path="injuries", partition_keys=SEASON_LEAGUE, params=BY_SEASON_LEAGUE,
        item_schema=_schema("injuries"), extra_params=frozenset({"timezone"}), coverage_flag="injuries",
        description="Players missing or doubtful for each fixture of a league season.",
    ),
    ApiFootballEndpoint(
        name="transfers", path="transfers", partition_keys=("team_id",), params=BY_TEAM,
        item_schema=_schema("transfers"), refresh="weekly",
        partition_source="derived", derive=derive.scope_team_ids, depends_on=("teams",),
        description="Every transfer of the players of each team of the scope.",
    ),
    ApiFootballEndpoint(
        name="coachs", path="coachs", partition_keys=("team_id",), params=BY_TEAM,
        item_schema=_schema("coachs"), refresh="weekly",
        partition_source="derived", derive=derive.scope_team_ids, depends_on=("teams",),
        description="The coaches of each team of the scope, with their careers (the API spells it coachs).",
    ),
)
