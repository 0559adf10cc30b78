//! `priceline db encrypt|rekey`: the SQLite file `PRICELINE_DATABASE_URL` names, converted with
//! `priceline_store::encryption` (a complete copy, then an atomic rename).

use anyhow::{Context, bail};
use clap::Subcommand;
use priceline_store::{DatabaseUrl, encryption};

use crate::config::{DATABASE_KEY, DATABASE_NEW_KEY, Settings, parse_database_key};

#[derive(Debug, Subcommand)]
pub enum DbAction {
    /// Encrypt the plain SQLite file with PRICELINE_DATABASE_KEY (set it for every later command).
    Encrypt,
    /// Change the key of the encrypted SQLite file from PRICELINE_DATABASE_KEY to
    /// PRICELINE_DATABASE_NEW_KEY (then set PRICELINE_DATABASE_KEY to the new key).
    Rekey,
}

pub fn run(settings: &Settings, action: DbAction) -> anyhow::Result<()> {
    let url = &settings.database_url;
    let DatabaseUrl::Sqlite(path, key) = url else {
        bail!(
            "{url} is PostgreSQL: its data is encrypted by the server's disk or cloud volume \
             encryption, in transit by TLS (sslmode=verify-full); `priceline db` converts the \
             embedded SQLite file only"
        );
    };
    let Some(key) = key else {
        bail!(
            "{DATABASE_KEY} is not set: it is the key to encrypt with (encrypt) or the current key (rekey)"
        );
    };
    match action {
        DbAction::Encrypt => {
            encryption::encrypt(path, key).with_context(|| format!("cannot encrypt {url}"))?;
            println!(
                "{url}: encrypted; set {DATABASE_KEY} to the same key for every command and server that opens it"
            );
        }
        DbAction::Rekey => {
            let new =
                parse_database_key(DATABASE_NEW_KEY, std::env::var(DATABASE_NEW_KEY).ok())?
                    .with_context(|| format!("{DATABASE_NEW_KEY} is not set: it is the new key"))?;
            if &new == key {
                bail!("{DATABASE_NEW_KEY} is the current key: nothing to change");
            }
            encryption::rekey(path, key, &new).with_context(|| format!("cannot rekey {url}"))?;
            println!(
                "{url}: the key is changed; set {DATABASE_KEY} to the new key ({DATABASE_NEW_KEY})"
            );
        }
    }
    Ok(())
}
