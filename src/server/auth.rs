//! Who may do what: the token of a request (`Authorization: Bearer <token>`, or Basic with
//! the token as the password, for browsers), and the decision for a route's [`Access`].
//! Tokens in the query string are refused outright (they end up in logs and histories).
//! Tokens are never logged, nor echoed in an error.

use super::http::{Head, Response};
use super::routes::Access;
use crate::store::{Store, StoreError, TokenScope};

/// Query parameters that look like a token.
const TOKEN_PARAMS: &[&str] = &["token", "access_token", "api_key"];

/// Why a request is refused: 401 (no or bad credentials) or 403 (not allowed).
#[derive(Debug, Clone, PartialEq)]
pub struct Denied {
    pub status: u16,
    pub message: &'static str,
}

impl Denied {
    const fn unauthorized(message: &'static str) -> Self {
        Denied {
            status: 401,
            message,
        }
    }
    const fn forbidden(message: &'static str) -> Self {
        Denied {
            status: 403,
            message,
        }
    }

    /// The response; a page's 401 asks the browser for Basic credentials.
    pub fn response(&self, page: bool) -> Response {
        let r = Response::error(self.status, self.message);
        match (self.status, page) {
            (401, true) => r.with_header("WWW-Authenticate", "Basic realm=\"perfgate\""),
            (401, false) => r.with_header("WWW-Authenticate", "Bearer realm=\"perfgate\""),
            _ => r,
        }
    }
}

/// The token a request carries, if any. A token in the query string, or an Authorization
/// header that is neither Bearer nor Basic, is refused.
pub fn token_of(head: &Head, query: &[(String, String)]) -> Result<Option<String>, Denied> {
    if query
        .iter()
        .any(|(k, _)| TOKEN_PARAMS.contains(&k.to_ascii_lowercase().as_str()))
    {
        return Err(Denied::unauthorized(
            "tokens are accepted only in the Authorization header",
        ));
    }
    let Some(value) = head.header("authorization") else {
        return Ok(None);
    };
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    let rest = rest.trim();
    let token = if scheme.eq_ignore_ascii_case("bearer") {
        rest.to_string()
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64_decode(rest)
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or(Denied::unauthorized(
                "the Basic credentials are not valid base64 of `user:token`",
            ))?;
        match decoded.split_once(':') {
            Some((_, password)) => password.to_string(),
            None => {
                return Err(Denied::unauthorized(
                    "the Basic credentials are not valid base64 of `user:token`",
                ))
            }
        }
    } else {
        return Err(Denied::unauthorized(
            "the Authorization header must be `Bearer <token>` or Basic",
        ));
    };
    if token.is_empty() {
        return Err(Denied::unauthorized(
            "the Authorization header has no token",
        ));
    }
    Ok(Some(token))
}

/// Whether `token` may have `access` to `project`. `Err` only when the store fails.
pub fn authorize(
    store: &dyn Store,
    access: Access,
    project: &str,
    token: Option<&str>,
) -> Result<Result<(), Denied>, StoreError> {
    if access == Access::Open {
        return Ok(Ok(()));
    }
    let Some(token) = token else {
        if access == Access::Read && store.project_is_public(project)? {
            return Ok(Ok(()));
        }
        return Ok(Err(Denied::unauthorized(
            "this needs a token: send `Authorization: Bearer <token>`",
        )));
    };
    let Some(grant) = store.token_grant(token)? else {
        return Ok(Err(Denied::unauthorized("the token is not valid")));
    };
    if grant.project != project {
        return Ok(Err(Denied::forbidden("the token is not for this project")));
    }
    if access == Access::Write && grant.scope != TokenScope::Write {
        return Ok(Err(Denied::forbidden(
            "the token may only read: this needs a write token",
        )));
    }
    Ok(Ok(()))
}

/// Standard base64 (with or without padding); `None` when it is not.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    }
    let s = s.trim_end_matches('=').as_bytes();
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(auth: Option<&str>) -> Head {
        Head {
            headers: auth
                .map(|a| vec![("authorization".to_string(), a.to_string())])
                .unwrap_or_default(),
            ..Head::default()
        }
    }

    #[test]
    fn base64_decodes_with_and_without_padding() {
        assert_eq!(base64_decode("dXNlcjpwZ3RfYWJj").unwrap(), b"user:pgt_abc");
        assert_eq!(base64_decode("YQ==").unwrap(), b"a");
        assert_eq!(base64_decode("YWI").unwrap(), b"ab");
        assert_eq!(base64_decode("").unwrap(), b"");
        assert!(base64_decode("a").is_none() && base64_decode("ab!c").is_none());
    }

    #[test]
    fn tokens_come_from_the_authorization_header_only() {
        let none: &[(String, String)] = &[];
        assert_eq!(token_of(&head(None), none), Ok(None));
        assert_eq!(
            token_of(&head(Some("Bearer pgt_x")), none),
            Ok(Some("pgt_x".into()))
        );
        assert_eq!(
            token_of(&head(Some("Basic YW55OnBndF95")), none),
            Ok(Some("pgt_y".into()))
        );
        for bad in ["Bearer ", "Token pgt_x", "Basic !!", "Basic YW55"] {
            assert_eq!(
                token_of(&head(Some(bad)), none).unwrap_err().status,
                401,
                "{bad}"
            );
        }
        for key in ["token", "ACCESS_TOKEN", "api_key"] {
            let q = [(key.to_string(), "pgt_x".to_string())];
            let e = token_of(&head(Some("Bearer pgt_x")), &q).unwrap_err();
            assert_eq!(
                e.message,
                "tokens are accepted only in the Authorization header"
            );
        }
    }
}
