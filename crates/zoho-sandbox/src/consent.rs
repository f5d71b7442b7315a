//! The sandbox's stand-in for Zoho's sign-in and consent screens: a small self-contained HTML page
//! (no external assets) to pick a demo user or deny, and the error page for bad authorization
//! requests. Nothing else of Zoho's consent screen is simulated.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::SandboxUser;
use super::data::ORG_NAME;
use super::http::Params;

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;background:#f4f6fa;\
color:#1d2433;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}\
main{background:#fff;border-radius:12px;box-shadow:0 4px 24px rgba(20,30,60,.12);padding:32px;\
max-width:440px;width:100%}h1{font-size:1.3rem;margin:0 0 4px}p{color:#5b6478;margin:0 0 20px}\
button{display:block;width:100%;text-align:left;border:1px solid #d5dbe7;background:#fff;\
border-radius:8px;padding:12px 14px;margin:0 0 10px;font:inherit;cursor:pointer}\
button:hover{border-color:#3268d8;background:#f3f7ff}button .who{font-weight:600}\
button .meta{display:block;color:#5b6478;font-size:.9rem}button.deny{text-align:center;\
color:#b3261e;border-color:#efc7c4}.scope{font-size:.85rem;color:#5b6478;overflow-wrap:anywhere}";

/// The "choose a user" page. Each button re-submits the same authorization request plus
/// `sandbox_user=<key>`; "Deny" adds `sandbox_action=deny`.
pub(crate) fn choose_user_page(params: &Params, users: &[SandboxUser]) -> Response {
    let hidden: String = params
        .pairs()
        .iter()
        .filter(|(key, _)| key != "sandbox_user" && key != "sandbox_action")
        .map(|(key, value)| format!(r#"<input type="hidden" name="{}" value="{}">"#, escape(key), escape(value)))
        .collect();
    let buttons: String = users
        .iter()
        .map(|user| {
            format!(
                r#"<button type="submit" name="sandbox_user" value="{}"><span class="who">{}</span><span class="meta">{} · {} ({})</span></button>"#,
                escape(user.key),
                escape(&user.name),
                escape(&user.email),
                escape(&user.role),
                escape(&user.profile),
            )
        })
        .collect();
    let scope = super::scopes::parse_scopes(params.get("scope").unwrap_or("")).join(", ");
    let body = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Sign in to {org} (sandbox)</title><style>{STYLE}</style></head><body><main><h1>Sign in to {org} (sandbox)</h1><p>Simulated Zoho accounts server. Choose who you are; the app will get access to your CRM data.</p><form method="get" action="/oauth/v2/auth">{hidden}{buttons}<button type="submit" class="deny" name="sandbox_action" value="deny">Deny</button></form><p class="scope">Requested access: {scope}</p></main></body></html>"#,
        org = escape(ORG_NAME),
        scope = escape(&scope),
    );
    html(StatusCode::OK, body)
}

/// HTTP 400 page for an authorization request that cannot be redirected back (bad client,
/// unregistered redirect URI, …).
pub(crate) fn error_page(title: &str, detail: &str) -> Response {
    let body = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title><style>{STYLE}</style></head><body><main><h1>{title}</h1><p>{detail}</p></main></body></html>"#,
        title = escape(title),
        detail = escape(detail),
    );
    html(StatusCode::BAD_REQUEST, body)
}

fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html;charset=UTF-8"));
    response
}

/// Escapes text for HTML element content and double-quoted attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}
