//! Statistics read from every line of the code in the snapshots in scope.

use super::tally::Tally;
use super::{StatisticsGroup, StatisticsQuery, lines_in};
use crate::StoreResult;
use crate::connection::DbConnection;
use crate::queries::facilities::source_file_ids;

/// The groups computed from every line of the code in the snapshots in scope: the definition the
/// read model is checked against.
pub fn from_lines(
    connection: &mut DbConnection,
    query: &StatisticsQuery,
) -> StoreResult<Vec<StatisticsGroup>> {
    let files = source_file_ids(connection, query.scope, &query.facilities)?;
    let lines = lines_in(connection, query, &files)?;
    let mut tally = Tally::default();
    tally.add_lines(1, &lines, query.split);
    tally.into_groups()
}
