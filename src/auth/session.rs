//! Cookie sessions: the browser holds a random id in an HttpOnly, SameSite=Lax cookie; the
//! store holds its hash and the user-org it signs in as.

use cookie::{Cookie, SameSite};

use crate::secret::SessionId;

pub const SESSION_COOKIE: &str = "zgw_session";
/// Binds a pending sign-in to the browser that started it (login CSRF: a code captured in
/// another browser cannot be completed here).
pub const LOGIN_COOKIE: &str = "zgw_login";

/// The `Set-Cookie` value that hands a new session to the browser.
pub fn session_cookie(id: &SessionId, max_age_secs: i64, secure: bool) -> String {
    Cookie::build((SESSION_COOKIE, id.expose().to_owned()))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build()
        .to_string()
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    Cookie::build((SESSION_COOKIE, ""))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .max_age(cookie::time::Duration::ZERO)
        .build()
        .to_string()
}

/// The session id from a `Cookie` request header, if any.
pub fn from_cookie_header(header: &str) -> Option<SessionId> {
    cookie_value(header, SESSION_COOKIE).map(SessionId::new)
}

/// The browser nonce of pending sign-ins, if any.
pub fn login_nonce_from_cookie_header(header: &str) -> Option<String> {
    cookie_value(header, LOGIN_COOKIE)
}

fn cookie_value(header: &str, name: &str) -> Option<String> {
    Cookie::split_parse(header)
        .filter_map(Result::ok)
        .find(|c| c.name() == name && !c.value().is_empty() && c.value().len() <= 256)
        .map(|c| c.value().to_owned())
}

/// The `Set-Cookie` value that binds sign-ins to this browser for 10 minutes.
pub fn login_cookie(nonce: &str, secure: bool) -> String {
    Cookie::build((LOGIN_COOKIE, nonce.to_owned()))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .max_age(cookie::time::Duration::minutes(10))
        .build()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_is_httponly_lax_and_round_trips() {
        let id = SessionId::new("abc123");
        let set = session_cookie(&id, 60, false);
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"), "{set}");
        assert!(!set.contains("Secure"));
        assert!(session_cookie(&id, 60, true).contains("Secure"));
        let back = from_cookie_header("other=1; zgw_session=abc123; x=y").unwrap();
        assert_eq!(back.expose(), "abc123");
        assert!(from_cookie_header("zgw_session=").is_none());
        assert!(clear_cookie(false).contains("Max-Age=0"));
    }
}
