//! Query resolvers: read arguments, go through the loader or the user's CRM handle, map types.

use async_graphql::{Context, ID, Object};

use super::context::{self, state};
use super::lead::{Lead, LeadPage, LeadSearch, LeadSort, PageInfo, SortOrder};
use super::loaders::LeadKey;
use super::session::Session;
use crate::error::GatewayError;
use crate::zoho::criteria::{self, Criterion, Op};
use crate::zoho::records::{ListParams, RecordPage, SearchBy, SearchParams};

/// Zoho's per_page cap (zoho-api.md §2.2).
const MAX_PER_PAGE: i32 = 200;
/// Without a page token Zoho serves only the first 2000 records (zoho-api.md §2.2).
const MAX_DISCRETE_RECORDS: i64 = 2000;

pub struct QueryRoot;

#[Object(name = "Query")]
impl QueryRoot {
    /// The signed-in session, or null when signed out.
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<Session>, GatewayError> {
        Ok(context::session(ctx).await?.map(Session::from))
    }

    /// One lead by id; null if it does not exist or is not visible to you.
    #[graphql(complexity = "5 + child_complexity")]
    async fn lead(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Lead>, GatewayError> {
        let id = check_id(&id)?;
        let fields = state(ctx).leads.fields_for(context::selected_fields(ctx, false).iter().map(String::as_str));
        let loader = context::lead_loader(ctx).await?;
        let record = loader.load_one(LeadKey { id: id.to_owned(), fields: fields.join(",").into() }).await?;
        Ok(record.and_then(|r| state(ctx).leads.lead_from_record(&r)))
    }

    /// A page of the leads you may see. Past the 2000th lead, pass `pageToken` from the
    /// previous page's `pageInfo.nextPageToken`.
    #[graphql(complexity = "10 + per_page.clamp(1, 200) as usize * child_complexity")]
    async fn leads(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 1)] page: i32,
        #[graphql(default = 50)] per_page: i32,
        page_token: Option<String>,
        #[graphql(default_with = "LeadSort::ModifiedTime")] sort_by: LeadSort,
        #[graphql(default_with = "SortOrder::Desc")] sort_order: SortOrder,
    ) -> Result<LeadPage, GatewayError> {
        check_paging(page, per_page, page_token.is_some())?;
        let page_token = page_token.filter(|t| !t.trim().is_empty());
        if let Some(t) = &page_token
            && (t.len() > 512 || !t.chars().all(|c| c.is_ascii_graphic()))
        {
            return Err(GatewayError::bad_input(Some("pageToken"), "This page token is not valid."));
        }
        let params = ListParams {
            fields: state(ctx).leads.fields_for(context::selected_fields(ctx, true).iter().map(String::as_str)),
            page: page as u32,
            per_page: per_page as u32,
            page_token,
            sort_by: sort_by.into(),
            descending: sort_order == SortOrder::Desc,
        };
        let crm = context::crm(ctx).await?;
        let p = &params;
        let result = crm.call(|z, c| async move { z.list_leads(&c, p).await }).await;
        let result = result.map_err(|e| paging_error(e, params.page_token.is_some()))?;
        Ok(to_page(ctx, result, page, per_page))
    }

    /// Leads matching `by` (at least one of its fields). Zoho's search index may lag a few
    /// seconds behind writes.
    #[graphql(complexity = "20 + per_page.clamp(1, 200) as usize * child_complexity")]
    async fn search_leads(
        &self,
        ctx: &Context<'_>,
        by: LeadSearch,
        #[graphql(default = 1)] page: i32,
        #[graphql(default = 50)] per_page: i32,
    ) -> Result<LeadPage, GatewayError> {
        check_paging(page, per_page, false)?;
        let params = SearchParams {
            by: search_by(&by, state(ctx).leads.course_api_name())?,
            fields: state(ctx).leads.fields_for(context::selected_fields(ctx, true).iter().map(String::as_str)),
            page: page as u32,
            per_page: per_page as u32,
        };
        let crm = context::crm(ctx).await?;
        let p = &params;
        let result = crm.call(|z, c| async move { z.search_leads(&c, p).await }).await?;
        Ok(to_page(ctx, result, page, per_page))
    }
}

fn to_page(ctx: &Context<'_>, result: RecordPage, page: i32, per_page: i32) -> LeadPage {
    let nodes: Vec<Lead> = result.data.iter().filter_map(|r| state(ctx).leads.lead_from_record(r)).collect();
    LeadPage {
        page_info: PageInfo {
            page: result.info.page.map_or(page, |p| p as i32),
            per_page: result.info.per_page.map_or(per_page, |p| p as i32),
            count: nodes.len() as i32,
            has_more: result.info.more_records,
            next_page_token: result.info.next_page_token.filter(|_| result.info.more_records),
        },
        nodes,
    }
}

/// Ids are Zoho's numeric strings; anything else cannot name a record and must not reach a URL path.
pub fn check_id(id: &ID) -> Result<&str, GatewayError> {
    let s = id.as_str();
    if s.is_empty() || s.len() > 25 || !s.chars().all(|c| c.is_ascii_digit()) {
        return Err(GatewayError::bad_input(Some("id"), "A lead id is a string of digits."));
    }
    Ok(s)
}

fn check_paging(page: i32, per_page: i32, has_token: bool) -> Result<(), GatewayError> {
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(GatewayError::bad_input(Some("perPage"), format!("perPage must be between 1 and {MAX_PER_PAGE}.")));
    }
    if page < 1 {
        return Err(GatewayError::bad_input(Some("page"), "page starts at 1."));
    }
    if !has_token && i64::from(page) * i64::from(per_page) > MAX_DISCRETE_RECORDS {
        return Err(GatewayError::bad_input(
            Some("page"),
            "Zoho serves only the first 2000 leads by page number; continue with pageToken from the previous page.",
        ));
    }
    Ok(())
}

/// Zoho's answers to a bad or expired page token become input errors on `pageToken`.
fn paging_error(e: GatewayError, had_token: bool) -> GatewayError {
    match e {
        GatewayError::BadUserInput { .. } | GatewayError::Internal(_) if had_token => {
            GatewayError::bad_input(Some("pageToken"), "This page token is not valid for this list (or has expired).")
        }
        other => other,
    }
}

/// Turns the search input into Zoho's parameters. A lone email, phone or word uses Zoho's
/// dedicated parameter; anything else becomes escaped criteria (zoho-api.md §2.8).
fn search_by(by: &LeadSearch, course_field: &str) -> Result<SearchBy, GatewayError> {
    let clean = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let (email, phone, word) = (clean(&by.email), clean(&by.phone), clean(&by.word));
    let (last_name, company, course) = (clean(&by.last_name), clean(&by.company), clean(&by.course));
    let all = [
        ("email", &email),
        ("phone", &phone),
        ("word", &word),
        ("lastName", &last_name),
        ("company", &company),
        ("course", &course),
    ];
    for (name, value) in all {
        if value.as_ref().is_some_and(|v| v.chars().count() > 200) {
            return Err(GatewayError::bad_input(Some(name), "At most 200 characters."));
        }
    }
    let given = all.iter().filter(|(_, v)| v.is_some()).count();
    if given == 0 {
        return Err(GatewayError::bad_input(Some("by"), "Give at least one of email, phone, word, lastName, company, course."));
    }
    if let Some(word) = word {
        if given > 1 {
            return Err(GatewayError::bad_input(
                Some("word"),
                "word searches every field and cannot be combined with other criteria.",
            ));
        }
        // Zoho refuses words shorter than two characters (INVALID_DATA, zoho-api.md §2.8).
        if word.chars().count() < 2 {
            return Err(GatewayError::bad_input(Some("word"), "Search for at least two characters."));
        }
        return Ok(SearchBy::Word(word));
    }
    if given == 1 {
        if let Some(email) = email {
            return Ok(SearchBy::Email(email));
        }
        if let Some(phone) = phone {
            return Ok(SearchBy::Phone(phone));
        }
    }
    let mut list = Vec::new();
    let mut push = |field: &str, op: Op, value: Option<String>| {
        if let Some(value) = value {
            list.push(Criterion { field: field.to_owned(), op, value });
        }
    };
    push("Email", Op::Equals, email);
    push("Phone", Op::Equals, phone);
    push("Last_Name", Op::StartsWith, last_name);
    push("Company", Op::Equals, company);
    push(course_field, Op::Equals, course);
    Ok(SearchBy::Criteria(criteria::and_all(&list)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by() -> LeadSearch {
        LeadSearch { email: None, phone: None, word: None, last_name: None, company: None, course: None }
    }

    #[test]
    fn single_email_phone_or_word_use_zoho_parameters() {
        assert!(
            matches!(search_by(&LeadSearch { email: Some(" a@b.co ".into()), ..by() }, "Course"), Ok(SearchBy::Email(e)) if e == "a@b.co")
        );
        assert!(matches!(search_by(&LeadSearch { phone: Some("555".into()), ..by() }, "Course"), Ok(SearchBy::Phone(_))));
        assert!(matches!(search_by(&LeadSearch { word: Some("web".into()), ..by() }, "Course"), Ok(SearchBy::Word(_))));
        assert!(search_by(&LeadSearch { word: Some("w".into()), ..by() }, "Course").is_err());
        assert!(search_by(&by(), "Course").is_err());
        assert!(search_by(&LeadSearch { word: Some("web".into()), company: Some("x".into()), ..by() }, "Course").is_err());
    }

    #[test]
    fn combined_fields_become_escaped_criteria() {
        let s = search_by(&LeadSearch { company: Some("A(B),C".into()), course: Some("Web".into()), ..by() }, "Course").unwrap();
        let SearchBy::Criteria(c) = s else { panic!("expected criteria") };
        assert_eq!(c, "((Company:equals:A\\(B\\)\\,C)and(Course:equals:Web))");
    }

    #[test]
    fn paging_limits() {
        assert!(check_paging(1, 200, false).is_ok());
        assert!(check_paging(1, 201, false).is_err());
        assert!(check_paging(0, 50, false).is_err());
        assert!(check_paging(11, 200, false).is_err());
        assert!(check_paging(11, 200, true).is_ok());
    }
}
