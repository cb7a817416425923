"""The team's own asset, downstream of pitchlake's ``league_table`` mart."""

import os

import dagster as dg
import duckdb


@dg.asset(deps=[dg.AssetKey(["marts", "league_table"])], group_name="analytics", kinds={"duckdb"})
def title_race() -> dg.MaterializeResult:
    """The leader of each league season and its lead over the second team, in points."""
    # The warehouse dbt-duckdb built: its profile reads the same variable, when the run starts.
    with duckdb.connect(os.environ.get("PITCHLAKE_DUCKDB", "warehouse/pitchlake.duckdb"), read_only=True) as warehouse:
        rows = warehouse.sql(
            """
            select league_id, season,
                   max(team_id) filter (where rank = 1) as leader_team_id,
                   max(points) filter (where rank = 1) - max(points) filter (where rank = 2) as lead
            from marts.league_table
            group by league_id, season
            order by league_id, season
            """
        ).fetchall()
    races = [dict(zip(("league_id", "season", "leader_team_id", "lead"), row, strict=True)) for row in rows]
    return dg.MaterializeResult(metadata={"races": dg.MetadataValue.json(races), "dagster/row_count": len(races)})
