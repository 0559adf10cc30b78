//! Managed API keys. Every authenticated request reads its key here by prefix (a unique index), so
//! a revocation written by any process is seen by every process on its next request.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use priceline_domain::ApiKey;

use super::Page;
use crate::StoreResult;
use crate::connection::DbConnection;
use crate::schema::api_keys;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys)]
struct KeyRow {
    id: String,
    name: String,
    prefix: String,
    secret_hash: String,
    scopes: String,
    tier: Option<String>,
    expires_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    revoked_at: Option<NaiveDateTime>,
    successor_id: Option<String>,
    grace_ends_at: Option<NaiveDateTime>,
}

impl KeyRow {
    fn from_domain(key: &ApiKey) -> Self {
        Self {
            id: key.id.clone(),
            name: key.name.clone(),
            prefix: key.prefix.clone(),
            secret_hash: key.secret_hash.clone(),
            scopes: key.scopes.join(" "),
            tier: key.tier.clone(),
            expires_at: key.expires_at.map(|at| at.naive_utc()),
            created_at: key.created_at.naive_utc(),
            revoked_at: key.revoked_at.map(|at| at.naive_utc()),
            successor_id: key.successor_id.clone(),
            grace_ends_at: key.grace_ends_at.map(|at| at.naive_utc()),
        }
    }

    fn into_domain(self) -> ApiKey {
        let utc = |at: NaiveDateTime| at.and_utc();
        ApiKey {
            id: self.id,
            name: self.name,
            prefix: self.prefix,
            secret_hash: self.secret_hash,
            scopes: self.scopes.split_whitespace().map(str::to_owned).collect(),
            tier: self.tier,
            expires_at: self.expires_at.map(utc),
            created_at: utc(self.created_at),
            revoked_at: self.revoked_at.map(utc),
            successor_id: self.successor_id,
            grace_ends_at: self.grace_ends_at.map(utc),
        }
    }
}

/// Stores a new key.
pub fn insert(connection: &mut DbConnection, key: &ApiKey) -> StoreResult<()> {
    diesel::insert_into(api_keys::table)
        .values(KeyRow::from_domain(key))
        .execute(connection)?;
    Ok(())
}

/// The key with this id.
pub fn get(connection: &mut DbConnection, id: &str) -> StoreResult<ApiKey> {
    Ok(api_keys::table
        .find(id)
        .select(KeyRow::as_select())
        .first(connection)?
        .into_domain())
}

/// The key with this public prefix, if any (the per-request lookup).
pub fn by_prefix(connection: &mut DbConnection, prefix: &str) -> StoreResult<Option<ApiKey>> {
    Ok(api_keys::table
        .filter(api_keys::prefix.eq(prefix))
        .select(KeyRow::as_select())
        .first(connection)
        .optional()?
        .map(KeyRow::into_domain))
}

/// The key named by its id or its prefix.
pub fn find(connection: &mut DbConnection, id_or_prefix: &str) -> StoreResult<ApiKey> {
    Ok(api_keys::table
        .filter(
            api_keys::id
                .eq(id_or_prefix)
                .or(api_keys::prefix.eq(id_or_prefix)),
        )
        .select(KeyRow::as_select())
        .first(connection)?
        .into_domain())
}

/// Whether any managed key was ever made (revoked and expired ones count: revoking the last key
/// must not open the API).
///
/// A statement without parameters: PostgreSQL plans it once per connection, where `LIMIT $1` was
/// planned on every request of an open API (sessions plan each run, `connection::POSTGRES_SESSION`).
pub fn any(connection: &mut DbConnection) -> StoreResult<bool> {
    Ok(
        diesel::select(diesel::dsl::exists(api_keys::table.select(api_keys::id)))
            .get_result(connection)?,
    )
}

/// The key a page of keys is read after: the most recent first.
pub type KeyKey = (DateTime<Utc>, String);

/// Keys, the most recent first, after `after`.
pub fn list(
    connection: &mut DbConnection,
    after: Option<&KeyKey>,
    limit: usize,
) -> StoreResult<Page<ApiKey, KeyKey>> {
    let mut query = api_keys::table
        .select(KeyRow::as_select())
        .order((api_keys::created_at.desc(), api_keys::id.desc()))
        .limit(limit as i64 + 1)
        .into_boxed();
    if let Some((created_at, id)) = after {
        let created_at = created_at.naive_utc();
        query = query.filter(
            api_keys::created_at.lt(created_at).or(api_keys::created_at
                .eq(created_at)
                .and(api_keys::id.lt(id.clone()))),
        );
    }
    let keys = query
        .load::<KeyRow>(connection)?
        .into_iter()
        .map(KeyRow::into_domain)
        .collect();
    Ok(Page::from_overfetch(
        keys,
        limit,
        |key: &ApiKey| (key.created_at, key.id.clone()),
        None,
    ))
}

/// Revokes the key `id` at `at`; false when it was already revoked (its revocation time stays).
pub fn revoke(connection: &mut DbConnection, id: &str, at: DateTime<Utc>) -> StoreResult<bool> {
    let changed = diesel::update(
        api_keys::table
            .find(id)
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(at.naive_utc()))
    .execute(connection)?;
    Ok(changed == 1)
}

/// Replaces key `old_id` by `successor`: stores the successor and gives the old key its successor
/// and the end of its grace period, in one transaction. False (nothing written) when the old key is
/// revoked or already rotated.
pub fn rotate(
    connection: &mut DbConnection,
    old_id: &str,
    successor: &ApiKey,
    grace_ends_at: DateTime<Utc>,
) -> StoreResult<bool> {
    connection.transaction(|connection| {
        let changed = diesel::update(
            api_keys::table
                .find(old_id)
                .filter(api_keys::revoked_at.is_null())
                .filter(api_keys::successor_id.is_null()),
        )
        .set((
            api_keys::successor_id.eq(&successor.id),
            api_keys::grace_ends_at.eq(grace_ends_at.naive_utc()),
        ))
        .execute(connection)?;
        if changed == 1 {
            insert(connection, successor)?;
        }
        Ok(changed == 1)
    })
}
