//! Zoho's data centres and the allowlists built from them.
//!
//! A user's Zoho account lives in one data centre; the redirect after consent names it with
//! `location` and `accounts-server`, and the token response names the CRM host with
//! `api_domain` (zoho-api.md §1.4, §1.9). Both values come from the browser or the network, so
//! the gateway only ever talks to hosts on an allowlist: the client secret goes nowhere else.

use url::Url;

/// One Zoho data centre (zoho-api.md §1.9; UK and AE are listed by Zoho Accounts but not by the
/// CRM SDK, so they are left out of the defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataCentre {
    pub location: &'static str,
    pub accounts_server: &'static str,
    pub api_domain: &'static str,
}

pub const DATA_CENTRES: &[DataCentre] = &[
    DataCentre { location: "us", accounts_server: "https://accounts.zoho.com", api_domain: "https://www.zohoapis.com" },
    DataCentre { location: "eu", accounts_server: "https://accounts.zoho.eu", api_domain: "https://www.zohoapis.eu" },
    DataCentre { location: "in", accounts_server: "https://accounts.zoho.in", api_domain: "https://www.zohoapis.in" },
    DataCentre { location: "au", accounts_server: "https://accounts.zoho.com.au", api_domain: "https://www.zohoapis.com.au" },
    DataCentre { location: "cn", accounts_server: "https://accounts.zoho.com.cn", api_domain: "https://www.zohoapis.com.cn" },
    DataCentre { location: "jp", accounts_server: "https://accounts.zoho.jp", api_domain: "https://www.zohoapis.jp" },
    DataCentre { location: "ca", accounts_server: "https://accounts.zohocloud.ca", api_domain: "https://www.zohoapis.ca" },
    DataCentre { location: "sa", accounts_server: "https://accounts.zoho.sa", api_domain: "https://www.zohoapis.sa" },
];

/// The data centre whose location code is `location` (case-insensitive).
pub fn by_location(location: &str) -> Option<&'static DataCentre> {
    DATA_CENTRES.iter().find(|dc| dc.location.eq_ignore_ascii_case(location.trim()))
}

/// The data centre that owns this accounts server, if it is an official one.
pub fn by_accounts_server(server: &Url) -> Option<&'static DataCentre> {
    DATA_CENTRES.iter().find(|dc| Origin::parse(dc.accounts_server).is_some_and(|o| o == Origin::of(server)))
}

/// Official accounts servers, the default for `ZOHO_ACCOUNTS_SERVERS`.
pub fn official_accounts_servers() -> Vec<Url> {
    DATA_CENTRES.iter().filter_map(|dc| Url::parse(dc.accounts_server).ok()).collect()
}

/// Official API domains, the default for `ZOHO_API_DOMAINS`.
pub fn official_api_domains() -> Vec<Url> {
    DATA_CENTRES.iter().filter_map(|dc| Url::parse(dc.api_domain).ok()).collect()
}

/// Scheme, host and port: what two URLs must share to count as the same server. Paths,
/// user-info, queries and fragments are never accepted in an allowlisted value.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl Origin {
    fn of(url: &Url) -> Self {
        Self {
            scheme: url.scheme().to_ascii_lowercase(),
            host: url.host_str().unwrap_or_default().to_ascii_lowercase(),
            port: url.port_or_known_default(),
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Url::parse(s).ok().map(|u| Self::of(&u))
    }
}

/// A set of servers we agree to talk to. Matching is on the exact origin, and a candidate with a
/// path, query, credentials or fragment is refused: `https://accounts.zoho.com.evil.example`
/// or `https://accounts.zoho.com@evil.example` never match.
#[derive(Debug, Clone)]
pub struct Allowlist {
    origins: Vec<Origin>,
}

impl Allowlist {
    pub fn new(urls: &[Url]) -> Self {
        Self { origins: urls.iter().map(Origin::of).collect() }
    }

    /// The candidate as a clean base URL (no trailing slash) if it is allowed.
    pub fn check(&self, candidate: &str) -> Option<String> {
        let url = Url::parse(candidate.trim()).ok()?;
        if !matches!(url.scheme(), "https" | "http")
            || !url.username().is_empty()
            || url.password().is_some()
            || url.query().is_some()
            || url.fragment().is_some()
            || !(url.path() == "/" || url.path().is_empty())
        {
            return None;
        }
        let origin = Origin::of(&url);
        self.origins.contains(&origin).then(|| url.as_str().trim_end_matches('/').to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_location_has_a_distinct_accounts_server_and_api_domain() {
        for dc in DATA_CENTRES {
            assert_eq!(by_location(dc.location), Some(dc));
            let server = Url::parse(dc.accounts_server).unwrap();
            assert_eq!(by_accounts_server(&server), Some(dc));
            assert!(dc.api_domain.starts_with("https://www.zohoapis."));
        }
        assert_eq!(by_location("EU").unwrap().accounts_server, "https://accounts.zoho.eu");
        assert!(by_location("xx").is_none());
    }

    #[test]
    fn allowlist_matches_exact_origins_only() {
        let list = Allowlist::new(&official_accounts_servers());
        assert_eq!(list.check("https://accounts.zoho.eu").as_deref(), Some("https://accounts.zoho.eu"));
        assert_eq!(list.check("https://accounts.zoho.eu/").as_deref(), Some("https://accounts.zoho.eu"));
        assert_eq!(list.check("https://ACCOUNTS.zoho.com").as_deref(), Some("https://accounts.zoho.com"));
        for hostile in [
            "https://accounts.zoho.com.evil.example",
            "https://accounts.zoho.com@evil.example",
            "https://evil.example/?https://accounts.zoho.com",
            "http://accounts.zoho.com",
            "https://accounts.zoho.com:8443",
            "https://accounts.zoho.com/oauth/v2/token",
            "https://user:pw@accounts.zoho.com",
            "javascript:alert(1)",
            "",
            "accounts.zoho.com",
        ] {
            assert_eq!(list.check(hostile), None, "{hostile} must be refused");
        }
    }
}
