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

The rest of the catalogue (issue 19) follows them: every data path of API-Football's OpenAPI
description of v3 is an endpoint here, disabled until a user enables it in the config. The keyless
reference lists (``timezone``, ``countries``, ``leagues_seasons``, ``teams_countries``,
``players_seasons``) are one partition each, refreshed monthly. The top lists and the rounds are
per league season; team statistics per league season and team; predictions, head-to-heads and the
per-match detail paths are derived from the matches in the lake, and the per-player paths from
the players of the scope's league seasons. ``fixtures_events``, ``fixtures_lineups``,
``fixtures_statistics`` and ``fixtures_players`` ask one credit per match and path for what
``fixture_details`` gets for all four at one credit per 20 matches: 80 times the cost, there for
completeness only.

Three families are not here. ``/trophies`` is the external plugin ``pitchlake-trophies`` (the
model of a plugin of one's own). The odds (``/odds``, ``/odds/mapping``, ``/odds/bookmakers``,
``/odds/bets``) are the distribution ``pitchlake-odds``. And the live paths, ``/odds/live``,
``/odds/live/bets`` and ``/fixtures?live=``, are left out on purpose: in-play data changes by the
second, a daily batch lake would keep only noise of it (one arbitrary moment of each match), and
pitchlake's refresh rules count in days, not seconds; a match's final state comes with
``fixtures`` and ``fixture_details`` once it is over.
"""

from __future__ import annotations

from pitchlake.endpoints import load_schema

from . import derive
from .api import IDS_PER_REQUEST, ApiFootballEndpoint

SEASON_LEAGUE = ("season", "league_id")
BY_SEASON_LEAGUE = {"league": "{league_id}", "season": "{season}"}
BY_TEAM = {"team": "{team_id}"}
BY_FIXTURE = {"fixture": "{fixture_id}"}
BY_PLAYER = {"player": "{player_id}"}
FIXTURE = ("season", "league_id", "fixture_id")


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
        expected_changes=derive.matches_ahead,
        expected_requests=19,  # a closed season of 20 clubs: 380 matches
        # one answer holds all four: worth its credit if the league covers any of them
        coverage_flag=("fixtures.events", "fixtures.lineups", "fixtures.statistics_fixtures", "fixtures.statistics_players"),
        description="Finished matches with their events, lineups, team and player statistics, fetched once each.",
    ),
    ApiFootballEndpoint(
        name="standings", path="standings", partition_keys=SEASON_LEAGUE, params=BY_SEASON_LEAGUE,
        item_schema=_schema("standings"), coverage_flag="standings",
        refresh="weekly", changes_with="fixtures", changed=derive.matches_finished_since,
        expected_changes=derive.matches_ahead,
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
    # -- keyless reference lists: one partition each (raw/<name>/ingestion_date=D/data.json), no
    # params; they change when the API adds a country or a season, so monthly is plenty.
    ApiFootballEndpoint(
        name="timezone", path="timezone", partition_keys=(), params={},
        item_schema=_schema("timezone"), refresh="monthly",
        description="Every time zone name the API accepts in timezone= (the items are strings).",
    ),
    ApiFootballEndpoint(
        name="countries", path="countries", partition_keys=(), params={},
        item_schema=_schema("countries"), refresh="monthly",
        description="Every country the API has competitions for, with its code and flag.",
    ),
    ApiFootballEndpoint(
        name="leagues_seasons", path="leagues/seasons", partition_keys=(), params={},
        item_schema=_schema("leagues_seasons"), refresh="monthly",
        description="Every season the API has data for in some league (the items are integers).",
    ),
    ApiFootballEndpoint(
        name="teams_countries", path="teams/countries", partition_keys=(), params={},
        item_schema=_schema("teams_countries"), refresh="monthly",
        description="Every country the API has teams for, with its code and flag.",
    ),
    ApiFootballEndpoint(
        name="players_seasons", path="players/seasons", partition_keys=(), params={},
        item_schema=_schema("players_seasons"), refresh="monthly",
        description="Every season the API has player statistics for (the items are integers).",
    ),
    # -- by league season
    ApiFootballEndpoint(
        name="fixtures_rounds", path="fixtures/rounds", partition_keys=SEASON_LEAGUE, params=BY_SEASON_LEAGUE,
        item_schema=_schema("fixtures_rounds"),
        refresh="weekly",  # a league's rounds are known before it starts; cups add theirs as they are drawn
        description="The names of the rounds of a league season (the items are strings).",
    ),
    # The top lists move only when a match of the league season finished: fetched again the day
    # after one did (as the season's fixtures in the lake say), and weekly at the latest, as standings.
    ApiFootballEndpoint(
        name="players_topscorers", path="players/topscorers", partition_keys=SEASON_LEAGUE, params=BY_SEASON_LEAGUE,
        item_schema=_schema("players_topscorers"), coverage_flag="top_scorers",
        refresh="weekly", changes_with="fixtures", changed=derive.matches_finished_since,
        expected_changes=derive.matches_ahead,
        description="The 20 best scorers of a league season, with their season statistics.",
    ),
    ApiFootballEndpoint(
        name="players_topassists", path="players/topassists", partition_keys=SEASON_LEAGUE, params=BY_SEASON_LEAGUE,
        item_schema=_schema("players_topassists"), coverage_flag="top_assists",
        refresh="weekly", changes_with="fixtures", changed=derive.matches_finished_since,
        expected_changes=derive.matches_ahead,
        description="The 20 best assist providers of a league season, with their season statistics.",
    ),
    ApiFootballEndpoint(
        name="players_topyellowcards", path="players/topyellowcards", partition_keys=SEASON_LEAGUE,
        params=BY_SEASON_LEAGUE, item_schema=_schema("players_topyellowcards"),
        coverage_flag="top_cards",  # the coverage has one flag for both card lists
        refresh="weekly", changes_with="fixtures", changed=derive.matches_finished_since,
        expected_changes=derive.matches_ahead,
        description="The 20 players of a league season with the most yellow cards, with their season statistics.",
    ),
    ApiFootballEndpoint(
        name="players_topredcards", path="players/topredcards", partition_keys=SEASON_LEAGUE, params=BY_SEASON_LEAGUE,
        item_schema=_schema("players_topredcards"), coverage_flag="top_cards",
        refresh="weekly", changes_with="fixtures", changed=derive.matches_finished_since,
        expected_changes=derive.matches_ahead,
        description="The 20 players of a league season with the most red cards, with their season statistics.",
    ),
    # -- by team
    ApiFootballEndpoint(
        name="teams_seasons", path="teams/seasons", partition_keys=("team_id",), params=BY_TEAM,
        item_schema=_schema("teams_seasons"), refresh="monthly",  # a team gains a season once a year
        partition_source="derived", derive=derive.scope_team_ids, depends_on=("teams",),
        description="The seasons the API has data for of each team of the scope (the items are integers).",
    ),
    # -- by league season and team
    ApiFootballEndpoint(
        name="teams_statistics", path="teams/statistics", partition_keys=("season", "league_id", "team_id"),
        params={"league": "{league_id}", "season": "{season}", "team": "{team_id}"},
        item_schema=_schema("teams_statistics"),
        single_object=True,  # the API answers with the statistics themselves, one object, not a list
        partition_source="derived", derive=derive.scope_league_season_teams, depends_on=("teams",),
        # a team's numbers move when it played: fetched again the day after a match of its own
        # finished, weekly at the latest; a closed season's once
        refresh="weekly", changes_with="fixtures", changed=derive.team_matches_finished_since,
        expected_changes=derive.matches_ahead,
        description="A team's statistics in a league season: results, goals by minute, lineups, cards (one object).",
    ),
    # -- by match: derived from the matches of the scope's league seasons in the lake
    ApiFootballEndpoint(
        name="predictions", path="predictions", partition_keys=FIXTURE, params=BY_FIXTURE,
        item_schema=_schema("predictions"), coverage_flag="predictions",
        partition_source="derived", derive=derive.upcoming_fixtures, depends_on=("fixtures",),
        # Daily while the match is upcoming (within derive.PREDICTION_DAYS); once it kicked off it is
        # no longer derived, so the prediction the lake keeps is the last one made before the match.
        refresh="daily",
        description="The API's prediction of each match of the scope in the next days, fetched daily until kick-off.",
    ),
    ApiFootballEndpoint(
        name="fixtures_headtohead", path="fixtures/headtohead", partition_keys=("team_id", "opponent_id"),
        params={"h2h": "{team_id}-{opponent_id}"}, item_schema=_schema("fixtures_headtohead"),
        extra_params=frozenset({"timezone"}),
        partition_source="derived", derive=derive.upcoming_pairs, depends_on=("fixtures",),
        refresh="weekly",  # past meetings change only when the two meet again
        description="Every meeting of the two teams of each match of the scope in the next week (the smaller team id first).",
    ),
    # The per-match detail paths: one credit per match and path, where fixture_details gets all four
    # for 1 credit per 20 matches (fixtures?ids=): 80 times the cost, for completeness only; leave
    # them disabled unless a plan without /fixtures?ids= needs them. A finished match's details are
    # final, so each is fetched once, ever (final), whatever its season.
    ApiFootballEndpoint(
        name="fixtures_events", path="fixtures/events", partition_keys=FIXTURE, params=BY_FIXTURE,
        item_schema=_schema("fixtures_events"), coverage_flag="fixtures.events", final="finished match",
        partition_source="derived", derive=derive.finished_fixtures, depends_on=("fixtures",),
        description="The events of each finished match, one credit a match (fixture_details has them at 1 credit per 20).",
    ),
    ApiFootballEndpoint(
        name="fixtures_lineups", path="fixtures/lineups", partition_keys=FIXTURE, params=BY_FIXTURE,
        item_schema=_schema("fixtures_lineups"), coverage_flag="fixtures.lineups", final="finished match",
        partition_source="derived", derive=derive.finished_fixtures, depends_on=("fixtures",),
        description="The lineups of each finished match, one credit a match (fixture_details has them at 1 credit per 20).",
    ),
    ApiFootballEndpoint(
        name="fixtures_statistics", path="fixtures/statistics", partition_keys=FIXTURE, params=BY_FIXTURE,
        item_schema=_schema("fixtures_statistics"), coverage_flag="fixtures.statistics_fixtures",
        final="finished match",
        partition_source="derived", derive=derive.finished_fixtures, depends_on=("fixtures",),
        description="The team statistics of each finished match, one credit a match (fixture_details has them at 1 credit per 20).",
    ),
    ApiFootballEndpoint(
        name="fixtures_players", path="fixtures/players", partition_keys=FIXTURE, params=BY_FIXTURE,
        item_schema=_schema("fixtures_players"), coverage_flag="fixtures.statistics_players",
        final="finished match",
        partition_source="derived", derive=derive.finished_fixtures, depends_on=("fixtures",),
        description="The player statistics of each finished match, one credit a match (fixture_details has them at 1 credit per 20).",
    ),
    # -- by player: derived from the players of the scope's league seasons (`players`, enabled by
    # default, one partition per league season, so the scope filters them exactly, and it holds
    # every player of a season, past seasons' included), not from `players_squads` (disabled by
    # default, and only today's squads: a closed season's players who left would be missing).
    # One credit per player: about 600 a league season, so monthly for what changes slowly.
    ApiFootballEndpoint(
        name="players_profiles", path="players/profiles", partition_keys=("player_id",), params=BY_PLAYER,
        item_schema=_schema("players_profiles"),
        paginated=True,  # the spec pages it (250 a page); with player= it is one page
        partition_source="derived", derive=derive.scope_player_ids, depends_on=("players",),
        refresh="monthly",
        description="The profile of each player of the scope's league seasons (birth, nationality, height, position).",
    ),
    ApiFootballEndpoint(
        name="players_teams", path="players/teams", partition_keys=("player_id",), params=BY_PLAYER,
        item_schema=_schema("players_teams"),
        partition_source="derived", derive=derive.scope_player_ids, depends_on=("players",),
        refresh="monthly",  # a career gains a team at a transfer window
        description="Every team each player of the scope's league seasons has played for, with the seasons.",
    ),
    # sidelined takes up to 20 players a request (players=1-2-3, as fixtures?ids=). A batched
    # endpoint holds one id list per partition and fetches it at most once a day, each day's
    # data.json holding only the batches still missing; so it has no partition key at all (one
    # partition, raw/sidelined/ingestion_date=D/data.json): keyed by player, a batch would have
    # nowhere to go, and keyed by league season a player of two seasons would be asked twice. Which
    # players are due (new ones, and those asked a week ago) is the derive's to say.
    ApiFootballEndpoint(
        name="sidelined", path="sidelined", partition_keys=(), params={},
        item_schema=_schema("sidelined"),
        batch_param="players", batch_size=IDS_PER_REQUEST,
        partition_source="derived", derive=derive.players_sidelined_due, depends_on=("players",),
        # weekly per player, as derive.SIDELINED_DAYS applies it: the planner fetches a batched
        # partition's ids when its derive lists them, so this period only dates the freshness checks
        refresh="weekly",
        expected_requests=30,  # 20 clubs of 30 players, 20 a request
        description="Every injury, illness and suspension of each player of the scope's league seasons, 20 players a request, weekly.",
    ),
)
