//! The route table: every (method, path template) the server answers, the one list both the
//! router and the test of `api/openapi.json` read, so that the two cannot drift apart.

use super::http::percent_decode;

/// What a route does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Health,
    OpenApi,
    PushReport,
    Runs,
    Run,
    RunJudgement,
    Series,
    History,
    Baselines,
    GetBaseline,
    PutBaseline,
    Compare,
    Detect,
    Dashboard,
    Index,
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone.
    Open,
    /// A read (or write) token of the project, or anyone when the project is public.
    Read,
    /// A write token of the project.
    Write,
}

#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    /// Segments in braces are parameters: `{project}`.
    pub path: &'static str,
    pub endpoint: Endpoint,
    pub access: Access,
    /// An HTML page (a 401 asks the browser for Basic credentials) rather than the API.
    pub page: bool,
}

const fn api(
    method: &'static str,
    path: &'static str,
    endpoint: Endpoint,
    access: Access,
) -> Route {
    Route {
        method,
        path,
        endpoint,
        access,
        page: false,
    }
}

const BASELINE: &str = "/api/v1/projects/{project}/baselines/{testbed}/{device}/{name}";

/// Every route, in the order of the design's API table.
pub const ROUTES: &[Route] = &[
    api("GET", "/api/v1/health", Endpoint::Health, Access::Open),
    api(
        "GET",
        "/api/v1/openapi.json",
        Endpoint::OpenApi,
        Access::Open,
    ),
    api(
        "POST",
        "/api/v1/projects/{project}/reports",
        Endpoint::PushReport,
        Access::Write,
    ),
    api(
        "GET",
        "/api/v1/projects/{project}/runs",
        Endpoint::Runs,
        Access::Read,
    ),
    api(
        "GET",
        "/api/v1/projects/{project}/runs/{id}",
        Endpoint::Run,
        Access::Read,
    ),
    api(
        "GET",
        "/api/v1/projects/{project}/runs/{id}/judgement",
        Endpoint::RunJudgement,
        Access::Read,
    ),
    api(
        "GET",
        "/api/v1/projects/{project}/series",
        Endpoint::Series,
        Access::Read,
    ),
    api(
        "GET",
        "/api/v1/projects/{project}/history",
        Endpoint::History,
        Access::Read,
    ),
    api(
        "GET",
        "/api/v1/projects/{project}/baselines",
        Endpoint::Baselines,
        Access::Read,
    ),
    api("GET", BASELINE, Endpoint::GetBaseline, Access::Read),
    api("PUT", BASELINE, Endpoint::PutBaseline, Access::Write),
    api(
        "POST",
        "/api/v1/projects/{project}/compare",
        Endpoint::Compare,
        Access::Read,
    ),
    api(
        "GET",
        "/api/v1/projects/{project}/detect",
        Endpoint::Detect,
        Access::Read,
    ),
    Route {
        method: "GET",
        path: "/projects/{project}/",
        endpoint: Endpoint::Dashboard,
        access: Access::Read,
        page: true,
    },
    Route {
        method: "GET",
        path: "/",
        endpoint: Endpoint::Index,
        access: Access::Open,
        page: true,
    },
];

/// A matched route and its parameters, percent-decoded, in template order.
#[derive(Debug, Clone)]
pub struct Matched {
    pub route: Route,
    pub params: Vec<(&'static str, String)>,
}

impl Matched {
    pub fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Why no route answers.
#[derive(Debug, PartialEq)]
pub enum Miss {
    NotFound,
    /// The path is known, but not with this method: the methods it has.
    Method(Vec<&'static str>),
    /// A path segment is not valid percent-encoded UTF-8.
    BadEncoding,
}

/// The route for `method` and the raw (still encoded) `path`.
pub fn find(method: &str, path: &str) -> Result<Matched, Miss> {
    let mut allowed = Vec::new();
    for route in ROUTES {
        if let Some(params) = match_path(route.path, path)? {
            if route.method == method {
                return Ok(Matched {
                    route: *route,
                    params,
                });
            }
            allowed.push(route.method);
        }
    }
    if allowed.is_empty() {
        Err(Miss::NotFound)
    } else {
        Err(Miss::Method(allowed))
    }
}

/// The parameters when `path` fits `template`; an empty parameter never fits.
fn match_path(
    template: &'static str,
    path: &str,
) -> Result<Option<Vec<(&'static str, String)>>, Miss> {
    let want: Vec<&'static str> = template.split('/').collect();
    let got: Vec<&str> = path.split('/').collect();
    if want.len() != got.len() {
        return Ok(None);
    }
    let mut params = Vec::new();
    for (w, g) in want.iter().zip(&got) {
        if let Some(name) = w.strip_prefix('{').and_then(|n| n.strip_suffix('}')) {
            if g.is_empty() {
                return Ok(None);
            }
            params.push((name, percent_decode(g, false).ok_or(Miss::BadEncoding)?));
        } else if w != g {
            return Ok(None);
        }
    }
    Ok(Some(params))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_their_routes_with_decoded_parameters() {
        let m = find(
            "GET",
            "/api/v1/projects/my%2Fsuite/baselines/ci%20box/cpu/main",
        )
        .unwrap();
        assert_eq!(m.route.endpoint, Endpoint::GetBaseline);
        assert_eq!(m.param("project"), "my/suite");
        assert_eq!(m.param("testbed"), "ci box");
        assert_eq!(m.param("name"), "main");
        let put = find("PUT", "/api/v1/projects/p/baselines/t/cpu/main").unwrap();
        assert_eq!(put.route.endpoint, Endpoint::PutBaseline);
        assert_eq!(find("GET", "/").unwrap().route.endpoint, Endpoint::Index);
        assert_eq!(
            find("GET", "/projects/x/").unwrap().route.endpoint,
            Endpoint::Dashboard
        );
        assert_eq!(
            find("DELETE", "/api/v1/projects/p/runs").unwrap_err(),
            Miss::Method(vec!["GET"])
        );
        for missing in [
            "/api/v1/projects//runs",
            "/api/v1/nope",
            "/projects/x",
            "/x/",
        ] {
            assert_eq!(
                find("GET", missing).unwrap_err(),
                Miss::NotFound,
                "{missing}"
            );
        }
        assert_eq!(
            find("GET", "/api/v1/projects/%ff/runs").unwrap_err(),
            Miss::BadEncoding
        );
    }
}
