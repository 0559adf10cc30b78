//! Statistics read from every line of the code in the snapshots in scope.

use super::tally::Tally;
use super::{StatisticsGroup, StatisticsQuery};
use crate::StoreResult;
use crate::connection::DbConnection;
use crate::queries::code_amounts;
use crate::queries::facilities::source_file_ids;

/// The groups computed from every line of the code in the snapshots in scope: the definition the
/// read model is checked against.
pub fn from_lines(
    connection: &mut DbConnection,
    query: &StatisticsQuery,
) -> StoreResult<Vec<StatisticsGroup>> {
    let files = source_file_ids(connection, query.scope, &query.facilities)?;
    let lines = code_amounts::load(
        connection,
        &files,
        query.code_type,
        &query.code,
        query.setting,
    )?;
    let mut tally = Tally::default();
    tally.add_lines(1, &lines, query.split);
    tally.into_groups()
}
