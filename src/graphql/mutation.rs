//! Mutation resolvers: sign-in and sign-out, and lead writes acting as the signed-in user.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};

use super::context::{self, state};
use super::lead::{Lead, LeadFields, LeadInput, LeadPatch};
use super::query::check_id;
use super::session::{LoginRequest, Session};
use crate::auth::{Callback, session as cookies};
use crate::crm::UserCrm;
use crate::error::GatewayError;
use crate::secret::{AuthCode, StateToken};
use crate::zoho::records::Record;

pub struct MutationRoot;

#[Object(name = "Mutation")]
impl MutationRoot {
    /// Starts "Login with Zoho": returns Zoho's authorization URL for a registered redirect URL
    /// and the single-use `state` (valid 10 minutes) that Zoho will hand back.
    async fn login(&self, ctx: &Context<'_>, redirect_url: String) -> Result<LoginRequest, GatewayError> {
        let app = state(ctx);
        let start = app.auth.login(redirect_url.trim(), context::login_nonce(ctx)).await?;
        ctx.append_http_header(axum::http::header::SET_COOKIE, cookies::login_cookie(&start.browser_nonce, app.secure_cookies));
        Ok(LoginRequest { url: start.url, state: start.state.expose().to_owned() })
    }

    /// Completes the sign-in with what Zoho put on the redirect (`code`, `state`, `location`,
    /// `accounts-server`), and sets the session cookie.
    async fn initialize(
        &self,
        ctx: &Context<'_>,
        code: String,
        state: String,
        redirect_url: String,
        location: Option<String>,
        accounts_server: Option<String>,
    ) -> Result<Session, GatewayError> {
        for (name, value) in [("code", &code), ("state", &state), ("redirectUrl", &redirect_url)] {
            if value.trim().is_empty() || value.len() > 2048 {
                return Err(GatewayError::bad_input(Some(name), format!("{name} is missing or too long.")));
            }
        }
        let app = context::state(ctx);
        let (id, view) = app
            .auth
            .initialize(Callback {
                code: AuthCode::new(code.trim()),
                state: StateToken::new(state.trim()),
                redirect_url: redirect_url.trim().to_owned(),
                location,
                accounts_server,
                browser_nonce: context::login_nonce(ctx),
                previous_session: context::session_id(ctx).cloned(),
            })
            .await?;
        ctx.append_http_header(
            axum::http::header::SET_COOKIE,
            cookies::session_cookie(&id, app.auth.session_ttl_secs(), app.secure_cookies),
        );
        Ok(Session::from(&view))
    }

    /// Signs out: revokes the grant at Zoho, forgets its tokens and ends every session that used
    /// it. False when there was no session.
    async fn logout(&self, ctx: &Context<'_>) -> Result<bool, GatewayError> {
        let app = state(ctx);
        ctx.append_http_header(axum::http::header::SET_COOKIE, cookies::clear_cookie(app.secure_cookies));
        match context::session(ctx).await? {
            Some(view) => {
                app.auth.logout(view).await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Adds a lead owned by you.
    async fn create_lead(&self, ctx: &Context<'_>, input: LeadInput) -> Result<Lead, GatewayError> {
        let app = state(ctx);
        let record = app.leads.record_for_input(&input)?;
        let crm = context::crm(ctx).await?;
        ensure_course_field(ctx, crm, &record).await?;
        let r = &record;
        let id =
            crm.call(|z, c| async move { z.create_lead(&c, r.clone()).await }).await.map_err(|e| name_field(e, &app.leads))?;
        read_back(ctx, crm, &id, record).await
    }

    /// Changes the fields named in `input`.
    async fn update_lead(&self, ctx: &Context<'_>, id: ID, input: LeadPatch) -> Result<Lead, GatewayError> {
        let app = state(ctx);
        let id = check_id(&id)?;
        let record = app.leads.record_for_patch(&input)?;
        let crm = context::crm(ctx).await?;
        ensure_course_field(ctx, crm, &record).await?;
        let r = &record;
        crm.call(|z, c| async move { z.update_lead(&c, id, r.clone()).await }).await.map_err(|e| name_field(e, &app.leads))?;
        read_back(ctx, crm, id, record).await
    }

    /// Deletes a lead; returns its id.
    async fn delete_lead(&self, ctx: &Context<'_>, id: ID) -> Result<ID, GatewayError> {
        let id = check_id(&id)?;
        let crm = context::crm(ctx).await?;
        crm.call(|z, c| async move { z.delete_lead(&c, id).await }).await?;
        Ok(ID(id.to_owned()))
    }
}

/// Zoho names the failing field by API name; the client knows it by its GraphQL input name.
fn name_field(e: GatewayError, leads: &LeadFields) -> GatewayError {
    match e {
        GatewayError::BadUserInput { field: Some(api), message } => {
            GatewayError::BadUserInput { field: Some(leads.gql_name(&api).unwrap_or(&api).to_owned()), message }
        }
        other => other,
    }
}

/// Writing a course needs the org to have the configured course field; Zoho's fields
/// metadata says whether it does (cached per user-org).
async fn ensure_course_field(ctx: &Context<'_>, crm: &UserCrm, record: &Record) -> Result<(), GatewayError> {
    let app = state(ctx);
    let course = app.leads.course_api_name();
    if !record.contains_key(course) {
        return Ok(());
    }
    let fields = app
        .field_meta
        .try_get_with(crm.key.clone(), async { crm.call(|z, c| async move { z.lead_fields(&c).await }).await.map(Arc::new) })
        .await
        .map_err(|e: Arc<GatewayError>| (*e).clone())?;
    if fields.iter().any(|f| f.api_name == course) {
        Ok(())
    } else {
        Err(GatewayError::bad_input(
            Some("course"),
            format!(
                "This CRM org has no Lead field named {course}; set GATEWAY_COURSE_FIELD to the API name of the field that holds the course."
            ),
        ))
    }
}

/// The lead as the mutation's selection wants it: from what we wrote when that covers the
/// selection, else read back from Zoho (owner, times and full name are Zoho's to fill in).
async fn read_back(ctx: &Context<'_>, crm: &UserCrm, id: &str, written: Record) -> Result<Lead, GatewayError> {
    let app = state(ctx);
    let selected = context::selected_fields(ctx, false);
    let covered = selected
        .iter()
        .all(|f| *f == "id" || f.starts_with("__") || app.leads.api_name(f).is_some_and(|api| written.contains_key(api)));
    let record = if covered {
        let mut r = written;
        r.insert("id".into(), serde_json::Value::String(id.to_owned()));
        r
    } else {
        let fields = app.leads.fields_for(selected.iter().map(String::as_str));
        let f = &fields;
        crm.call(|z, c| async move { z.lead(&c, id, f).await }).await?.ok_or(GatewayError::NotFound)?
    };
    app.leads.lead_from_record(&record).ok_or_else(|| GatewayError::Internal("written lead has no id".into()))
}
