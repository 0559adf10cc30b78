//! `priceline keys create|list|revoke|rotate`: managed API keys in the database, the same records
//! `/v1/admin/keys` manages. A key's secret is printed once, by `create` and `rotate`.

use anyhow::{Context, bail};
use chrono::Utc;
use clap::Subcommand;
use priceline_store::queries::api_keys;
use priceline_store::{DbConnection, PoolOptions, StoreError};

use crate::auth::managed::{KeySpec, NewKey, is_prefix, parse_grace};
use crate::config::Settings;
use crate::database::open_database;
use crate::jobs::is_id;

#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Make a key; prints it once (the database keeps its SHA-256 and its prefix).
    Create {
        /// Who the key is for: letters, digits, '-', '_' or '.'.
        name: String,
        /// A scope the key grants: prices:read, imports:write or admin (everything). Repeat for
        /// several.
        #[arg(long = "scope", value_name = "SCOPE", required = true)]
        scopes: Vec<String>,
        /// When the key stops working: a date (2027-06-30, the start of that day in UTC) or an
        /// RFC 3339 time.
        #[arg(long, value_name = "DATE")]
        expires: Option<String>,
        /// The key's rate-limit tier.
        #[arg(long, value_name = "TIER")]
        tier: Option<String>,
    },
    /// List the keys, the most recent first (never their secrets).
    List,
    /// Revoke a key at once, on every server sharing the database.
    Revoke {
        /// The key's id or prefix (pl_live_…).
        key: String,
    },
    /// Make a key's successor (same name, scopes, tier, expiry); the old key keeps working until
    /// the grace period ends.
    Rotate {
        /// The key's id or prefix (pl_live_…).
        key: String,
        /// How long the old key keeps working: 30m, 24h, 7d (0s: not at all).
        #[arg(long, value_name = "DURATION")]
        grace: String,
    },
}

macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

pub fn run(settings: &Settings, action: KeysAction) -> anyhow::Result<()> {
    // Input is checked before the database is opened: a typo costs no connection.
    let now = Utc::now();
    let spec = match &action {
        KeysAction::Create {
            name,
            scopes,
            expires,
            tier,
        } => Some(
            KeySpec::parse(name, scopes, tier.as_deref(), expires.as_deref(), now)
                .map_err(|refusal| anyhow::anyhow!("{}", cli_words(&refusal.to_string())))?,
        ),
        _ => None,
    };
    if let KeysAction::Revoke { key } | KeysAction::Rotate { key, .. } = &action
        && !(is_id(key) || is_prefix(key))
    {
        bail!(
            "{key:?} is neither a key id (32 hexadecimal digits) nor a key prefix (pl_live_ and 8 of them)"
        );
    }
    let grace = match &action {
        KeysAction::Rotate { grace, .. } => {
            Some(parse_grace(grace).map_err(|refusal| anyhow::anyhow!("--{}", refusal))?)
        }
        _ => None,
    };
    let pool = open_database(&settings.database_url, PoolOptions::new(1), false)?;
    let mut connection = pool.get()?;
    match action {
        KeysAction::Create { .. } => {
            let Some(spec) = spec else {
                unreachable!("checked above")
            };
            let made = spec
                .generate(now)
                .map_err(|refusal| anyhow::anyhow!("{}", refusal.reason))?;
            api_keys::insert(&mut connection, &made.record).context("cannot store the key")?;
            print_new(&made, "made");
        }
        KeysAction::List => list(&mut connection)?,
        KeysAction::Revoke { key } => {
            let found = find(&mut connection, &key)?;
            if api_keys::revoke(&mut connection, &found.id, Utc::now())? {
                say!(
                    "revoked {} ({}): refused from its next request on",
                    found.prefix,
                    found.name
                );
            } else {
                say!("{} ({}) was revoked already", found.prefix, found.name);
            }
        }
        KeysAction::Rotate { key, .. } => {
            let Some(grace) = grace else {
                unreachable!("checked above")
            };
            let old = find(&mut connection, &key)?;
            let made = crate::routes::admin::keys::rotate::rotate(&mut connection, &old, grace)
                .map_err(|error| anyhow::anyhow!("{error}"))?;
            print_new(&made, "made as the successor of");
            say!(
                "{} keeps working until {} (then use the new key)",
                old.prefix,
                (Utc::now() + grace).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            );
        }
    }
    Ok(())
}

/// The HTTP API's field names, as the command line spells them.
fn cli_words(text: &str) -> String {
    let text = text.replacen("scopes:", "--scope:", 1);
    let text = text.replacen("expires_at:", "--expires:", 1);
    text.replacen("tier:", "--tier:", 1)
}

fn find(connection: &mut DbConnection, key: &str) -> anyhow::Result<priceline_domain::ApiKey> {
    match api_keys::find(connection, key) {
        Ok(found) => Ok(found),
        Err(StoreError::NotFound) => bail!("there is no API key {key} (see `priceline keys list`)"),
        Err(error) => Err(error.into()),
    }
}

fn print_new(made: &NewKey, what: &str) {
    let key = &made.record;
    say!(
        "API key {} ({}) {what}; shown only now, the database keeps its hash:",
        key.prefix,
        key.name
    );
    say!("  {}", made.secret);
    say!("id: {}  scopes: {}", key.id, key.scopes.join(" "));
    say!("Clients send it in the X-API-Key header, e.g.");
    say!(
        "  curl -H 'X-API-Key: {}' http://127.0.0.1:8080/v1/facilities",
        made.secret
    );
    say!(
        "or exchange it for a bearer token: curl -u '{}:{}' -d grant_type=client_credentials http://127.0.0.1:8080/oauth/token",
        key.prefix,
        made.secret
    );
}

fn list(connection: &mut DbConnection) -> anyhow::Result<()> {
    let now = Utc::now();
    let mut after = None;
    say!(
        "{:<16}  {:<20}  {:<9}  {:<26}  {:<10}  {:<20}  id",
        "prefix",
        "name",
        "status",
        "scopes",
        "tier",
        "expires"
    );
    loop {
        let page = api_keys::list(connection, after.as_ref(), 500)?;
        for key in &page.items {
            say!(
                "{:<16}  {:<20}  {:<9}  {:<26}  {:<10}  {:<20}  {}",
                key.prefix,
                key.name,
                key.status(now).as_str(),
                key.scopes.join(" "),
                key.tier.as_deref().unwrap_or("-"),
                key.valid_until()
                    .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .unwrap_or_else(|| "-".to_owned()),
                key.id
            );
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    Ok(())
}
