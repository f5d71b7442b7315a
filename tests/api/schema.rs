//! The committed `schema.graphql` is the code's schema.

#[test]
fn schema_graphql_matches_the_code() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).expect("schema.graphql exists");
    let code = zoho_gateway::graphql::default_sdl().expect("the default schema builds");
    assert!(committed == code, "schema.graphql is out of date: run `cargo run -- schema > schema.graphql` and commit it");
}

#[test]
fn the_contract_names_are_there() {
    let sdl = zoho_gateway::graphql::default_sdl().expect("the default schema builds");
    for needle in [
        "type Query {",
        "type Mutation {",
        "me: Session",
        "lead(id: ID!): Lead",
        "leads(page: Int! = 1, perPage: Int! = 50, pageToken: String, sortBy: LeadSort! = MODIFIED_TIME, sortOrder: SortOrder! = DESC, where: LeadWhere, orderBy: [LeadOrder!]): LeadPage!",
        "totalCount: Int",
        "input StringFilter {",
        "searchLeads(by: LeadSearch!, page: Int! = 1, perPage: Int! = 50): LeadPage!",
        "login(redirectUrl: String!): LoginRequest!",
        "initialize(code: String!, state: String!, redirectUrl: String!, location: String, accountsServer: String): Session!",
        "logout(everywhere: Boolean! = false): Boolean!",
        "createLead(input: LeadInput!): Lead!",
        "crmModule(apiName: String!): CrmModule",
        "updateLead(id: ID!, input: LeadPatch!): Lead!",
        "deleteLead(id: ID!): ID!",
    ] {
        assert!(sdl.contains(needle), "missing from the schema: {needle}");
    }
}

#[test]
fn every_sandbox_module_gets_its_root_fields_and_types() {
    use zoho_gateway::meta::{CrmModel, Snapshot};
    let modules: Vec<String> = ["Leads", "Contacts", "Deals", "Courses"].map(String::from).to_vec();
    let model = CrmModel::build(&Snapshot::built_in(), &modules).expect("model");
    let sdl = zoho_gateway::graphql::sdl(&model).expect("schema");
    for needle in [
        "contact(id: ID!): Contact",
        "deals(page: Int! = 1, perPage: Int! = 50, pageToken: String, sortBy: DealSort! = MODIFIED_TIME, sortOrder: SortOrder! = DESC, where: DealWhere, orderBy: [DealOrder!]): DealPage!",
        "seats: IntFilter",
        "contactName: IdFilter",
        "enum CourseOrderField {",
        "searchCourses(by: CourseSearch!, page: Int! = 1, perPage: Int! = 50): CoursePage!",
        "createCourse(input: CourseInput!): Course!",
        "contactName: Contact",
        "languages: [String!]",
        "preferredStartDate: Date",
        "seats: Int",
        "online: Boolean",
        "fees: Float",
    ] {
        assert!(sdl.contains(needle), "missing from the schema: {needle}");
    }
}
