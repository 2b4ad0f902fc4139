//! `allowed_outbound_hosts`: the origins a component may send HTTP requests to, in Spin's
//! notation — `scheme://host[:port]`, where the scheme may be `*`, the host `*` or `*.domain`,
//! and the port `*` (a missing port is the scheme's default). Nothing is allowed unless listed.
//!
//! Loopback and link-local hosts (`localhost`, `127.0.0.0/8`, `::1`, `169.254.0.0/16` — where
//! cloud metadata services answer — and `fe80::/10`) are reached only when an entry names them:
//! a wildcard host never matches them, and a name that resolves to one of them is refused at
//! connect time (see the outbound client).

use std::fmt;
use std::net::IpAddr;

/// One allowed origin pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPattern {
    /// The entry as written, for messages.
    text: String,
    scheme: SchemePattern,
    host: HostPattern,
    port: PortPattern,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum SchemePattern {
    Any,
    Http,
    Https,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    /// Any host except loopback and link-local ones.
    Any,
    /// `*.example.com`: any subdomain, not the domain itself.
    Subdomains(String),
    /// A name or an address literal, lowercased, without brackets.
    Exact(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PortPattern {
    Any,
    /// The scheme's default port (80 or 443).
    Default,
    Exact(u16),
}

impl OriginPattern {
    /// Reads one entry; `Err` says what is wrong with it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = |why: &str| Err(format!("`{text}` is not an allowed origin: {why}"));
        let Some((scheme, rest)) = text.split_once("://") else {
            return bad("expected `scheme://host[:port]`, e.g. `https://api.example.com`");
        };
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "*" => SchemePattern::Any,
            "http" => SchemePattern::Http,
            "https" => SchemePattern::Https,
            other => {
                return bad(&format!(
                    "the scheme `{other}` is not `http`, `https` or `*`"
                ));
            }
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#', '@']) {
            return bad("an origin has no path, query or user");
        }
        let (host, port) = split_host_port(rest).map_err(|why| format!("`{text}`: {why}"))?;
        let port = match port {
            None => PortPattern::Default,
            Some("*") => PortPattern::Any,
            Some(port) => match port.parse::<u16>() {
                Ok(port) if port > 0 => PortPattern::Exact(port),
                _ => {
                    return bad(&format!(
                        "the port `{port}` is not a number from 1 to 65535 or `*`"
                    ));
                }
            },
        };
        let host = host.to_ascii_lowercase();
        let host = if host == "*" {
            HostPattern::Any
        } else if let Some(domain) = host.strip_prefix("*.") {
            if !valid_name(domain) {
                return bad(&format!("`{domain}` is not a host name"));
            }
            HostPattern::Subdomains(domain.to_owned())
        } else if host.parse::<IpAddr>().is_ok() || valid_name(&host) {
            HostPattern::Exact(host)
        } else {
            return bad(&format!("`{host}` is not a host name or an IP address"));
        };
        Ok(Self {
            text: text.to_owned(),
            scheme,
            host,
            port,
        })
    }

    /// Whether a request to `scheme://host:port` is allowed by this entry. `host` is
    /// lowercase, without brackets.
    pub fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        let scheme_ok = match self.scheme {
            SchemePattern::Any => scheme == "http" || scheme == "https",
            SchemePattern::Http => scheme == "http",
            SchemePattern::Https => scheme == "https",
        };
        let port_ok = match self.port {
            PortPattern::Any => true,
            PortPattern::Exact(allowed) => port == allowed,
            PortPattern::Default => port == default_port(scheme),
        };
        let host_ok = match &self.host {
            HostPattern::Any => !is_local_host(host),
            HostPattern::Subdomains(domain) => {
                !is_local_host(host)
                    && host
                        .strip_suffix(domain.as_str())
                        .is_some_and(|label| label.ends_with('.') && label.len() > 1)
            }
            HostPattern::Exact(exact) => exact == host,
        };
        scheme_ok && port_ok && host_ok
    }
}

impl fmt::Display for OriginPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The origins one component may reach: none unless its manifest entry lists some.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedOutbound(Vec<OriginPattern>);

impl AllowedOutbound {
    /// Reads a manifest entry's list; `Err` names the first bad entry.
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        entries
            .iter()
            .map(|entry| OriginPattern::parse(entry))
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Whether any entry allows `scheme://host:port`.
    pub fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        self.0
            .iter()
            .any(|pattern| pattern.allows(scheme, host, port))
    }
}

/// The default port of `http` and `https`.
pub fn default_port(scheme: &str) -> u16 {
    if scheme == "https" { 443 } else { 80 }
}

/// `localhost`, or a loopback, link-local or unspecified address literal: hosts only an entry
/// that names them reaches.
pub fn is_local_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    host.parse::<IpAddr>().is_ok_and(is_local_address)
}

/// A loopback, link-local or unspecified address (also as an IPv4-mapped IPv6 address).
pub fn is_local_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_link_local() || v4.is_unspecified(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_local_address(IpAddr::V4(v4)),
            None => {
                v6.is_loopback() || v6.is_unspecified() || (v6.segments()[0] & 0xffc0) == 0xfe80
            }
        },
    }
}

/// Splits `host[:port]`, where an IPv6 host is in brackets.
fn split_host_port(text: &str) -> Result<(&str, Option<&str>), String> {
    if let Some(rest) = text.strip_prefix('[') {
        let Some((host, after)) = rest.split_once(']') else {
            return Err("an IPv6 address needs its closing `]`".into());
        };
        return match after {
            "" => Ok((host, None)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok((host, Some(port))),
                None => Err(format!("unexpected `{after}` after the address")),
            },
        };
    }
    match text.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => Ok((host, Some(port))),
        Some(_) => Err("an IPv6 address goes in brackets, e.g. `http://[::1]:8080`".into()),
        None if text.is_empty() => Err("the host is missing".into()),
        None => Ok((text, None)),
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(entries: &[&str]) -> AllowedOutbound {
        let entries: Vec<String> = entries.iter().map(|e| e.to_string()).collect();
        AllowedOutbound::parse(&entries).unwrap()
    }

    #[test]
    fn nothing_is_allowed_by_default() {
        let none = AllowedOutbound::default();
        assert!(!none.allows("https", "example.com", 443));
    }

    #[test]
    fn exact_origins_match_scheme_host_and_default_port() {
        let list = allowed(&["https://api.example.com"]);
        assert!(list.allows("https", "api.example.com", 443));
        assert!(!list.allows("http", "api.example.com", 80));
        assert!(!list.allows("https", "api.example.com", 8443));
        assert!(!list.allows("https", "example.com", 443));
        assert!(!list.allows("https", "evil-api.example.com", 443));
    }

    #[test]
    fn wildcards_match_ports_schemes_and_subdomains() {
        let list = allowed(&["http://127.0.0.1:*", "*://*.example.com:8080"]);
        assert!(list.allows("http", "127.0.0.1", 1234));
        assert!(!list.allows("https", "127.0.0.1", 1234));
        assert!(list.allows("https", "a.example.com", 8080));
        assert!(list.allows("http", "a.b.example.com", 8080));
        assert!(!list.allows("http", "example.com", 8080));
        assert!(!list.allows("http", "badexample.com", 8080));
    }

    #[test]
    fn local_hosts_need_an_entry_that_names_them() {
        let any = allowed(&["*://*:*"]);
        assert!(any.allows("https", "example.com", 443));
        assert!(any.allows("http", "93.184.216.34", 80));
        for local in [
            "localhost",
            "127.0.0.1",
            "127.9.9.9",
            "::1",
            "169.254.169.254",
            "0.0.0.0",
        ] {
            assert!(!any.allows("http", local, 80), "{local}");
        }
        assert!(!any.allows("http", "::ffff:169.254.169.254", 80));
        assert!(!any.allows("http", "fe80::1", 80));
        let named = allowed(&[
            "http://169.254.169.254",
            "http://[::1]:9000",
            "http://localhost:*",
        ]);
        assert!(named.allows("http", "169.254.169.254", 80));
        assert!(named.allows("http", "::1", 9000));
        assert!(named.allows("http", "localhost", 3000));
    }

    #[test]
    fn bad_entries_say_what_is_wrong() {
        let err = |text: &str| OriginPattern::parse(text).unwrap_err();
        assert!(err("api.example.com").contains("expected `scheme://host[:port]`"));
        assert!(err("ftp://example.com").contains("`ftp` is not"));
        assert!(err("https://example.com/v1").contains("no path"));
        assert!(err("https://example.com:99999").contains("port `99999`"));
        assert!(err("https://exa mple.com").contains("not a host name"));
        assert!(err("http://::1:80").contains("brackets"));
        assert!(err("https://").contains("host is missing"));
    }
}
