//! The schema comes from the org's metadata: `schema pull`, the built-in snapshot, another org's
//! modules and custom fields served with no code of their own, lookups across modules, picklists
//! for forms, validation from metadata (every bad field at once, no Zoho call) and drift.

use std::path::{Path, PathBuf};

use clap::Parser as _;
use serde_json::{Value, json};
use zoho_gateway::config::Config;
use zoho_gateway::meta::Snapshot;
use zoho_gateway::sandbox::{OrgSpec, SandboxConfig};

use crate::helpers::{Options, TestApp, error_code, spawn_app_with};

const ADMIN_EMAIL: &str = "priya.sharma@zylker-academy.example";
const ALL_MODULES: &str = "Leads,Contacts,Deals,Courses";

/// A gateway on a SQLite file, so that `schema pull` (another process in real life) finds the
/// tokens of whoever signed in.
async fn app_on_file(dir: &Path, sandbox: SandboxConfig, extra: &[&str]) -> (TestApp, PathBuf) {
    let db = dir.join("gateway.db");
    let mut args = vec!["--database-url".to_owned(), format!("sqlite://{}", db.display())];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    (spawn_app_with(Options { sandbox, args, ..Options::default() }).await, db)
}

async fn pull(app: &TestApp, db: &Path, modules: &str, email: &str, out: &Path) -> anyhow::Result<Snapshot> {
    let config = Config::try_parse_from([
        "zoho-gateway",
        "--client-id",
        app.sandbox.client_id(),
        "--client-secret",
        app.sandbox.client_secret(),
        "--accounts-url",
        &app.sandbox.accounts_url(),
        "--accounts-servers",
        &app.sandbox.accounts_url(),
        "--api-domains",
        &app.sandbox.api_url(),
        "--database-url",
        &format!("sqlite://{}", db.display()),
        "--modules",
        modules,
    ])
    .expect("config parses");
    zoho_gateway::meta::pull::run(&config, email, out).await
}

#[tokio::test]
async fn the_built_in_snapshot_is_what_schema_pull_reads_from_the_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on_file(dir.path(), SandboxConfig::default(), &[]).await;
    app.signed_in("admin").await;
    let out = dir.path().join("crm-schema.json");
    let pulled = pull(&app, &db, ALL_MODULES, ADMIN_EMAIL, &out).await.expect("pull works");
    assert_eq!(Snapshot::load(&out).expect("the written file loads"), pulled);
    let built_in = concat!(env!("CARGO_MANIFEST_DIR"), "/src/meta/sandbox-org.json");
    if std::env::var_os("ZGW_BLESS").is_some() {
        std::fs::write(built_in, pulled.to_json()).unwrap();
    }
    assert!(
        pulled == Snapshot::built_in(),
        "src/meta/sandbox-org.json is not what `schema pull` reads from the sandbox: rerun this test with ZGW_BLESS=1"
    );
}

#[tokio::test]
async fn schema_pull_explains_what_went_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on_file(dir.path(), SandboxConfig::default(), &[]).await;
    let out = dir.path().join("x.json");
    let err = pull(&app, &db, "Leads", ADMIN_EMAIL, &out).await.unwrap_err().to_string();
    assert!(err.contains("has signed in"), "{err}");
    app.signed_in("admin").await;
    let err = pull(&app, &db, "Leads,Invoices", ADMIN_EMAIL, &out).await.unwrap_err().to_string();
    assert!(err.contains("no module Invoices") && err.contains("Courses"), "{err}");
    let admin = app.signed_in("admin").await;
    admin.graphql("mutation { logout(everywhere: true) }", json!({})).await;
    let err = pull(&app, &db, "Leads", ADMIN_EMAIL, &out).await.unwrap_err().to_string();
    assert!(err.contains("has signed in") || err.contains("no longer honours"), "{err}");
    assert!(!out.exists(), "nothing is written on failure");
}

fn clinic() -> SandboxConfig {
    let spec = OrgSpec::from_json(include_str!("../fixtures/clinic-org.json")).expect("the clinic org loads");
    SandboxConfig { org: spec, ..SandboxConfig::default() }
}

/// Another org entirely: pulled, then served by a gateway started with that snapshot.
async fn clinic_gateway(dir: &Path) -> TestApp {
    let (first, db) = app_on_file(dir, clinic(), &[]).await;
    first.signed_in("admin").await;
    let out = dir.join("clinic.json");
    pull(&first, &db, "Patients,Doctors", ADMIN_EMAIL, &out).await.expect("pull the clinic");
    let sandbox = first.stop().await;
    spawn_app_with(Options {
        existing_sandbox: Some(sandbox),
        args: vec!["--crm-schema".into(), out.display().to_string(), "--modules".into(), "Patients,Doctors".into()],
        ..Options::default()
    })
    .await
}

#[tokio::test]
async fn another_orgs_modules_and_custom_fields_are_served_without_code_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let app = clinic_gateway(dir.path()).await;
    let admin = app.signed_in("admin").await;

    let r = admin
        .graphql(
            "{ patients(sortBy: ID, sortOrder: ASC) { nodes { id name ward admittedOn bedsNeeded insured allergies owner { name } } pageInfo { count } } doctors { nodes { id name speciality consultationFee } } }",
            json!({}),
        )
        .await;
    assert!(r.get("errors").is_none(), "{r}");
    let ravi = r["data"]["patients"]["nodes"].as_array().unwrap().iter().find(|p| p["name"] == "Ravi Kumar").cloned().unwrap();
    assert_eq!(ravi["admittedOn"], "2026-11-30");
    assert_eq!(ravi["bedsNeeded"], 1);
    assert_eq!(ravi["insured"], true);
    assert_eq!(ravi["allergies"], json!(["Latex"]));
    let doctors = r["data"]["doctors"]["nodes"].as_array().unwrap();
    let rao = doctors.iter().find(|d| d["name"] == "Dr. Anjali Rao").unwrap();
    assert_eq!(rao["consultationFee"], 800.0);

    // Create with a lookup across modules; the answer reads the doctor back through the loader.
    let created = admin
        .graphql(
            "mutation($i: PatientInput!) { createPatient(input: $i) { id name ward allergies doctor { id name speciality } } }",
            json!({ "i": { "name": "Asha Verma", "ward": "South", "allergies": ["Penicillin", "Peanuts"], "doctor": rao["id"], "admittedOn": "2026-12-01", "bedsNeeded": 2 } }),
        )
        .await;
    assert!(created.get("errors").is_none(), "{created}");
    let patient = &created["data"]["createPatient"];
    assert_eq!(patient["doctor"]["name"], "Dr. Anjali Rao");
    assert_eq!(patient["doctor"]["speciality"], "Cardiology");
    let id = patient["id"].as_str().unwrap().to_owned();

    let got =
        admin.graphql("query($id: ID!) { patient(id: $id) { name bedsNeeded doctor { name } } }", json!({ "id": id })).await;
    assert_eq!(got["data"]["patient"]["bedsNeeded"], 2, "{got}");

    let updated = admin
        .graphql(
            "mutation($id: ID!) { updatePatient(id: $id, input: { ward: null, insured: true }) { ward insured } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(updated["data"]["updatePatient"], json!({ "ward": null, "insured": true }), "{updated}");

    let found = admin.graphql("{ searchPatients(by: { name: \"Asha\" }) { nodes { id } } }", json!({})).await;
    assert_eq!(found["data"]["searchPatients"]["nodes"][0]["id"], id.as_str(), "{found}");

    let bad = admin
        .graphql(
            "mutation { createPatient(input: { ward: \"East\", bedsNeeded: 1234567890, contactEmail: \"not-an-email\", allergies: [\"Dust\"] }) { id } }",
            json!({}),
        )
        .await;
    let mut fields: Vec<&str> =
        bad["errors"].as_array().unwrap().iter().map(|e| e["extensions"]["field"].as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(fields, ["allergies", "bedsNeeded", "contactEmail", "name", "ward"], "{bad}");
    assert!(bad["errors"].as_array().unwrap().iter().all(|e| e["extensions"]["code"] == "BAD_USER_INPUT"));
    assert_eq!(app.sandbox.calls().get("patients.create"), 1, "the bad input never reached Zoho");

    let form = admin.graphql("{ crmModule(apiName: \"Patients\") { graphqlType fields { graphqlName type required options { value } lookupModule } } }", json!({})).await;
    let fields = form["data"]["crmModule"]["fields"].as_array().unwrap();
    let ward = fields.iter().find(|f| f["graphqlName"] == "ward").unwrap();
    assert_eq!(ward["options"], json!([{ "value": "-None-" }, { "value": "North" }, { "value": "South" }]));
    assert!(fields.iter().any(|f| f["graphqlName"] == "name" && f["required"] == true));
    assert!(fields.iter().any(|f| f["graphqlName"] == "doctor" && f["lookupModule"] == "Doctors"));

    let deleted = admin.graphql("mutation($id: ID!) { deletePatient(id: $id) }", json!({ "id": id })).await;
    assert_eq!(deleted["data"]["deletePatient"], id.as_str(), "{deleted}");

    // A standard user sees only their own records, in every module.
    let coordinator = app.signed_in("coordinator").await;
    let theirs = coordinator.graphql("{ patients { nodes { name } } doctors { nodes { name } } }", json!({})).await;
    assert_eq!(theirs["data"]["patients"]["nodes"], json!([{ "name": "Lena Fischer" }]), "{theirs}");
    assert_eq!(theirs["data"]["doctors"]["nodes"], json!([{ "name": "Dr. Samuel Obi" }]), "{theirs}");
}

#[tokio::test]
async fn lookups_across_exposed_modules_are_batched() {
    let app = spawn_app_with(Options { args: vec!["--modules".into(), ALL_MODULES.into()], ..Options::default() }).await;
    let admin = app.signed_in("admin").await;
    app.sandbox.reset_calls();
    let r = admin
        .graphql(
            "{ deals(perPage: 200) { nodes { dealName stage amount contactName { fullName email } course { name fees } } } }",
            json!({}),
        )
        .await;
    assert!(r.get("errors").is_none(), "{r}");
    let deals = r["data"]["deals"]["nodes"].as_array().unwrap();
    assert!(deals.len() >= 10, "{r}");
    assert!(deals.iter().any(|d| d["contactName"]["fullName"].is_string()), "{r}");
    assert!(deals.iter().any(|d| d["course"]["fees"].is_number()), "{r}");
    assert_eq!(app.sandbox.calls().get("contacts.get_by_ids"), 1, "{:?}", app.sandbox.calls());
    assert_eq!(app.sandbox.calls().get("courses.get_by_ids"), 1, "{:?}", app.sandbox.calls());
}

#[tokio::test]
async fn lead_custom_fields_and_validation_come_from_the_metadata() {
    let app = spawn_app_with(Options::default()).await;
    let admin = app.signed_in("admin").await;
    let form = admin
        .graphql("{ crmModule(apiName: \"Leads\") { fields { graphqlName type options { value label } } } }", json!({}))
        .await;
    let fields = form["data"]["crmModule"]["fields"].as_array().unwrap_or_else(|| panic!("{form}"));
    let course = fields.iter().find(|f| f["graphqlName"] == "course").unwrap();
    assert_eq!(course["type"], "picklist");
    assert!(course["options"].as_array().unwrap().iter().any(|o| o["value"] == "Web Design"), "{course}");

    let bad = admin
        .graphql(
            "mutation { createLead(input: { email: \"a@b\", phone: \"abc\", course: \"Cooking\", preferredStartDate: \"2026-02-30\" }) { id } }",
            json!({}),
        )
        .await;
    let mut named: Vec<&str> =
        bad["errors"].as_array().unwrap().iter().map(|e| e["extensions"]["field"].as_str().unwrap_or("?")).collect();
    named.sort();
    assert_eq!(named, ["course", "email", "lastName", "phone", "preferredStartDate"], "{bad}");
    assert_eq!(app.sandbox.calls().get("leads.create"), 0);

    let ok = admin
        .graphql(
            "mutation { createLead(input: { lastName: \"Rao\", course: \"Web Design\", scholarship: true, quotedFee: 42000.5, languages: [\"English\", \"Hindi\"], preferredStartDate: \"2027-01-15\" }) { id course scholarship quotedFee languages preferredStartDate owner { name } } }",
            json!({}),
        )
        .await;
    let lead = &ok["data"]["createLead"];
    assert_eq!(lead["languages"], json!(["English", "Hindi"]), "{ok}");
    assert_eq!(lead["quotedFee"], 42000.5);
    assert_eq!(lead["owner"]["name"], "Priya Sharma");
}

#[tokio::test]
async fn a_field_removed_in_zoho_is_named_and_the_rest_of_the_query_works() {
    let app = spawn_app_with(Options::default()).await;
    app.sandbox.remove_field("Leads", "City").expect("City exists");
    let admin = app.signed_in("admin").await;
    let r = admin.graphql("{ leads(perPage: 3) { nodes { id lastName city } } }", json!({})).await;
    let nodes = r["data"]["leads"]["nodes"].as_array().unwrap_or_else(|| panic!("{r}"));
    assert_eq!(nodes.len(), 3);
    assert!(nodes.iter().all(|n| n["lastName"].is_string() && n["city"].is_null()), "{r}");
    assert_eq!(error_code(&r), "SCHEMA_DRIFT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "city");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("schema pull"), "{r}");

    // Removed after sign-in: Zoho's refusal marks it, and the query still works.
    app.sandbox.remove_field("Leads", "Country").expect("Country exists");
    let r = admin.graphql("{ leads(perPage: 2, sortBy: ID) { nodes { id lastName country } } }", json!({})).await;
    assert_eq!(r["data"]["leads"]["nodes"].as_array().map(Vec::len), Some(2), "{r}");
    assert_eq!(error_code(&r), "SCHEMA_DRIFT", "{r}");
    let _: Value = r;
}

/// Issue 13: sign-in asks for the served modules' scopes only (a custom module through
/// `ZohoCRM.modules.custom`), and that grant is enough for every module's reads and writes.
#[tokio::test]
async fn sign_in_asks_for_the_served_modules_scopes_and_they_suffice() {
    let app = spawn_app_with(Options { args: vec!["--modules".into(), ALL_MODULES.into()], ..Options::default() }).await;
    let browser = app.browser();
    let login =
        browser.graphql("mutation($r: String!) { login(redirectUrl: $r) { url } }", json!({ "r": app.redirect_url })).await;
    let url = url::Url::parse(login["data"]["login"]["url"].as_str().unwrap()).unwrap();
    let scope = url.query_pairs().find(|(k, _)| k == "scope").map(|(_, v)| v.into_owned()).unwrap();
    let modules: Vec<&str> = scope.split(',').filter(|s| s.starts_with("ZohoCRM.modules.")).collect();
    assert_eq!(
        modules,
        ["ZohoCRM.modules.leads.ALL", "ZohoCRM.modules.contacts.ALL", "ZohoCRM.modules.deals.ALL", "ZohoCRM.modules.custom.ALL"]
    );
    let admin = app.signed_in("admin").await;
    let r = admin
        .graphql(
            "{ leads(perPage: 1) { nodes { id } } contacts(perPage: 1) { nodes { id } } deals(perPage: 1) { nodes { id } } \
               courses(perPage: 1) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    let made = admin.graphql("mutation { createCourse(input: { name: \"Scopes 101\" }) { id } }", json!({})).await;
    let id = made["data"]["createCourse"]["id"].as_str().unwrap_or_else(|| panic!("{made}")).to_owned();
    let gone = admin.graphql("mutation($id: ID!) { deleteCourse(id: $id) }", json!({ "id": id })).await;
    assert_eq!(gone["data"]["deleteCourse"], id.as_str(), "{gone}");
}
