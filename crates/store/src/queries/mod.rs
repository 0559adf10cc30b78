//! The read queries of the price API. Each returns domain values or small read models, never rows, and
//! each is keyed for cursor pagination: a page is `limit + 1` rows fetched after a typed key, so the
//! caller knows whether a next page exists without counting.
//!
//! Every price query reads one snapshot per facility: the current one (`facilities.current_source_file_id`),
//! or the one in force on an earlier date ([`Scope::AsOf`]).

/// `left_join_rates!(query)`: each standard charge of `query` with its payer rates and their payer
/// plans (a charge without rates once, with NULLs). The writer gives a charge's rates consecutive
/// ids and records them as `first_rate_id..=last_rate_id`, so the rates are read by primary key in
/// id order and `payer_rates` needs no index on `standard_charge_id`. Two flat left joins, not
/// `LEFT JOIN (payer_rates JOIN payer_plans)`: SQLite materialises a nested join in full (every rate
/// of every file) before joining it.
macro_rules! left_join_rates {
    ($query:expr) => {
        $query
            .left_join(crate::schema::payer_rates::table.on(
                crate::schema::payer_rates::id.between(
                    crate::schema::standard_charges::first_rate_id,
                    crate::schema::standard_charges::last_rate_id,
                ),
            ))
            .left_join(
                crate::schema::payer_plans::table.on(crate::schema::payer_plans::id
                    .nullable()
                    .eq(crate::schema::payer_rates::payer_plan_id.nullable())),
            )
    };
}

mod code_amounts;
pub(crate) mod place;
mod scope;
mod text;

pub mod api_keys;
pub mod audit_events;
pub mod charge_items;
pub mod compare;
pub mod directory;
pub mod facilities;
pub mod import_jobs;
pub mod payers;
pub mod prices;
pub mod source_files;
pub mod statistics;
mod version;

pub use place::Place;
pub use scope::{FacilityFilter, Scope};
pub use version::{DataVersion, consistent_read, data_version};

/// The code types a code criterion matches: the given one, or every type, so that the
/// `item_codes (code_type, code, …)` key still applies.
pub(crate) fn code_types(code_type: Option<priceline_domain::CodeType>) -> Vec<&'static str> {
    match code_type {
        Some(code_type) => vec![code_type.as_str()],
        None => priceline_domain::CodeType::ALL
            .iter()
            .map(|code_type| code_type.as_str())
            .collect(),
    }
}

/// Asks PostgreSQL for generic plans for the rest of the current transaction: each statement is then
/// planned once per connection rather than on every run, as sessions do by default
/// (`connection::POSTGRES_SESSION`). For the reads whose plan does not turn on their parameters'
/// values and whose planning costs more than their run. Nothing on SQLite, which plans once anyway.
///
/// Without parallel workers, too: the planner estimates a join of rates by id range at a third of
/// the table per charge, and then split the read of a page's 51 charges by id (`= ANY`) into a
/// parallel scan of every charge (16 ms, against 0.7 by the primary key, at 1M rates).
pub(crate) fn plan_once(connection: &mut crate::DbConnection) -> crate::StoreResult<()> {
    use diesel::connection::SimpleConnection;
    if let crate::DbConnection::Postgres(_) = connection {
        // Both in one round trip; `SET` is parsed but never planned, where a `SELECT set_config(…)`
        // was parsed and planned on every read.
        connection.batch_execute(
            "SET LOCAL plan_cache_mode = force_generic_plan; \
             SET LOCAL max_parallel_workers_per_gather = 0",
        )?;
    }
    Ok(())
}

/// One page of results and the key of its last row, when more rows follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T, K> {
    pub items: Vec<T>,
    pub next: Option<K>,
    /// The number of matching rows, when it costs nothing extra to know.
    pub total: Option<u64>,
}

impl<T, K> Page<T, K> {
    /// Cuts `limit + 1` fetched rows to `limit` and takes the key of the last kept one when more follow.
    pub(crate) fn from_overfetch(
        mut items: Vec<T>,
        limit: usize,
        key: impl Fn(&T) -> K,
        total: Option<u64>,
    ) -> Self {
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(key)
        } else {
            None
        };
        Self { items, next, total }
    }
}
