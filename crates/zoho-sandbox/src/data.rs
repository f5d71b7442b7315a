//! The sandbox org's deterministic data: the org, three users, and `lead_count` student leads built
//! by a fixed-seed PRNG (no clock, no OS randomness), so every run and every test sees the same data.

use chrono::{DateTime, FixedOffset, Offset, TimeZone, Utc};
use serde_json::{Map, Value, json};

use super::SandboxUser;
use super::record::StoredRecord;

pub(crate) const ORG_NAME: &str = "Zylker Academy";
pub(crate) const ORG_ID: &str = "6180428000000020011";
pub(crate) const ORG_ZGID: &str = "810042299";
pub(crate) const LEADS_MODULE_ID: &str = "6180428000000002175";
/// The org's time zone; every datetime the sandbox writes uses its offset (§2.1: user's offset).
pub(crate) const TIME_ZONE: &str = "Asia/Kolkata";
const OFFSET_SECONDS: i32 = 5 * 3600 + 30 * 60;
/// New records get ids from here on, increasing (seed ids stay below it).
pub(crate) const FIRST_NEW_LEAD_ID: u64 = 6_180_428_000_001_000_001;
const FIRST_SEED_LEAD_ID: u64 = 6_180_428_000_000_700_001;

/// Role and profile ids per user key (deterministic, 19 digits like Zoho's).
pub(crate) fn role_id(key: &str) -> &'static str {
    match key {
        "admin" => "6180428000000026005",
        "coordinator" => "6180428000000026011",
        _ => "6180428000000026017",
    }
}

pub(crate) fn profile_id(profile: &str) -> &'static str {
    if profile == "Administrator" { "6180428000000026031" } else { "6180428000000026034" }
}

/// The demo users, admin first: three who live in the primary data centre (`location`), and
/// `eu_advisor`, who lives in the `eu` data centre when the sandbox runs one.
pub(crate) fn users(location: &str, extra_data_centres: &[String]) -> Vec<SandboxUser> {
    let user = |key, id: &str, zuid: &str, name: &str, email: &str, profile: &str, role: &str| SandboxUser {
        key,
        id: id.to_string(),
        zuid: zuid.to_string(),
        name: name.to_string(),
        email: email.to_string(),
        profile: profile.to_string(),
        role: role.to_string(),
        location: location.to_string(),
    };
    let mut users = vec![
        user(
            "admin",
            "6180428000000411001",
            "810042301",
            "Priya Sharma",
            "priya.sharma@zylker-academy.example",
            "Administrator",
            "CEO",
        ),
        user(
            "coordinator",
            "6180428000000411019",
            "810042317",
            "Daniel Okafor",
            "daniel.okafor@zylker-academy.example",
            "Standard",
            "Course Coordinator",
        ),
        user(
            "advisor",
            "6180428000000411037",
            "810042342",
            "Mei Tanaka",
            "mei.tanaka@zylker-academy.example",
            "Standard",
            "Academic Advisor",
        ),
    ];
    if let Some(eu) = extra_data_centres.iter().find(|l| l.eq_ignore_ascii_case(EU_USER_LOCATION)) {
        users.push(SandboxUser {
            location: eu.clone(),
            ..user(
                "eu_advisor",
                "6180428000000411055",
                "910042355",
                "Lena Fischer",
                "lena.fischer@zylker-academy.example",
                "Standard",
                "Academic Advisor (Europe)",
            )
        });
    }
    users
}

/// The data centre of the demo user `eu_advisor`.
pub(crate) const EU_USER_LOCATION: &str = "eu";

/// `{"name","id","email"}` as Zoho writes owner and user lookups in records (§3.4).
pub(crate) fn user_ref(user: &SandboxUser) -> Value {
    json!({ "name": user.name, "id": user.id, "email": user.email })
}

/// A unix time as ISO-8601 with the org's offset, e.g. `2025-09-01T09:00:00+05:30` (§2.1).
pub(crate) fn format_time(unix: i64) -> String {
    let offset = org_offset();
    match DateTime::from_timestamp(unix, 0) {
        Some(time) => time.with_timezone(&offset).format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        None => String::new(),
    }
}

pub(crate) fn org_offset() -> FixedOffset {
    FixedOffset::east_opt(OFFSET_SECONDS).unwrap_or_else(|| Utc.fix())
}

/// Time the seed data starts: 2025-09-01 09:00 in the org's zone.
pub(crate) fn seed_epoch() -> i64 {
    org_offset().with_ymd_and_hms(2025, 9, 1, 9, 0, 0).single().map(|t| t.timestamp()).unwrap_or(1_756_697_400)
}

pub(crate) const COURSES: [&str; 8] = [
    "Web Design",
    "Full-Stack JavaScript",
    "UI/UX Fundamentals",
    "Responsive CSS",
    "React in Depth",
    "Python for the Web",
    "Accessible Front-End",
    "Node.js APIs",
];

pub(crate) const LEAD_SOURCES: [&str; 6] = ["Website", "Campus Fair", "Referral", "Instagram", "Webinar", "Walk-in"];

pub(crate) const LEAD_STATUSES: [&str; 6] =
    ["Not Contacted", "Attempted to Contact", "Contacted", "Pre-Qualified", "Junk Lead", "Lost Lead"];

// Some names carry the characters search criteria must escape: `(`, `)`, `,` and `'` (§2.8).
const COLLEGES: [&str; 12] = [
    "St. Xavier's College",
    "Loyola College",
    "Presidency University",
    "Christ University",
    "Fergusson College",
    "Hindu College",
    "Madras Christian College",
    "Miranda House",
    "Mount Carmel College",
    "IIT (BHU) Varanasi",
    "Jai Hind College, Mumbai",
    "National Institute of Design",
];

pub(crate) const FIRST_NAMES: [&str; 30] = [
    "Aarav",
    "Ananya",
    "Rohan",
    "Diya",
    "Kabir",
    "Isha",
    "Arjun",
    "Meera",
    "Vikram",
    "Sara",
    "Nikhil",
    "Priyanka",
    "Yusuf",
    "Fatima",
    "Liam",
    "Chloe",
    "Kenji",
    "Aiko",
    "Mateo",
    "Lucia",
    "Tunde",
    "Amara",
    "Noah",
    "Zara",
    "Siddharth",
    "Kavya",
    "Omar",
    "Leila",
    "Ethan",
    "Grace",
];

pub(crate) const LAST_NAMES: [&str; 30] = [
    "Patel",
    "Iyer",
    "Nair",
    "Reddy",
    "Gupta",
    "Khan",
    "Fernandes",
    "D'Souza",
    "Mehta",
    "Banerjee",
    "Chatterjee",
    "Kapoor",
    "Singh",
    "Das",
    "Menon",
    "Okoye",
    "Smith",
    "Garcia",
    "Sato",
    "Nakamura",
    "Mensah",
    "Rossi",
    "Kim",
    "Haddad",
    "O'Brien",
    "Joshi",
    "Kulkarni",
    "Rao",
    "Bose",
    "Pillai",
];

pub(crate) const CITIES: [&str; 7] = ["Bengaluru", "Mumbai", "Chennai", "Pune", "Delhi", "Kolkata", "Hyderabad"];
const EMAIL_DOMAINS: [&str; 3] = ["student.example", "mail.example", "campus.example"];
const BATCHES: [&str; 3] = ["weekend", "evening", "weekday morning"];

/// splitmix64: tiny, fixed-seed, good enough to spread names around.
struct Prng(u64);

impl Prng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let len = items.len().max(1) as u64;
        items.get((self.next() % len) as usize).copied().unwrap_or("")
    }

    fn digits(&mut self, count: usize) -> String {
        (0..count).map(|_| char::from(b'0' + (self.next() % 10) as u8)).collect()
    }
}

fn email_part(name: &str) -> String {
    name.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase()
}

/// Owners cycle coordinator, advisor, admin, coordinator, advisor: 40 % / 40 % / 20 %.
fn seed_owner(index: usize) -> usize {
    [1, 2, 0, 1, 2][index % 5]
}

/// The `count` seed leads, oldest first.
pub(crate) fn seed_leads(count: usize, users: &[SandboxUser]) -> Vec<StoredRecord> {
    let mut prng = Prng(0x5A4C_4B45_5241_2026);
    let epoch = seed_epoch();
    // Spread the leads over ~90 days, but keep at least 2100 s between two creations so the
    // modification times below (created + step/2 + up to 999 s) stay distinct and ordered.
    let step = (90 * 86_400 / count.max(1) as i64).clamp(2_100, 25_980);
    let mut leads = Vec::with_capacity(count);
    for index in 0..count {
        let first = prng.pick(&FIRST_NAMES);
        let last = prng.pick(&LAST_NAMES);
        let domain = prng.pick(&EMAIL_DOMAINS);
        let course = prng.pick(&COURSES);
        let college = prng.pick(&COLLEGES);
        let city = prng.pick(&CITIES);
        let source = prng.pick(&LEAD_SOURCES);
        let status = prng.pick(&LEAD_STATUSES);
        let batch = prng.pick(&BATCHES);
        let mobile = format!("+91 9{} {}", prng.digits(4), prng.digits(5));
        let landline = format!("+91 80 {} {}", prng.digits(4), prng.digits(4));
        let jitter = (prng.next() % 1000) as i64;
        let owner = seed_owner(index) % users.len().max(1);
        let creator = if index % 3 == 0 { 0 } else { owner };
        let created = epoch + index as i64 * step;
        let modified = created + step / 2 + jitter;
        // Email numbering keeps addresses unique (Leads have a duplicate check on Email, §2.7).
        let email = format!("{}.{}{}@{}", email_part(first), email_part(last), index + 1, domain);
        let description = format!("Enquired about the {course} course ({batch} batch).");

        let mut fields = Map::new();
        let owner_ref = users.get(owner).map(user_ref).unwrap_or(Value::Null);
        let creator_ref = users.get(creator).map(user_ref).unwrap_or(Value::Null);
        fields.insert("Owner".into(), owner_ref.clone());
        fields.insert("First_Name".into(), json!(first));
        fields.insert("Last_Name".into(), json!(last));
        fields.insert("Full_Name".into(), json!(format!("{first} {last}")));
        fields.insert("Email".into(), json!(email));
        // Every seventh lead has no landline: unset fields are null, not absent (§2.2).
        fields.insert("Phone".into(), if index % 7 == 3 { Value::Null } else { json!(landline) });
        fields.insert("Mobile".into(), json!(mobile));
        fields.insert("Company".into(), json!(college));
        fields.insert("Course".into(), json!(course));
        fields.insert("Lead_Source".into(), json!(source));
        fields.insert("Lead_Status".into(), json!(status));
        fields.insert("City".into(), json!(city));
        fields.insert("Country".into(), json!("India"));
        fields.insert("Description".into(), json!(description));
        fields.insert("Email_Opt_Out".into(), json!(index % 11 == 5));
        fields.insert("Created_By".into(), creator_ref);
        fields.insert("Modified_By".into(), owner_ref);
        fields.insert("Created_Time".into(), json!(format_time(created)));
        fields.insert("Modified_Time".into(), json!(format_time(modified)));
        add_custom_lead_fields(index, course, &mut fields);
        leads.push(StoredRecord::new(FIRST_SEED_LEAD_ID + index as u64 * 7, owner, created, modified, fields));
    }
    leads
}

/// Course fees in rupees, in `COURSES` order (the Courses module's `Fees`, the leads' `Quoted_Fee`).
pub(crate) const COURSE_FEES: [f64; 8] = [45000.0, 85000.0, 40000.0, 30000.0, 65000.0, 70000.0, 35000.0, 60000.0];

/// The Leads `Batch` picklist values (intakes).
pub(crate) const INTAKES: [&str; 5] = ["-None-", "2026 January", "2026 April", "2026 July", "2026 October"];
const INTAKE_STARTS: [&str; 4] = ["2026-01-12", "2026-04-06", "2026-07-06", "2026-10-05"];

/// The Leads `Languages` multi-select values.
pub(crate) const LANGUAGES: [&str; 6] = ["English", "Hindi", "Tamil", "Marathi", "Bengali", "Kannada"];

/// The custom fields added after the first version, derived from the index alone so that the
/// PRNG sequence (and thus every older field of every seed lead) stays exactly as before.
fn add_custom_lead_fields(index: usize, course: &str, fields: &mut Map<String, Value>) {
    let intake = index % 4;
    let fee = COURSES.iter().position(|c| *c == course).and_then(|i| COURSE_FEES.get(i)).copied().unwrap_or(40000.0);
    let scholarship = index % 6 == 2;
    // Every fifth lead has not been quoted yet: unset fields are null (§2.2).
    let quoted = if index % 5 == 4 {
        Value::Null
    } else if scholarship {
        json!(fee * 0.75)
    } else {
        json!(fee)
    };
    let mut languages = vec![json!("English")];
    if let Some(other) = LANGUAGES.get(1 + index % 5) {
        languages.push(json!(other));
    }
    fields.insert("Batch".into(), json!(INTAKES.get(1 + intake).copied().unwrap_or("-None-")));
    fields.insert("Preferred_Start_Date".into(), json!(INTAKE_STARTS.get(intake).copied().unwrap_or("2026-01-12")));
    fields.insert("Scholarship".into(), json!(scholarship));
    fields.insert("Quoted_Fee".into(), quoted);
    fields.insert("Languages".into(), Value::Array(languages));
}

/// Meta keys Zoho adds to every record (§3.4); not fields, so not in the fields metadata.
pub(crate) fn record_meta(fields: &mut Map<String, Value>) {
    fields.insert("$approval_state".into(), json!("approved"));
    fields.insert("$editable".into(), json!(true));
    fields.insert("$currency_symbol".into(), json!("₹"));
}
