//! The `priceline` command line: serve the API, manage the schema, import and validate price files,
//! print the OpenAPI document.

mod audit;
mod db;
mod files;
mod healthcheck;
mod keys;
mod progress;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use priceline_domain::TemplateVersion;
use priceline_import::{DocumentReport, Status, import_path};
use priceline_ingest::{LegacyImport, Profile, ReadOptions, validate_path};
use priceline_store::{Backend, DatabaseUrl, PoolOptions, migrations};
use priceline_synth::Format;

use crate::config::{ConfigError, Settings};
use crate::database::open_database;
use crate::startup::Application;
use files::expand_paths;

/// `println!` for the commands' output, except that a closed pipe (`priceline import … | head`) is
/// not a panic: the command goes on (an import still imports every file) and its exit code still
/// tells the outcome.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

#[derive(Debug, Parser)]
#[command(
    name = "priceline",
    version,
    about = "Hospital Priceline: a price API over CMS hospital price transparency files",
    after_help = "Configuration comes from PRICELINE_* environment variables or a .env file; see README.md."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API (and Swagger UI at /docs).
    Serve {
        /// Apply pending migrations first. Always done for SQLite; PostgreSQL needs this flag or
        /// `priceline migrate up`, so production schema changes stay deliberate.
        #[arg(long)]
        migrate: bool,
    },
    /// Manage the database schema.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Encrypt the embedded SQLite database (SQLCipher) or change its key. Stop every server and
    /// import using the file first; the original is replaced only once the copy is complete.
    Db {
        #[command(subcommand)]
        action: db::DbAction,
    },
    /// Import price files (CMS v2.0–v3.0, CSV Tall/Wide or JSON; plain, gzip or zip) into the database,
    /// and legacy (pre-template) CSV chargemasters through a mapping profile: detected from the
    /// header for the common layouts, or given with --profile. Exits non-zero when any file is
    /// refused or fails; nothing of such a file is written.
    Import(ImportArgs),
    /// Mapping profiles for legacy (pre-template) chargemasters.
    Profile {
        #[command(subcommand)]
        action: ProfileAction,
    },
    /// Check price files against the CMS rules without storing anything. Exits non-zero when any file
    /// has errors or is refused.
    Validate(FileArgs),
    /// Generate a deterministic synthetic dataset of CMS v3.0 price files (for demos and benchmarks).
    Generate(GenerateArgs),
    /// Make a new API key: prints the key (once; it is not stored anywhere) and the `NAME:SHA256`
    /// entry to add to PRICELINE_API_KEYS.
    ApiKey {
        /// The client's name: letters, digits, '-', '_' or '.'; it keys the client's rate limit.
        name: String,
    },
    /// Managed API keys in the database: create, list, revoke, rotate. Once any exists, /v1
    /// requires a credential.
    Keys {
        #[command(subcommand)]
        action: keys::KeysAction,
    },
    /// The audit trail: `priceline audit export --since TIME` writes it as NDJSON to stdout.
    Audit {
        #[command(subcommand)]
        action: audit::AuditAction,
    },
    /// Probe the server PRICELINE_LISTEN configures (0.0.0.0 and :: are probed on loopback), for
    /// container HEALTHCHECKs without curl: exits 0 when GET /readyz answers 200 within the timeout,
    /// 1 with the reason on stderr otherwise.
    Healthcheck {
        /// Probe liveness (GET /healthz: the process answers) instead of readiness (GET /readyz:
        /// the database answers and the server takes traffic).
        #[arg(long)]
        live: bool,
        /// Seconds to wait for the answer, connecting included.
        #[arg(long, value_name = "SECONDS", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=60))]
        timeout: u64,
    },
    /// Print the OpenAPI document (JSON): 3.1 as served, or the 3.0.3 variant for API gateways, or
    /// (with --gateway) the document a gateway imports as is, routed to the backend.
    Openapi {
        /// `3.1` (as served at /openapi.json) or `3.0` (for gateways that import only 3.0).
        #[arg(long = "openapi-version", value_name = "VERSION", default_value = "3.1", value_parser = ["3.1", "3.0"])]
        openapi_version: String,
        /// `aws` (API Gateway REST API: OpenAPI 3.0 with http_proxy integrations), `google` (API
        /// Gateway: OpenAPI 3.0 with the backend in x-google-api-management) or `azure` (API
        /// Management: OpenAPI 3.0 with `servers` set to the backend). Needs --backend.
        #[arg(long, value_name = "NAME")]
        gateway: Option<String>,
        /// The URL the gateway forwards to, where `priceline serve` answers, e.g.
        /// https://priceline.internal.example.org (a path prefix is kept).
        #[arg(long, value_name = "URL")]
        backend: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Folder to write into (created if missing); each format gets a sub-folder.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// How many hospitals.
    #[arg(long, default_value_t = 20)]
    pub hospitals: usize,
    /// About how many Tall data rows (payer rates and rows without a payer) per hospital.
    #[arg(long, default_value_t = 2_000)]
    pub rows: u64,
    /// The seed: the same seed and sizes give byte-identical files.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Layouts to write: tall, wide, json or all. Several hospitals share one layout in turn when
    /// more than one is given, so each hospital has exactly one current file.
    #[arg(long, value_delimiter = ',', default_value = "all", value_parser = parse_formats)]
    pub format: Vec<Vec<Format>>,
    /// Also write, into DIR/faulty/, one Tall file per realistic problem (an unknown setting, a `$`
    /// amount, a rate without its methodology), each of a hospital of its own after the valid ones:
    /// importing them shows findings and quarantined rows. The valid files are the same either way.
    #[arg(long)]
    pub faulty: bool,
}

fn parse_formats(text: &str) -> Result<Vec<Format>, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "all" => Ok(Format::ALL.to_vec()),
        "tall" => Ok(vec![Format::Tall]),
        "wide" => Ok(vec![Format::Wide]),
        "json" => Ok(vec![Format::Json]),
        other => Err(format!(
            "{other:?} is not a layout; use tall, wide, json or all"
        )),
    }
}

#[derive(Debug, Args)]
pub struct FileArgs {
    /// Files or folders (folders are walked recursively).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Write every file's counts and findings as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Apply the rules of this template version instead of the one detected from the file's structure
    /// (2.0.0, 2.1.0, 2.2.0 or 3.0.0), as the CMS validator's version argument does.
    #[arg(long = "as-version", value_name = "VERSION", value_parser = TemplateVersion::parse)]
    pub as_version: Option<TemplateVersion>,
}

impl FileArgs {
    /// An empty folder is a mistake to report, not a run that did nothing successfully.
    fn require_files(&self, files: &[PathBuf]) -> anyhow::Result<()> {
        if files.is_empty() {
            let given: Vec<String> = self
                .paths
                .iter()
                .map(|path| path.display().to_string())
                .collect();
            bail!(
                "no file found in {} (folders are searched recursively; hidden entries are skipped)",
                given.join(", ")
            );
        }
        Ok(())
    }

    fn read_options(&self) -> ReadOptions {
        ReadOptions {
            version: self.as_version,
            ..ReadOptions::default()
        }
    }
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub files: FileArgs,
    /// Read every file as a legacy (pre-template) chargemaster through this mapping profile (TOML;
    /// `priceline profile suggest FILE` drafts one). Without it, a CSV without the CMS header rows
    /// is read through the layout detected from its header, or refused when none fits.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
}

impl ImportArgs {
    fn read_options(&self) -> anyhow::Result<ReadOptions> {
        let legacy = match &self.profile {
            None => LegacyImport::Auto,
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read the profile {}", path.display()))?;
                let name = path.file_name().map_or_else(
                    || path.display().to_string(),
                    |name| name.to_string_lossy().into_owned(),
                );
                let profile = Profile::from_toml(&text, &name).map_err(|error| {
                    anyhow::anyhow!(
                        "the profile {} is not a mapping profile: {error}",
                        path.display()
                    )
                })?;
                LegacyImport::Profile(std::sync::Arc::new(profile))
            }
        };
        Ok(ReadOptions {
            legacy,
            ..self.files.read_options()
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum ProfileAction {
    /// Print a draft mapping profile (TOML) for a legacy chargemaster, from its header row: edit it,
    /// then `priceline import FILE --profile PROFILE.toml`.
    Suggest {
        /// The legacy CSV file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Revert the last N applied migrations.
    Down {
        /// How many migrations to revert.
        #[arg(default_value_t = 1)]
        steps: usize,
    },
    /// List migrations and whether each is applied.
    Status,
}

/// Runs a command; `settings` is only consulted by commands that need configuration.
pub fn run(
    cli: Cli,
    settings: impl FnOnce() -> Result<Settings, ConfigError>,
) -> anyhow::Result<()> {
    match cli.command {
        Command::Openapi {
            openapi_version,
            gateway,
            backend,
        } => {
            let spec = match (gateway, backend) {
                (Some(gateway), Some(backend)) => {
                    // Checked here rather than by clap, whose refusals exit with 2: a bad value is
                    // a failed command like any other (message, exit 1).
                    use crate::openapi::gateway::{self, Backend, Gateway};
                    let gateway = Gateway::parse(&gateway).map_err(anyhow::Error::msg)?;
                    let backend = Backend::parse(&backend).map_err(anyhow::Error::msg)?;
                    gateway::document_json(gateway, &backend)
                }
                (Some(_), None) => bail!(
                    "--gateway needs --backend URL: the server the gateway forwards requests to"
                ),
                (None, Some(_)) => bail!(
                    "--backend is for --gateway aws|google|azure; without a gateway the document has no backend"
                ),
                _ if openapi_version == "3.0" => crate::openapi::spec_json_3_0(),
                _ => crate::openapi::spec_json(),
            };
            // A closed pipe (`| head`) is the reader's choice, not an error.
            match std::io::Write::write_all(&mut std::io::stdout(), spec.as_bytes()) {
                Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(error.into()),
                _ => Ok(()),
            }
        }
        Command::Migrate { action } => migrate(&settings()?, action),
        Command::Db { action } => db::run(&settings()?, action),
        Command::Import(args) => import(&settings()?, &args),
        Command::Profile {
            action: ProfileAction::Suggest { file },
        } => suggest_profile(&file),
        Command::Validate(args) => validate(&args),
        Command::Generate(args) => generate(&args),
        Command::Serve { migrate } => serve(settings()?, migrate),
        Command::ApiKey { name } => api_key(&name),
        Command::Keys { action } => keys::run(&settings()?, action),
        Command::Audit { action } => audit::run(&settings()?, action),
        Command::Healthcheck { live, timeout } => {
            let listen = Settings::listen_from_env()?;
            let path = if live { "/healthz" } else { "/readyz" };
            // After listen_from_env, which loaded .env: the server serves TLS when this is set.
            let tls =
                std::env::var(crate::config::TLS_CERT).is_ok_and(|cert| !cert.trim().is_empty());
            healthcheck::probe(
                healthcheck::probe_address(listen),
                path,
                std::time::Duration::from_secs(timeout),
                tls,
            )
        }
    }
}

fn api_key(name: &str) -> anyhow::Result<()> {
    use crate::auth::api_key;
    api_key::check_name(name).map_err(anyhow::Error::msg)?;
    let key = api_key::generate().map_err(|error| {
        anyhow::anyhow!("the operating system's random number generator failed: {error}")
    })?;
    say!("API key for {name} (shown only now; the server keeps only its hash):");
    say!("  {key}");
    say!("Add this entry to PRICELINE_API_KEYS (entries are comma-separated):");
    say!("  {name}:{}", api_key::hash_hex(&key));
    say!(
        "(it grants prices:read; to grant import jobs too, end the entry with :prices:read+imports:write)"
    );
    say!("Clients send the key in the {} header.", api_key::HEADER);
    Ok(())
}

fn suggest_profile(path: &std::path::Path) -> anyhow::Result<()> {
    let documents =
        priceline_ingest::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    for document in &documents {
        let draft = priceline_ingest::suggest_profile(document)
            .with_context(|| format!("cannot draft a profile for {}", document.location()))?;
        say!("{draft}");
    }
    Ok(())
}

fn import(settings: &Settings, import_args: &ImportArgs) -> anyhow::Result<()> {
    let args = &import_args.files;
    // Each document's import is a trace, exported when OTLP is configured; both guards flush at
    // the end of the command, whatever its outcome.
    let _telemetry =
        crate::telemetry::init(&settings.log_filter, settings.log_format, settings.otel)?;
    let _meter = crate::metrics::GlobalMeter::install(settings.otel.metrics)?;
    let files = expand_paths(&args.paths).context("cannot list the files to import")?;
    args.require_files(&files)?;
    // PostgreSQL stores the payer rates over a second connection, on a second server process.
    let postgres = settings.database_url.backend() == Backend::Postgres;
    // An import's statements run as long as the file needs: no statement timeout.
    let options = PoolOptions::new(1 + u32::from(postgres));
    let pool = open_database(&settings.database_url, options, false)?;
    let mut connection = pool.get()?;
    let mut rates = if postgres { Some(pool.get()?) } else { None };
    let progress = progress::TerminalProgress::new();
    let options = import_args.read_options()?;
    let mut reports = Vec::new();
    for file in &files {
        let rates = rates.as_deref_mut();
        for report in import_path(&mut connection, rates, file, &options, &progress) {
            say!("{}", report.line());
            reports.push(report);
        }
    }
    if reports
        .iter()
        .any(|report| report.status == Status::Imported)
    {
        priceline_store::planner::settle_after_import(&mut connection).context(
            "the files are imported, but vacuuming and analysing the tables after them failed",
        )?;
    }
    conclude(&reports, args.report.as_deref())
}

fn generate(args: &GenerateArgs) -> anyhow::Result<()> {
    let mut formats: Vec<Format> = args.format.iter().flatten().copied().collect();
    formats.dedup();
    if args.hospitals == 0 || args.rows == 0 {
        bail!("--hospitals and --rows must be at least 1");
    }
    let mut written = 0;
    // Hospital i is written in formats[i % n] only: one file per hospital, all layouts represented.
    for (index, format) in (0..args.hospitals).zip(formats.iter().cycle()) {
        let paths =
            priceline_synth::write_hospital(&args.out, args.seed, index, args.rows, *format)
                .with_context(|| format!("cannot write into {}", args.out.display()))?;
        written += 1;
        say!("wrote {}", paths.display());
    }
    if args.faulty {
        for (offset, fault) in priceline_synth::Fault::ALL.into_iter().enumerate() {
            let index = args.hospitals + offset;
            let path = priceline_synth::write_faulty(&args.out, args.seed, index, args.rows, fault)
                .with_context(|| format!("cannot write into {}", args.out.display()))?;
            written += 1;
            say!("wrote {} (faulty: {})", path.display(), fault.name());
        }
    }
    say!("{written} file(s) in {}", args.out.display());
    Ok(())
}

fn validate(args: &FileArgs) -> anyhow::Result<()> {
    let files = expand_paths(&args.paths).context("cannot list the files to validate")?;
    args.require_files(&files)?;
    let options = args.read_options();
    let mut reports = Vec::new();
    for file in &files {
        for validation in validate_path(file, &options) {
            let report = DocumentReport::from(validation);
            say!("{}", report.line());
            reports.push(report);
        }
    }
    conclude(&reports, args.report.as_deref())
}

/// The `--report` file: every document's counts and findings, and what the run cost.
#[derive(serde::Serialize)]
struct RunReport<'a> {
    documents: &'a [DocumentReport],
    /// The process's peak resident memory (Linux), for checking that memory stays bounded.
    peak_memory_bytes: Option<u64>,
}

/// Peak resident set size of this process, from `/proc/self/status` (`VmHWM`); `None` elsewhere.
fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes * 1024)
}

/// Writes the JSON report if asked and turns failures into a non-zero exit.
fn conclude(reports: &[DocumentReport], report_path: Option<&Path>) -> anyhow::Result<()> {
    let peak = peak_memory_bytes();
    if let Some(path) = report_path {
        let report = RunReport {
            documents: reports,
            peak_memory_bytes: peak,
        };
        let json = serde_json::to_string_pretty(&report)?;
        std::fs::write(path, json + "\n")
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
    }
    let count = |status: Status| {
        reports
            .iter()
            .filter(|report| report.status == status)
            .count()
    };
    say!(
        "{} file(s): {} imported, {} unchanged, {} valid, {} invalid, {} refused, {} rejected, {} failed; peak memory {}",
        reports.len(),
        count(Status::Imported),
        count(Status::Unchanged),
        count(Status::Valid),
        count(Status::Invalid),
        count(Status::Refused),
        count(Status::Rejected),
        count(Status::Failed),
        peak.map_or_else(
            || "unknown".to_owned(),
            |bytes| format!("{:.0} MB", bytes as f64 / 1e6)
        )
    );
    let failed = reports
        .iter()
        .filter(|report| report.status.is_failure())
        .count();
    if failed > 0 {
        bail!(
            "{failed} of {} file(s) were refused, rejected, invalid or failed",
            reports.len()
        );
    }
    Ok(())
}

fn migrate(settings: &Settings, action: MigrateAction) -> anyhow::Result<()> {
    let target = &settings.database_url;
    // Only `up` may create the SQLite file (and its folder): `status` and `down` read or change a
    // database that must already be there, so a mistyped path is an error, not a new empty database.
    if let DatabaseUrl::Sqlite(path, _) = target
        && !matches!(action, MigrateAction::Up)
        && !path.exists()
    {
        bail!(
            "there is no database at {}: check PRICELINE_DATABASE_URL (`priceline migrate up` creates it)",
            path.display()
        );
    }
    let mut connection = priceline_store::connect(target)?;
    match action {
        MigrateAction::Up => {
            let applied = migrations::run_pending(&mut connection)?;
            if applied.is_empty() {
                say!("{target}: schema is up to date");
            }
            for name in &applied {
                say!("{target}: applied {name}");
            }
        }
        MigrateAction::Down { steps } => {
            let reverted = migrations::revert(&mut connection, steps)?;
            for name in &reverted {
                say!("{target}: reverted {name}");
            }
            match reverted.len() {
                0 => say!("{target}: nothing to revert"),
                done if done < steps => say!(
                    "{target}: reverted {done} migration(s), all that were applied ({steps} asked)"
                ),
                done => say!("{target}: reverted {done} migration(s)"),
            }
        }
        MigrateAction::Status => {
            for status in migrations::status(&mut connection)? {
                let mark = if status.applied { "applied" } else { "pending" };
                say!("{mark:8} {}", status.name);
            }
        }
    }
    Ok(())
}

fn serve(settings: Settings, migrate: bool) -> anyhow::Result<()> {
    // Dropped last (after the server stops): the last spans are exported.
    let telemetry =
        crate::telemetry::init(&settings.log_filter, settings.log_format, settings.otel)?;
    // The identity provider's keys before anything else: without them no token verifies.
    if let Some(loaded) =
        settings
            .security
            .auth
            .load_keys()
            .map_err(|reason| crate::config::ConfigError {
                variable: crate::config::JWT_JWKS_URL,
                reason,
            })?
    {
        tracing::info!("{loaded}");
    }
    let url = &settings.database_url;
    let pool = open_database(url, settings.pool_options(), migrate)?;
    for notice in settings.notices() {
        tracing::warn!("{notice}");
    }
    // Said either way, so the log shows that configured credentials are in force, not only that
    // a warning is missing.
    let managed = settings.keys.managed
        || priceline_store::queries::api_keys::any(&mut *pool.get()?)
            .context("cannot read the managed API keys")?;
    tracing::info!(
        "{}",
        crate::auth::key_store::describe(&settings.security.auth, managed, &settings.keys)
    );
    if settings.security.auth.is_open() && !managed {
        tracing::warn!(
            "the API is open to anyone: set PRICELINE_API_KEYS, PRICELINE_JWT_SECRET or PRICELINE_JWT_JWKS_URL, or make a managed key (priceline keys create NAME --scope prices:read), to require a credential"
        );
    }
    if !settings.security.rate_limit.enabled() {
        tracing::warn!(
            "the API has no rate limit (PRICELINE_RATE_LIMIT_PER_SECOND or _BURST is 0)"
        );
    }
    let application = Application::build(&settings, pool)
        .with_context(|| format!("cannot serve on {}", settings.listen))?;
    // What other crates record through the global meter (imports) is served at /metrics too.
    let meter_provider = application.metrics().provider().clone();
    opentelemetry::global::set_meter_provider(meter_provider.clone());
    if telemetry.exporting() {
        tracing::info!("exporting traces over OTLP");
    }
    // SocketAddr's Display brackets an IPv6 address, as a URL needs.
    let base = format!(
        "{}://{}",
        application.scheme(),
        std::net::SocketAddr::new(settings.listen.ip(), application.port())
    );
    say!("Hospital Priceline is serving {url}");
    say!("  API:        {base}/v1/facilities (every route is listed in Swagger UI)");
    say!("  Swagger UI: {base}/docs/");
    say!("  OpenAPI:    {base}/openapi.json");
    say!("  Health:     {base}/healthz");
    actix_web::rt::System::new().block_on(application.run_until_signalled())?;
    // Exports the last metrics when OTLP is configured.
    if let Err(error) = meter_provider.shutdown() {
        tracing::warn!("the last metrics could not be exported: {error}");
    }
    Ok(())
}
