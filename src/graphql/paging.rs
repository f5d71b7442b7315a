//! Pages of records: the `PageInfo` type, paging arguments and their limits, and `totalCount`,
//! which costs one Zoho call (a record count or a COQL `COUNT`) only when it is selected, through
//! the user's cache like any read.

use std::sync::Arc;

use async_graphql::dynamic::{Field, FieldFuture, FieldValue, Object, TypeRef};
use async_graphql::{Error, Value};
use serde_json::{Value as Json, json};

use super::context;
use super::nodes::{self, Nodes};
use crate::error::GatewayError;
use crate::meta::ModuleDef;
use crate::zoho::coql::{self, Filter};
use crate::zoho::records::{RecordPage, SearchBy};

/// Zoho's per_page cap (zoho-api.md §2.2).
pub const MAX_PER_PAGE: i64 = 200;
/// Without a page token Zoho's records API serves only the first 2000 records (zoho-api.md §2.2).
const MAX_DISCRETE_RECORDS: i64 = 2000;

/// A page of records as resolvers hand it on.
pub struct Page {
    pub nodes: Nodes,
    pub info: PageInfo,
}

pub struct PageInfo {
    json: Json,
    total: Total,
}

/// What `totalCount` counts: the records behind the page.
#[derive(Debug, Clone)]
pub enum Total {
    /// Every record of the module the user may see (`GET /{module}/actions/count`).
    All { module: String },
    /// What a search selects (the count API takes the same parameter).
    Search { module: String, by: SearchBy },
    /// What a COQL filter selects (`select COUNT(id) …`).
    Coql { module: String, filter: Option<Filter> },
}

/// Which paging a list uses: Zoho's records API (2000 by page number, then tokens) or COQL
/// (offsets up to 100,000).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    Records { has_token: bool },
    Coql,
}

pub fn check(page: i64, per_page: i64, reach: Reach) -> Result<(), GatewayError> {
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(GatewayError::bad_input(Some("perPage"), format!("perPage must be between 1 and {MAX_PER_PAGE}.")));
    }
    if page < 1 {
        return Err(GatewayError::bad_input(Some("page"), "page starts at 1."));
    }
    match reach {
        Reach::Records { has_token: false } if page.saturating_mul(per_page) > MAX_DISCRETE_RECORDS => {
            Err(GatewayError::bad_input(
                Some("page"),
                "Zoho serves only the first 2000 records by page number; continue with pageToken from the previous page.",
            ))
        }
        Reach::Coql if page.saturating_mul(per_page) as u64 > coql::MAX_REACH => Err(GatewayError::bad_input(
            Some("page"),
            format!("A filtered or ordered list reaches at most {} records; narrow the filter.", coql::MAX_REACH),
        )),
        _ => Ok(()),
    }
}

pub fn page(result: RecordPage<impl Into<Nodes>>, page: i64, per_page: i64, total: Total) -> FieldValue<'static> {
    let nodes: Nodes = result.data.into();
    let json = json!({
        "page": result.info.page.map_or(page, i64::from),
        "perPage": result.info.per_page.map_or(per_page, i64::from),
        "count": nodes.count(),
        "hasMore": result.info.more_records,
        "nextPageToken": result.info.next_page_token.filter(|_| result.info.more_records),
    });
    FieldValue::owned_any(Page { nodes, info: PageInfo { json, total } })
}

fn info_field(name: &str, ty: TypeRef, description: &str) -> Field {
    let key = name.to_owned();
    Field::new(name, ty, move |ctx| {
        let value = ctx.parent_value.downcast_ref::<PageInfo>().and_then(|p| p.json.get(&key)).filter(|v| !v.is_null());
        FieldFuture::from_value(value.and_then(|v| Value::from_json(v.clone()).ok()))
    })
    .description(description)
}

pub fn page_info_type() -> Object {
    Object::new("PageInfo")
        .description("Where a page stands in the whole list.")
        .field(info_field("page", TypeRef::named_nn(TypeRef::INT), "The page number."))
        .field(info_field("perPage", TypeRef::named_nn(TypeRef::INT), "Records per page."))
        .field(info_field("count", TypeRef::named_nn(TypeRef::INT), "Records on this page."))
        .field(info_field("hasMore", TypeRef::named_nn(TypeRef::BOOLEAN), "More records follow."))
        .field(info_field(
            "nextPageToken",
            TypeRef::named(TypeRef::STRING),
            "Pass as `pageToken` to go on past the 2000th record (Zoho's `page_token`; unfiltered lists only).",
        ))
        .field(
            Field::new("totalCount", TypeRef::named(TypeRef::INT), |ctx| {
                FieldFuture::new(async move {
                    let Some(info) = ctx.parent_value.downcast_ref::<PageInfo>() else { return Ok(None) };
                    let n = total(&ctx, &info.total).await.map_err(Error::from)?;
                    Ok(Some(FieldValue::value(Value::from(i64::try_from(n).unwrap_or(i64::MAX)))))
                })
            })
            .description(
                "How many records the list has in all (that you may see, and that match its filter or search): one \
                 more Zoho call, made only when selected. Zoho's count of an unfiltered list or a search may lag a few \
                 minutes behind writes.",
            ),
        )
}

async fn total(ctx: &async_graphql::dynamic::ResolverContext<'_>, total: &Total) -> Result<u64, GatewayError> {
    let crm = context::crm(ctx.ctx).await?;
    Ok(match total {
        Total::All { module } => crm.call(|z, c| async move { z.count(&c, module, None).await }).await?,
        Total::Search { module, by } => crm.call(|z, c| async move { z.count(&c, module, Some(by)).await }).await?,
        Total::Coql { module, filter } => crm.call(|z, c| async move { z.coql_count(&c, module, filter).await }).await?,
    })
}

/// The `nodes` and `pageInfo` of a module's `<T>Page`.
pub fn page_fields(m: &ModuleDef, shape: Arc<nodes::Shape>) -> [Field; 2] {
    let module = m.api_name.clone();
    [
        Field::new("nodes", TypeRef::named_nn_list_nn(m.type_name.as_str()), move |ctx| {
            let Some(page) = ctx.parent_value.downcast_ref::<Page>() else { return FieldFuture::Value(None) };
            let direct = match nodes::hand_over(&ctx, &module, &shape, &page.nodes) {
                Ok(direct) => direct,
                Err(e) => return FieldFuture::new(async move { Err::<Option<FieldValue>, Error>(e.into()) }),
            };
            crate::telemetry::record_page(direct);
            match &page.nodes {
                _ if direct => FieldFuture::Value(Some(FieldValue::list(std::iter::empty::<FieldValue>()))),
                Nodes::Records(records) => FieldFuture::Value(Some(FieldValue::list(
                    records.iter().map(|r| FieldValue::borrowed_any(r as &(dyn std::any::Any + Send + Sync))),
                ))),
                // `hand_over` takes a written page or fails.
                Nodes::Built { .. } => FieldFuture::Value(None),
            }
        }),
        Field::new("pageInfo", TypeRef::named_nn("PageInfo"), |ctx| {
            FieldFuture::Value(
                ctx.parent_value
                    .downcast_ref::<Page>()
                    .map(|p| FieldValue::borrowed_any(&p.info as &(dyn std::any::Any + Send + Sync))),
            )
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_limits() {
        let plain = Reach::Records { has_token: false };
        assert!(check(1, 200, plain).is_ok());
        assert!(check(1, 201, plain).is_err());
        assert!(check(0, 50, plain).is_err());
        assert!(check(11, 200, plain).is_err());
        assert!(check(11, 200, Reach::Records { has_token: true }).is_ok());
        assert!(check(500, 200, Reach::Coql).is_ok());
        assert!(check(501, 200, Reach::Coql).is_err());
    }
}
