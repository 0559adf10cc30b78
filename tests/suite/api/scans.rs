//! No API query reads a large table from end to end (issue 16): on PostgreSQL, with the planner's
//! sequential scans turned off (`enable_seqscan=off`, so any it still makes had no index to use
//! instead), every kind of API query over generated files leaves the sequential-scan counters of the
//! large tables where they were. PostgreSQL counts per table (`pg_stat_user_tables`); the server's
//! connections are ended before reading, which makes their backends report their counts.

use diesel::RunQueryDsl;
use priceline_store::{DatabaseUrl, DbConnection, connect};
use priceline_synth::Format;

use super::sample::SEED;
use crate::import::import;
use crate::support::app::TestApp;
use crate::support::db::{TestDb, end_backends};

/// The tables that grow with the rates: a query that scans one reads the country.
const LARGE: &[&str] = &[
    "items",
    "item_codes",
    "standard_charges",
    "payer_rates",
    "code_line_amounts",
    "modifiers",
    "code_statistics_groups",
    "code_statistics_amounts",
    "code_statistics_summaries",
    // Nationally, hundreds of thousands of payer plans, named by what they contain.
    "payer_plans",
    "file_payer_plans",
];

#[derive(diesel::QueryableByName, Debug, PartialEq)]
struct Scans {
    #[diesel(sql_type = diesel::sql_types::Text)]
    relname: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    seq_scan: i64,
}

fn scans(connection: &mut DbConnection, schema: &str) -> Vec<Scans> {
    let tables = LARGE
        .iter()
        .map(|table| format!("'{table}'"))
        .collect::<Vec<_>>()
        .join(", ");
    // A partitioned table (migration 000801) counts in its partitions: summed under its name.
    diesel::sql_query(format!(
        "SELECT COALESCE(parent.relname, s.relname)::text AS relname, \
                SUM(s.seq_scan)::bigint AS seq_scan \
         FROM pg_stat_user_tables s \
         LEFT JOIN pg_inherits i ON i.inhrelid = s.relid \
         LEFT JOIN pg_class parent ON parent.oid = i.inhparent \
         WHERE s.schemaname = '{schema}' AND COALESCE(parent.relname, s.relname) IN ({tables}) \
         GROUP BY 1 ORDER BY 1"
    ))
    .load(connection)
    .unwrap()
}

/// Every kind of read the API makes, over what the generated files hold.
fn requests(facility: i64, file: i64) -> Vec<String> {
    let mut paths: Vec<String> = [
        "/v1/facilities?limit=5",
        "/v1/facilities?state=TX&limit=5",
        "/v1/facilities?name=Mercy",
        "/v1/facilities?zip=78701",
        "/v1/prices?code_type=CPT&code=70551&limit=50",
        "/v1/prices?code=70551&limit=50",
        "/v1/prices?code_type=CPT&code=70551&payer=Aetna&limit=20",
        "/v1/prices?code_type=CPT&code=70551&plan=PPO&limit=20",
        "/v1/prices?code_type=CPT&code=70551&state=TX&limit=20",
        "/v1/prices?code_type=CPT&code=70551&methodology=fee%20schedule&limit=20",
        "/v1/prices?code_type=CPT&code=70551&kind=negotiated_dollar&min_amount=10&max_amount=100000&sort=amount&limit=20",
        "/v1/prices?code_type=CPT&code=70551&as_of=2026-03-01&limit=20",
        "/v1/prices?payer=Aetna&code_type=CPT&limit=100",
        "/v1/prices?q=MRI&limit=20",
        "/v1/codes/CPT/70551/statistics",
        "/v1/codes/CPT/70551/statistics?by=payer",
        "/v1/codes/CPT/70551/statistics?by=state&setting=outpatient",
        "/v1/codes/CPT/70551/compare",
        "/v1/codes/CPT/70551/compare?kind=gross",
        "/v1/payers?limit=20",
        "/v1/payers?name=aetna&limit=5",
        "/v1/source-files?limit=20",
        "/fhir/ChargeItemDefinition?code=http://www.ama-assn.org/go/cpt%7C70551&_count=20",
        "/fhir/ChargeItemDefinition?_count=20",
        "/fhir/Organization?_count=20",
    ]
    .iter()
    .map(|path| path.to_string())
    .collect();
    paths.extend([
        format!("/v1/facilities/{facility}"),
        format!("/v1/facilities/{facility}/snapshots"),
        format!("/v1/prices?facility_id={facility}&limit=20"),
        format!("/v1/source-files/{file}"),
        format!("/v1/source-files/{file}/findings"),
        format!("/fhir/ChargeItemDefinition?organization=Organization/{facility}&_count=20"),
    ]);
    paths
}

#[test]
#[cfg_attr(no_postgres, ignore = "PRICELINE_TEST_POSTGRES_URL is not set")]
fn no_api_query_scans_a_large_table() {
    let db = TestDb::postgres();
    let text = db.url.connection_string();
    let schema = text
        .split("search_path%3D")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .expect("the schema in the test URL")
        .to_owned();
    // The imports' own connection is named too, and ended before counting starts.
    let named = |name: &str| {
        DatabaseUrl::parse(&format!("{text}&application_name={name}_{schema}")).unwrap()
    };
    let mut admin = connect(&named("import")).unwrap();
    priceline_store::migrations::run_pending(&mut admin).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let formats = [Format::Tall, Format::Wide, Format::Json];
    for path in priceline_synth::write_dataset(dir.path(), SEED, 6, 400, &formats).unwrap() {
        import(&mut admin, path.to_str().unwrap());
    }
    // The imports' changes taken into the statistics model, as the server does in the background.
    while priceline_store::snapshot::statistics::refresh(&mut admin).unwrap() > 0 {}
    priceline_store::planner::settle_after_import(&mut admin).unwrap();
    drop(admin);
    let mut observer = db.connect();
    end_backends(
        &mut observer,
        &format!("application_name = 'import_{schema}'"),
    );

    let application = format!("scans_{schema}");
    let url = DatabaseUrl::parse(&format!(
        "{}&application_name={application}",
        text.replace(
            &format!("search_path%3D{schema}"),
            &format!("search_path%3D{schema}%20-c%20enable_seqscan%3Doff"),
        )
    ))
    .unwrap();
    let before = scans(&mut observer, &schema);
    assert_eq!(before.len(), LARGE.len(), "{before:?}");

    actix_web::rt::System::new().block_on(async {
        let app = TestApp::spawn_on(&url, &[]).await;
        let (_, facilities) = app.get("/v1/facilities?limit=1").await;
        let facility = facilities["items"][0]["id"].as_i64().unwrap();
        let (_, files) = app.get("/v1/source-files?limit=1").await;
        let file = files["items"][0]["id"].as_i64().unwrap();
        for path in requests(facility, file) {
            let (status, body) = app.get(&path).await;
            assert_eq!(status, 200, "{path}: {body}");
        }
    });
    end_backends(
        &mut observer,
        &format!("application_name = '{application}'"),
    );
    // A new transaction: the statistics snapshot of the one before is not reused.
    let after = scans(&mut observer, &schema);
    assert_eq!(after, before, "sequential scans of large tables");
}
