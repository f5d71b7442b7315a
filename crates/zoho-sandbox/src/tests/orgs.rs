//! Metadata of the org's modules and fields, an org loaded from JSON, and the drift hooks.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::TestSandbox;
use crate::{OrgSpec, SandboxConfig};

#[tokio::test]
async fn modules_and_fields_metadata_describe_every_module() {
    let t = TestSandbox::start().await;
    let token = t.login("admin").await;
    let answer = t.get(&token, "/crm/v8/settings/modules").await;
    assert_eq!(answer.status, StatusCode::OK);
    let modules = answer.json()["modules"].as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = modules.iter().filter_map(|m| m["api_name"].as_str()).collect();
    assert_eq!(names, ["Home", "Leads", "Contacts", "Deals", "Courses"]);
    assert_eq!(modules[0]["api_supported"], false);
    let courses = &modules[4];
    assert_eq!((courses["generated_type"].as_str(), courses["module_name"].as_str()), (Some("custom"), Some("CustomModule1")));
    assert_eq!((courses["singular_label"].as_str(), courses["actual_plural_label"].as_str()), (Some("Course"), Some("Courses")));
    for module in &modules[1..] {
        for key in
            ["id", "api_supported", "creatable", "editable", "deletable", "viewable", "status", "profiles", "sequence_number"]
        {
            assert!(module.get(key).is_some(), "{key} in {module}");
        }
    }
    let one = t.get(&token, "/crm/v8/settings/modules/Deals").await;
    assert_eq!(one.json()["modules"][0]["api_name"], "Deals");
    assert_eq!(t.get(&token, "/crm/v8/settings/modules/Nope").await.code(), "INVALID_MODULE");

    let fields = |module: &'static str| {
        let t = &t;
        let token = token.clone();
        async move {
            let answer = t.get(&token, &format!("/crm/v8/settings/fields?module={module}")).await;
            assert_eq!(answer.status, StatusCode::OK, "{module}");
            answer.json()["fields"].as_array().cloned().unwrap_or_default()
        }
    };
    let find = |fields: &[Value], name: &str| fields.iter().find(|f| f["api_name"] == name).cloned().unwrap_or_default();
    let deals = fields("Deals").await;
    let contact = find(&deals, "Contact_Name");
    assert_eq!((contact["data_type"].as_str(), contact["json_type"].as_str()), (Some("lookup"), Some("jsonobject")));
    assert_eq!(contact["lookup"]["module"]["api_name"], "Contacts");
    assert_eq!(contact["lookup"]["module"]["id"], modules[2]["id"]);
    let amount = find(&deals, "Amount");
    assert_eq!((amount["json_type"].as_str(), amount["decimal_place"].as_u64()), (Some("double"), Some(2)));
    assert_eq!(find(&deals, "Deal_Name")["display_field"], true);
    assert_eq!(find(&deals, "Stage")["system_mandatory"], true);
    let created = find(&deals, "Created_Time");
    assert_eq!((created["read_only"].as_bool(), created["operation_type"]["api_create"].as_bool()), (Some(true), Some(false)));
    assert_eq!(find(&deals, "Owner")["json_type"], "jsonobject");
    let courses = fields("Courses").await;
    assert_eq!(find(&courses, "Seats")["json_type"], "integer");
    assert_eq!(find(&courses, "Online")["json_type"], "boolean");
    assert_eq!(find(&courses, "Name")["display_field"], true);
    let contacts = fields("Contacts").await;
    assert_eq!(find(&contacts, "Full_Name")["display_field"], true);
    assert_eq!(find(&contacts, "Email")["unique"], json!({ "casesensitive": "false" }));
    let leads = fields("Leads").await;
    assert_eq!(find(&leads, "Languages")["json_type"], "jsonarray");
    assert_eq!(leads.iter().filter(|f| f["display_field"] == true).count(), 1);
}

#[tokio::test]
async fn settings_scopes_guard_metadata() {
    let t = TestSandbox::start().await;
    let records_only = t.login_with("admin", "ZohoCRM.modules.ALL").await.access;
    for path in ["/crm/v8/settings/modules", "/crm/v8/settings/fields?module=Deals", "/crm/v8/settings/modules/Deals"] {
        let answer = t.get(&records_only, path).await;
        assert_eq!((answer.status, answer.code()), (StatusCode::UNAUTHORIZED, "OAUTH_SCOPE_MISMATCH"), "{path}");
    }
    let modules_only = t.login_with("admin", "ZohoCRM.settings.modules.READ").await.access;
    assert_eq!(t.get(&modules_only, "/crm/v8/settings/modules").await.status, StatusCode::OK);
    assert_eq!(t.get(&modules_only, "/crm/v8/settings/fields?module=Deals").await.code(), "OAUTH_SCOPE_MISMATCH");
    let fields_only = t.login_with("admin", "ZohoCRM.settings.fields.READ").await.access;
    assert_eq!(t.get(&fields_only, "/crm/v8/settings/fields?module=Deals").await.status, StatusCode::OK);
    assert_eq!(t.get(&fields_only, "/crm/v8/settings/modules").await.code(), "OAUTH_SCOPE_MISMATCH");
    let settings_read = t.login_with("admin", "ZohoCRM.settings.READ").await.access;
    assert_eq!(t.get(&settings_read, "/crm/v8/settings/modules").await.status, StatusCode::OK);
    assert_eq!(t.get(&settings_read, "/crm/v8/settings/fields?module=Courses").await.status, StatusCode::OK);
    assert_eq!(t.get(&settings_read, "/crm/v8/settings/fields").await.code(), "REQUIRED_PARAM_MISSING");
}

const CLINIC: &str = r#"{"modules":[
  {"api_name":"Doctors","singular_label":"Doctor","plural_label":"Doctors","generated_type":"custom",
   "fields":[{"api_name":"Name","data_type":"text","system_mandatory":true},
             {"api_name":"Speciality","data_type":"picklist","pick_list_values":["-None-","Cardiology","Paediatrics"]},
             {"api_name":"Licence","data_type":"text","unique":true,"length":12}],
   "records":[{"Owner":"admin","Name":"Dr. Iyer","Speciality":"Cardiology","Licence":"MCI-1"},
              {"Owner":"coordinator","Name":"Dr. Khan","Speciality":"Paediatrics","Licence":"MCI-2"}]},
  {"api_name":"Patients","singular_label":"Patient","plural_label":"Patients","generated_type":"custom",
   "fields":[{"api_name":"Patient_Name","field_label":"Patient Name","data_type":"text","system_mandatory":true,"display_field":true},
             {"api_name":"Ward","field_label":"Ward","data_type":"picklist","length":120,"system_mandatory":false,"read_only":false,
              "unique":false,"pick_list_values":["-None-","A","B"],"display_field":false},
             {"api_name":"Doctor","data_type":"lookup","lookup_module":"Doctors"},
             {"api_name":"Admitted","data_type":"datetime"},
             {"api_name":"Allergies","data_type":"multiselectpicklist","pick_list_values":["Penicillin","Latex"]},
             {"api_name":"Bed","data_type":"integer"},
             {"api_name":"Case_No","data_type":"autonumber"}],
   "records":[{"Owner":"coordinator","Patient_Name":"Asha Rao","Ward":"A","Doctor":"@Dr. Khan","Bed":4,
               "Admitted":"2026-01-05T10:00:00+05:30","Allergies":["Latex"]},
              {"Owner":"advisor","Patient_Name":"Ben Cole","Ward":"B","Doctor":{"id":"6180428000000100001"}}]}
]}"#;

#[tokio::test]
async fn an_org_loaded_from_json_is_served() {
    let org = OrgSpec::from_json(CLINIC).expect("the clinic org loads");
    assert_eq!(OrgSpec::seed_id(0, 0), "6180428000000100001");
    let t = TestSandbox::with(SandboxConfig { org, ..SandboxConfig::default() }).await;
    let admin = t.login("admin").await;
    let coordinator = t.login("coordinator").await;
    assert_eq!(t.sandbox.module_names(), ["Doctors", "Patients"]);
    assert_eq!(t.sandbox.lead_count(), 0);
    assert_eq!(t.get(&admin, "/crm/v8/Leads?fields=Last_Name").await.code(), "INVALID_MODULE");

    let patients = t.get(&admin, "/crm/v8/Patients?fields=Patient_Name,Doctor,Allergies,Bed,Case_No,Admitted").await;
    assert_eq!(patients.data().len(), 2, "{}", patients.text);
    let asha = patients.data().into_iter().find(|p| p["Patient_Name"] == "Asha Rao").unwrap_or_default();
    assert_eq!(asha["Doctor"]["name"], "Dr. Khan");
    assert_eq!((asha["Allergies"].clone(), asha["Bed"].clone()), (json!(["Latex"]), json!(4)));
    assert!(asha["Case_No"].is_string());
    let ben = patients.data().into_iter().find(|p| p["Patient_Name"] == "Ben Cole").unwrap_or_default();
    assert_eq!((ben["Doctor"]["name"].as_str(), ben["Allergies"].clone()), (Some("Dr. Iyer"), json!([])));
    let mine = t.get(&coordinator, "/crm/v8/Patients?fields=Patient_Name").await;
    assert_eq!(mine.data().len(), 1);

    let doctor = t.get(&admin, "/crm/v8/Doctors?fields=Name").await.data()[0]["id"].clone();
    let created = t
        .post(
            &coordinator,
            "/crm/v8/Patients",
            &json!({ "data": [{ "Patient_Name": "Chen Li", "Doctor": { "id": doctor },
            "Admitted": "2026-02-01T08:30:00+05:30", "Case_No": "ignored" }] }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let bad = t
        .post(
            &coordinator,
            "/crm/v8/Patients",
            &json!({ "data": [{ "Patient_Name": "D", "Admitted": "2026-02-01 08:30" },
            { "Patient_Name": "E", "Bed": 1.5 }, { "Ward": "A" }] }),
        )
        .await;
    let codes: Vec<(String, String)> = bad
        .data()
        .iter()
        .map(|r| (r["code"].as_str().unwrap_or("").to_string(), r["details"]["api_name"].as_str().unwrap_or("").to_string()))
        .collect();
    let codes: Vec<(&str, &str)> = codes.iter().map(|(c, f)| (c.as_str(), f.as_str())).collect();
    assert_eq!(
        codes,
        [("INVALID_DATA", "Admitted"), ("INVALID_DATA", "Bed"), ("MANDATORY_NOT_FOUND", "Patient_Name")],
        "{}",
        bad.text
    );
    let after = t.get(&admin, "/crm/v8/Patients/search?criteria=(Admitted:greater_than:2026-01-10T00:00:00%2B05:30)").await;
    assert_eq!(after.data().len(), 1, "{}", after.text);
    assert_eq!(after.data()[0]["Patient_Name"], "Chen Li");

    let fields = t.get(&admin, "/crm/v8/settings/fields?module=Patients").await;
    let names: Vec<&str> =
        fields.json()["fields"].as_array().into_iter().flatten().filter_map(|f| f["api_name"].as_str()).collect();
    assert_eq!(names.first(), Some(&"Owner"));
    assert!(names.ends_with(&["Created_By", "Modified_By", "Created_Time", "Modified_Time"]));
    let modules = t.get(&admin, "/crm/v8/settings/modules").await;
    assert_eq!(modules.json()["modules"][2]["module_name"], "CustomModule2");
    assert_eq!(t.sandbox.calls().get("patients.list"), 2);
}

#[test]
fn bad_org_definitions_are_refused_with_a_reason() {
    let module = |fields: &str| format!(r#"{{"modules":[{{"api_name":"Things","fields":[{fields}]}}]}}"#);
    for (json, reason) in [
        (module(r#"{"api_name":"Name","data_type":"texte"}"#), "unknown data_type"),
        (module(r#"{"api_name":"Boss","data_type":"lookup","lookup_module":"People"}"#), "not in the org"),
        (module(r#"{"api_name":"Boss","data_type":"lookup"}"#), "lookup_module"),
        (module(r#"{"api_name":"Name","data_type":"text"},{"api_name":"Name","data_type":"email"}"#), "duplicate field"),
        (module(r#"{"api_name":"A","data_type":"text","display_field":true},{"api_name":"B","data_type":"text","display_field":true}"#), "display_field"),
        (module(r#"{"api_name":"Owner","data_type":"text"}"#), "system field"),
        (module(r#"{"api_name":"Bad Name","data_type":"text"}"#), "API name"),
        (module(r#"{"data_type":"text"}"#), "api_name"),
        (r#"{"modules":[{"api_name":"A","fields":[{"api_name":"N","data_type":"text"}]},{"api_name":"A"}]}"#.to_string(), "duplicate module"),
        (r#"{"modules":[{"api_name":"A","generated_type":"weird","fields":[{"api_name":"N","data_type":"text"}]}]}"#.to_string(), "generated_type"),
        (r#"{"modules":[{"api_name":"A","fields":[{"api_name":"N","data_type":"text"}],"records":[{"Owner":"nobody","N":"x"}]}]}"#.to_string(), "Owner"),
        (r#"{"modules":[{"api_name":"A","fields":[{"api_name":"N","data_type":"integer"},{"api_name":"T","data_type":"text"}],"records":[{"N":"x","T":"t"}]}]}"#.to_string(), "expects"),
        (r#"{"modules":[{"api_name":"A","fields":[{"api_name":"N","data_type":"text"},{"api_name":"L","data_type":"lookup","lookup_module":"A"}],"records":[{"N":"x","L":"@nobody"}]}]}"#.to_string(), "no A record named"),
        ("not json".to_string(), "bad org definition"),
    ] {
        let error = OrgSpec::from_json(&json).err().unwrap_or_default();
        assert!(error.contains(reason), "{json}: {error}");
    }
}

#[tokio::test]
async fn drift_hooks_remove_and_add_fields_at_run_time() {
    let t = TestSandbox::start().await;
    let admin = t.login("admin").await;
    let lead_id =
        t.get(&admin, "/crm/v8/Leads?fields=Batch&per_page=1").await.data()[0]["id"].as_str().unwrap_or_default().to_string();
    assert!(t.sandbox.lead(&lead_id).is_some_and(|l| l.get("Batch").is_some()));

    t.sandbox.remove_field("Leads", "Batch").expect("Batch removed");
    let fields = t.get(&admin, "/crm/v8/settings/fields?module=Leads").await;
    assert!(!fields.text.contains("\"Batch\""));
    let removed = t.get(&admin, "/crm/v8/Leads?fields=Last_Name,Batch").await;
    assert_eq!((removed.status, removed.code()), (StatusCode::BAD_REQUEST, "INVALID_DATA"));
    assert_eq!(removed.json()["details"]["api_name"], "Batch");
    let record = t.get(&admin, &format!("/crm/v8/Leads/{lead_id}")).await.data()[0].clone();
    assert!(record.get("Batch").is_none() && record.get("Last_Name").is_some());
    let search = t.get(&admin, "/crm/v8/Leads/search?criteria=(Batch:equals:2026%20April)").await;
    assert_eq!(search.code(), "INVALID_QUERY");
    assert!(t.sandbox.remove_field("Leads", "Batch").is_err());
    assert!(t.sandbox.remove_field("Leads", "Owner").is_err());
    assert!(t.sandbox.remove_field("Nope", "Batch").is_err());

    let ward =
        r#"{"api_name":"Ward","field_label":"Ward","data_type":"picklist","length":120,"pick_list_values":["-None-","A","B"]}"#;
    t.sandbox.add_field("Leads", ward).expect("Ward added");
    assert!(t.sandbox.add_field("Leads", ward).is_err());
    assert!(t.sandbox.add_field("Leads", r#"{"api_name":"Doc","data_type":"lookup","lookup_module":"Doctors"}"#).is_err());
    t.sandbox
        .add_field("Deals", r#"{"api_name":"Mentor","data_type":"lookup","lookup_module":"Contacts"}"#)
        .expect("Mentor added");
    let fields = t.get(&admin, "/crm/v8/settings/fields?module=Leads").await;
    assert!(
        fields.json()["fields"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["api_name"] == "Ward" && f["pick_list_values"][1]["actual_value"] == "A"))
    );
    let read = t.get(&admin, &format!("/crm/v8/Leads?ids={lead_id}&fields=Ward")).await;
    assert_eq!(read.data()[0]["Ward"], Value::Null);
    let updated = t.put(&admin, &format!("/crm/v8/Leads/{lead_id}"), &json!({ "data": [{ "Ward": "B" }] })).await;
    assert_eq!(updated.status, StatusCode::OK);
    assert_eq!(t.sandbox.lead(&lead_id).unwrap_or_default()["Ward"], "B");
}
