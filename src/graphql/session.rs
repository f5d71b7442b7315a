//! Sign-in and session fields, the same for every org: `me`, `login`, `initialize`, `logout`.

use async_graphql::dynamic::{Field, FieldFuture, FieldValue, InputValue, ResolverContext, TypeRef};
use async_graphql::{Error, Value};
use serde_json::{Value as Json, json};

use super::context::{self, state};
use super::types::json_value;
use crate::auth::{Callback, SessionView, session as cookies};
use crate::error::GatewayError;
use crate::secret::{AuthCode, StateToken};

type Res<'a> = Result<Option<FieldValue<'a>>, GatewayError>;

/// A session as the `Session` type reads it.
fn session_json(v: &SessionView) -> Json {
    json!({
        "user": { "id": v.session.key.user_id, "name": v.tokens.user_name, "email": v.tokens.user_email },
        "org": { "id": v.session.key.org_id, "name": v.tokens.org_name, "dataCenter": v.tokens.location },
        "expiresAt": v.session.expires_at.fixed_offset().to_rfc3339(),
    })
}

fn field<F>(name: &str, ty: TypeRef, description: &str, resolve: F) -> Field
where
    F: for<'a> Fn(ResolverContext<'a>) -> futures::future::BoxFuture<'a, Res<'a>> + Send + Sync + 'static,
{
    Field::new(name, ty, move |ctx| {
        let fut = resolve(ctx);
        FieldFuture::new(async move { fut.await.map_err(Error::from) })
    })
    .description(description)
}

pub fn query_fields() -> Vec<Field> {
    vec![field("me", TypeRef::named("Session"), "The signed-in session, or null when signed out.", |ctx| {
        Box::pin(async move { Ok(context::session(ctx.ctx).await?.map(|v| json_value(session_json(v)))) })
    })]
}

fn text_arg(ctx: &ResolverContext<'_>, name: &str) -> Option<String> {
    ctx.args.get(name).and_then(|v| v.string().ok().map(str::to_owned))
}

pub fn mutation_fields() -> Vec<Field> {
    vec![
        field(
            "login",
            TypeRef::named_nn("LoginRequest"),
            "Starts \"Login with Zoho\": returns Zoho's authorization URL for a registered redirect URL and the \
             single-use `state` (valid 10 minutes) that Zoho will hand back.",
            |ctx| Box::pin(login(ctx)),
        )
        .argument(InputValue::new("redirectUrl", TypeRef::named_nn(TypeRef::STRING))),
        field(
            "initialize",
            TypeRef::named_nn("Session"),
            "Completes the sign-in with what Zoho put on the redirect (`code`, `state`, `location`, \
             `accounts-server`), and sets the session cookie.",
            |ctx| Box::pin(initialize(ctx)),
        )
        .argument(InputValue::new("code", TypeRef::named_nn(TypeRef::STRING)))
        .argument(InputValue::new("state", TypeRef::named_nn(TypeRef::STRING)))
        .argument(InputValue::new("redirectUrl", TypeRef::named_nn(TypeRef::STRING)))
        .argument(InputValue::new("location", TypeRef::named(TypeRef::STRING)))
        .argument(InputValue::new("accountsServer", TypeRef::named(TypeRef::STRING))),
        field(
            "logout",
            TypeRef::named_nn(TypeRef::BOOLEAN),
            "Signs this browser out (its session ends; the user's other browsers stay signed in). With \
             `everywhere: true`, also revokes the grant at Zoho, forgets its tokens and ends every session of this \
             user and org. False when there was no session.",
            |ctx| Box::pin(logout(ctx)),
        )
        .argument(InputValue::new("everywhere", TypeRef::named_nn(TypeRef::BOOLEAN)).default_value(false)),
    ]
}

async fn login<'a>(ctx: ResolverContext<'a>) -> Res<'a> {
    let app = state(ctx.ctx);
    let redirect_url = text_arg(&ctx, "redirectUrl").unwrap_or_default();
    let start = app.auth.login(redirect_url.trim(), context::login_nonce(ctx.ctx)).await?;
    ctx.append_http_header(axum::http::header::SET_COOKIE, cookies::login_cookie(&start.browser_nonce, app.secure_cookies));
    Ok(Some(json_value(json!({ "url": start.url, "state": start.state.expose() }))))
}

async fn initialize<'a>(ctx: ResolverContext<'a>) -> Res<'a> {
    let (code, state_token, redirect_url) = (
        text_arg(&ctx, "code").unwrap_or_default(),
        text_arg(&ctx, "state").unwrap_or_default(),
        text_arg(&ctx, "redirectUrl").unwrap_or_default(),
    );
    for (name, value) in [("code", &code), ("state", &state_token), ("redirectUrl", &redirect_url)] {
        if value.trim().is_empty() || value.len() > 2048 {
            return Err(GatewayError::bad_input(Some(name), format!("{name} is missing or too long.")));
        }
    }
    let app = state(ctx.ctx);
    let (id, view) = app
        .auth
        .initialize(Callback {
            code: AuthCode::new(code.trim()),
            state: StateToken::new(state_token.trim()),
            redirect_url: redirect_url.trim().to_owned(),
            location: text_arg(&ctx, "location"),
            accounts_server: text_arg(&ctx, "accountsServer"),
            browser_nonce: context::login_nonce(ctx.ctx),
            previous_session: context::session_id(ctx.ctx).cloned(),
        })
        .await?;
    ctx.append_http_header(
        axum::http::header::SET_COOKIE,
        cookies::session_cookie(&id, app.auth.session_ttl_secs(), app.secure_cookies),
    );
    if let Some(live) = &app.notifications {
        live.on_sign_in(&view.session.key);
    }
    // The first sign-in of an org in an hour compares its metadata with the snapshot.
    let crm = crate::crm::UserCrm::new(view.session.key.clone(), app.tokens.clone(), app.zoho.clone());
    app.drift.check_at_sign_in(&crm).await;
    Ok(Some(json_value(session_json(&view))))
}

async fn logout<'a>(ctx: ResolverContext<'a>) -> Res<'a> {
    let app = state(ctx.ctx);
    ctx.append_http_header(axum::http::header::SET_COOKIE, cookies::clear_cookie(app.secure_cookies));
    let signed_out = match context::session(ctx.ctx).await? {
        Some(view) => {
            if ctx.args.get("everywhere").and_then(|v| v.boolean().ok()).unwrap_or(false) {
                app.auth.logout(view).await?;
            } else {
                app.auth.end_session(view).await?;
            }
            true
        }
        None => false,
    };
    Ok(Some(FieldValue::value(Value::Boolean(signed_out))))
}
