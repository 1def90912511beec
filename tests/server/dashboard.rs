//! The live dashboard: one page of a project's benchmarks, hostile names shown as text,
//! links to the pages around it that keep the view, and `/` listing public projects.

use crate::common::{report_of, Server};

#[test]
fn hostile_benchmark_names_render_as_text() {
    let server = Server::start();
    let token = server.token("evil", "write");
    let names = ["<script>alert(1)</script>", "say \"hi\" & 'bye'", "a<b>&c"];
    for minute in 0..3 {
        assert_eq!(
            server
                .push(&report_of("evil", minute, &names, 1.0), &token)
                .status,
            201
        );
    }
    let page = server.get("/projects/evil/?filter=%3C", Some(&token));
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = &page.body;
    assert!(!html.contains("<script>alert(1)"), "raw markup in the page");
    assert!(!html.contains("a<b>"), "raw markup in the page");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("a&lt;b&gt;&amp;c"));
    // The filter keeps the two names with `<`; the quoted one is not on the page.
    assert!(
        html.contains("benchmarks 1-2 of 2"),
        "{}",
        &html[..html.len().min(3000)]
    );
    assert!(!html.contains("say &quot;hi&quot;") && !html.contains("say \"hi\""));
    // A filter value with markup comes back escaped in the form.
    let page = server.get(
        "/projects/evil/?filter=%22%3E%3Cimg%20src%3Dx%3E",
        Some(&token),
    );
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("<img src=x>"));
    assert!(page.body.contains("value=\"&quot;&gt;&lt;img src=x&gt;\""));
}

#[test]
fn pages_link_to_their_neighbours_keeping_the_view() {
    let server = Server::start();
    let token = server.token("big", "write");
    let names: Vec<String> = (0..25).map(|i| format!("bench-{i:02}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(
        server
            .push(&report_of("big", 0, &names, 1.0), &token)
            .status,
        201
    );
    let page = |query: &str| {
        let r = server.get(&format!("/projects/big/{query}"), Some(&token));
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
    };
    let first = page("?per_page=10&device=cpu");
    assert!(first.contains("benchmarks 1-10 of 25 · page 1 of 3"));
    assert!(
        first.contains("rel=\"next\" href=\"?page=2&amp;per_page=10&amp;device=cpu\""),
        "{first}"
    );
    assert!(!first.contains("rel=\"prev\""));
    assert!(first.contains("bench-09") && !first.contains("bench-10"));

    let second = page("?page=2&per_page=10&device=cpu");
    assert!(second.contains("benchmarks 11-20 of 25 · page 2 of 3"));
    assert!(second.contains("rel=\"prev\" href=\"?page=1&amp;per_page=10&amp;device=cpu\""));
    assert!(second.contains("rel=\"next\" href=\"?page=3&amp;per_page=10&amp;device=cpu\""));
    assert!(
        second.contains("bench-10") && !second.contains("bench-09") && !second.contains("bench-20")
    );

    let last = page("?page=3&per_page=10&device=cpu");
    assert!(last.contains("benchmarks 21-25 of 25"));
    assert!(!last.contains("rel=\"next\""));
    let beyond = page("?page=9&per_page=10");
    assert!(!beyond.contains("bench-"), "an empty page past the end");
    let filtered = page("?filter=BENCH-2");
    assert!(filtered.contains("benchmarks 1-5 of 5"));
    assert!(page("?device=cuda").contains("benchmarks 0-0 of 0"));
    assert_eq!(
        server.get("/projects/big/?per_page=0", Some(&token)).status,
        400
    );
}

#[test]
fn the_front_page_lists_public_projects_only() {
    let server = Server::start();
    for (project, public) in [("shown <b>", true), ("hidden", false)] {
        let token = server.token(project, "write");
        assert_eq!(
            server
                .push(&report_of(project, 0, &["x"], 1.0), &token)
                .status,
            201
        );
        server.public(project, public);
    }
    let front = server.get("/", None);
    assert_eq!(front.status, 200);
    assert!(
        front
            .body
            .contains("<a href=\"/projects/shown%20%3Cb%3E/\">shown &lt;b&gt;</a>"),
        "{}",
        front.body
    );
    assert!(!front.body.contains("hidden"));
}
