//! The GitHub Actions workflow that `perfgate ci init github` writes
//! (`.github/workflows/perfgate.yml`): a pull-request gate, a weekly trend job and, with a
//! committed baseline, a manual job that re-measures it.
//!
//! Every job starts from a fresh runner: perfgate is installed from crates.io at the version
//! that wrote the workflow, and nothing is assumed to survive from an earlier run. The
//! default gate builds the pull request's merge base and head side by side and runs them
//! interleaved on the same runner, because runners differ from each other (and from minute
//! to minute) more than the changes a gate should catch.

/// The actions used, each pinned to a released major version.
const CHECKOUT: &str = "actions/checkout@v4";
const UPLOAD_ARTIFACT: &str = "actions/upload-artifact@v4";

/// Where the two checkouts of the interleaved jobs go, under `$GITHUB_WORKSPACE`.
const BASE_DIR: &str = "base";
const HEAD_DIR: &str = "head";

/// What a pull request is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// The merge base and the head, both built on the runner and run interleaved.
    Interleaved {
        /// Shell command that builds the program (run in each checkout's root).
        build: String,
        /// The built program, relative to the repository root: what `{bin}` stands for.
        program: String,
    },
    /// A baseline file committed to the repository, measured on another runner.
    Committed {
        /// Shell command run before measuring, if the suite needs a build.
        build: Option<String>,
        /// The committed baseline of the `cpu` device, relative to the repository root.
        baseline_file: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workflow {
    /// The perfgate version the jobs install (the one writing the workflow).
    pub perfgate_version: String,
    /// The config, relative to the repository root.
    pub config: String,
    pub gate: Gate,
    /// The team server the checks push their runs to (`check --server`), if any.
    pub server: Option<Server>,
}

/// The team server of a workflow: where it is, and the project (the suite) its token is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub url: String,
    pub project: String,
}

/// The repository secret that holds the server's write token.
pub const TOKEN_SECRET: &str = "PERFGATE_TOKEN";

/// One step of a job, in the order GitHub reads the keys.
#[derive(Default)]
struct Step {
    name: &'static str,
    condition: Option<&'static str>,
    uses: Option<&'static str>,
    with: Vec<(&'static str, String)>,
    env: Vec<(&'static str, String)>,
    working_directory: Option<&'static str>,
    run: Option<String>,
}

impl Step {
    fn run(name: &'static str, script: impl Into<String>) -> Step {
        Step {
            name,
            run: Some(script.into()),
            ..Default::default()
        }
    }

    fn uses(name: &'static str, action: &'static str) -> Step {
        Step {
            name,
            uses: Some(action),
            ..Default::default()
        }
    }

    fn within(mut self, dir: &'static str) -> Step {
        self.working_directory = Some(dir);
        self
    }

    /// Runs even after a failed step (to keep the evidence), unless the run was cancelled.
    fn always(mut self) -> Step {
        self.condition = Some("${{ !cancelled() }}");
        self
    }

    /// With a server: the check also pushes its run (`--server`), with the token secret.
    fn pushing(mut self, server: bool) -> Step {
        if server {
            if let Some(run) = &mut self.run {
                run.push_str(" \\\n  --server \"$PERFGATE_SERVER\"");
            }
            self.env
                .push((TOKEN_SECRET, format!("${{{{ secrets.{TOKEN_SECRET} }}}}")));
        }
        self
    }

    fn with(mut self, key: &'static str, value: impl Into<String>) -> Step {
        self.with.push((key, value.into()));
        self
    }

    fn render(&self, out: &mut String) {
        out.push_str(&format!("      - name: {}\n", plain(self.name)));
        if let Some(c) = self.condition {
            out.push_str(&format!("        if: {c}\n"));
        }
        if let Some(u) = self.uses {
            out.push_str(&format!("        uses: {u}\n"));
        }
        if !self.with.is_empty() {
            out.push_str("        with:\n");
            for (k, v) in &self.with {
                block(out, &format!("          {k}:"), v, 12);
            }
        }
        if !self.env.is_empty() {
            out.push_str("        env:\n");
            for (k, v) in &self.env {
                out.push_str(&format!("          {k}: {v}\n"));
            }
        }
        if let Some(d) = self.working_directory {
            out.push_str(&format!("        working-directory: {d}\n"));
        }
        if let Some(r) = &self.run {
            block(out, "        run:", r, 10);
        }
    }
}

/// `key: value` for one line, a `|` block scalar indented by `indent` for several.
fn block(out: &mut String, key: &str, value: &str, indent: usize) {
    if value.contains('\n') {
        out.push_str(key);
        out.push_str(" |\n");
        for line in value.lines() {
            out.push_str(&format!("{:indent$}{line}\n", ""));
        }
    } else {
        out.push_str(&format!("{key} {value}\n"));
    }
}

/// `s` as is when YAML reads it back as the same plain string, else double-quoted.
fn plain(s: &str) -> String {
    let special = s.starts_with(|c: char| "!&*-:?{}[],#|>@`\"'%$ ".contains(c))
        || s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':');
    if special {
        yaml_string(s)
    } else {
        s.to_string()
    }
}

/// A string as a YAML double-quoted scalar (JSON's escaping is valid YAML).
fn yaml_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string always serializes")
}

/// Installs the perfgate that wrote the workflow; with https when the server needs it.
fn install_step(server: Option<&Server>) -> Step {
    let features = match server {
        Some(s) if s.url.starts_with("https://") => " --features https",
        _ => "",
    };
    Step::run(
        "Install perfgate",
        format!("cargo install perfgate --version \"$PERFGATE_VERSION\" --locked{features}"),
    )
}

/// The report, the comparison and the dashboard of the check, as a downloadable artifact.
fn evidence_steps(dir: Option<&'static str>, artifact: &str, extra: &[&str]) -> Vec<Step> {
    let dashboard = Step::run(
        "Dashboard",
        "if [ -f perfgate-comparison.json ]; then\n  perfgate report perfgate-comparison.json --format html -o perfgate-dashboard.html\nfi",
    )
    .always();
    let dashboard = match dir {
        Some(d) => dashboard.within(d),
        None => dashboard,
    };
    let prefix = dir.map_or(String::new(), |d| format!("{d}/"));
    let files: Vec<String> = ["perfgate-report.json", "perfgate-comparison.json"]
        .iter()
        .chain(extra)
        .chain(&["perfgate-dashboard.html"])
        .map(|f| format!("{prefix}{f}"))
        .collect();
    let upload = Step::uses("Upload the evidence", UPLOAD_ARTIFACT)
        .always()
        .with("name", artifact)
        .with("path", files.join("\n") + "\n")
        .with("if-no-files-found", "ignore");
    vec![dashboard, upload]
}

impl Workflow {
    pub fn render(&self) -> String {
        let mut out = format!(
            "# Written by `perfgate ci init github` (perfgate {v}). Edit freely; perfgate does not\n# overwrite it without --force.\nname: perfgate\n\non:\n  pull_request:\n  schedule:\n    - cron: \"17 4 * * 1\" # weekly trend, Mondays 04:17 UTC\n  workflow_dispatch:\n",
            v = self.perfgate_version
        );
        if matches!(self.gate, Gate::Committed { .. }) {
            out.push_str("    inputs:\n      update_baselines:\n        description: \"Re-measure the committed baseline on this runner type and commit it\"\n        type: boolean\n        default: false\n");
        }
        out.push_str("\npermissions:\n  contents: read\n\nenv:\n");
        out.push_str(&format!(
            "  PERFGATE_VERSION: {}\n  # The suite's config, relative to the repository root.\n  BENCH_CONFIG: {}\n",
            yaml_string(&self.perfgate_version),
            yaml_string(&self.config)
        ));
        if let Some(server) = &self.server {
            out.push_str(&format!(
                "  # The team server (`perfgate serve`) the checks push their runs to, and take their\n  # history from. Its write token is the repository secret {TOKEN_SECRET}: create it\n  # on the server with\n  #   perfgate token create --store URL --project {project} --scope write\n  # and add it in Settings -> Secrets and variables -> Actions. Pull requests from forks\n  # get no secrets: their checks still gate, and their runs are not pushed.\n  PERFGATE_SERVER: {url}\n",
                project = crate::shell::quote(&server.project).replace(['\n', '\r'], " "),
                url = yaml_string(&server.url)
            ));
        }
        match &self.gate {
            Gate::Interleaved { build, program } => {
                out.push_str(&format!(
                    "  # How each checkout is built, and the program the build makes (relative to the\n  # repository root): the suite's commands name it `{{bin}}` or `$PERFGATE_BIN`.\n  BENCH_BUILD: {}\n  BENCH_PROGRAM: {}\n",
                    yaml_string(build),
                    yaml_string(program)
                ));
                out.push_str("\njobs:\n");
                self.interleaved_jobs(&mut out);
            }
            Gate::Committed {
                build,
                baseline_file,
            } => {
                if let Some(b) = build {
                    out.push_str(&format!(
                        "  # How the checkout is built before measuring.\n  BENCH_BUILD: {}\n",
                        yaml_string(b)
                    ));
                }
                out.push_str(&format!(
                    "  # The committed baseline (written by the update-baselines job).\n  BENCH_BASELINE: {}\n",
                    yaml_string(baseline_file)
                ));
                out.push_str("\njobs:\n");
                self.committed_jobs(&mut out, build.is_some());
            }
        }
        out
    }

    /// The gate (merge base against head) and the trend (last week's commit against today's),
    /// each as two builds run in alternation on one runner.
    fn interleaved_jobs(&self, out: &mut String) {
        let gate_base = Step::run(
            "Add the merge base as a worktree beside it",
            format!(
                "base=$(git -C {HEAD_DIR} merge-base ${{{{ github.event.pull_request.base.sha }}}} ${{{{ github.event.pull_request.head.sha }}}})\ngit -C {HEAD_DIR} worktree add --detach \"$GITHUB_WORKSPACE/{BASE_DIR}\" \"$base\""
            ),
        );
        let checkout_head = Step::uses("Check out the head of the pull request", CHECKOUT)
            .with("ref", "${{ github.event.pull_request.head.sha }}")
            .with("path", HEAD_DIR)
            .with("fetch-depth", "0");
        job(
            out,
            "gate",
            "github.event_name == 'pull_request'",
            None,
            pair_steps(
                self.server.as_ref(),
                checkout_head,
                gate_base,
                "Gate: the merge base against the head, interleaved on this runner",
                if self.server.is_some() {
                    "--fail-on-regression"
                } else {
                    // A critical benchmark is profiled on both builds; the flame graphs and
                    // summaries are uploaded with the evidence.
                    "--fail-on-regression --profile-regressions --profile-dir perfgate-profiles"
                },
                "perfgate",
                if self.server.is_some() {
                    &[]
                } else {
                    &["perfgate-profiles/"]
                },
            ),
        );
        let trend_base = Step::run(
            "Add last week's commit as a worktree beside it",
            format!(
                "base=$(git -C {HEAD_DIR} rev-list -1 --before=\"7 days ago\" HEAD)\n# A repository younger than a week: its first commit.\nbase=${{base:-$(git -C {HEAD_DIR} rev-list --max-parents=0 HEAD | tail -n 1)}}\ngit -C {HEAD_DIR} worktree add --detach \"$GITHUB_WORKSPACE/{BASE_DIR}\" \"$base\""
            ),
        );
        let checkout_today = Step::uses("Check out the default branch", CHECKOUT)
            .with("path", HEAD_DIR)
            .with("fetch-depth", "0");
        job(
            out,
            "trend",
            "github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'",
            None,
            pair_steps(
                self.server.as_ref(),
                checkout_today,
                trend_base,
                "Trend: last week's commit against today's, interleaved on this runner",
                "--trend-output perfgate-trend.json",
                "perfgate-trend",
                &["perfgate-trend.json"],
            ),
        );
    }

    /// The gate and the trend against the committed baseline, and the manual job that
    /// re-measures and commits it.
    fn committed_jobs(&self, out: &mut String, build: bool) {
        let prepare = || {
            let mut steps = vec![
                Step::uses("Check out", CHECKOUT),
                install_step(self.server.as_ref()),
            ];
            if build {
                steps.push(Step::run("Build", "sh -c \"$BENCH_BUILD\""));
            }
            steps
        };
        let check = |name: &'static str, flag: &str| {
            Step::run(
                name,
                format!(
                    "perfgate check --config \"$BENCH_CONFIG\" --baseline \"$BENCH_BASELINE\" --allow-other-machine \\\n  {flag} --json-out perfgate-report.json --summary perfgate-comparison.json"
                ),
            )
            .pushing(self.server.is_some())
        };
        let mut gate = prepare();
        gate.push(check(
            "Gate: check against the committed baseline",
            "--fail-on-regression",
        ));
        gate.extend(evidence_steps(None, "perfgate", &[]));
        job(
            out,
            "gate",
            "github.event_name == 'pull_request'",
            None,
            gate,
        );

        let mut trend = prepare();
        trend.push(check(
            "Trend: check against the committed baseline",
            "--trend-output perfgate-trend.json",
        ));
        trend.extend(evidence_steps(
            None,
            "perfgate-trend",
            &["perfgate-trend.json"],
        ));
        job(
            out,
            "trend",
            "github.event_name == 'schedule' || (github.event_name == 'workflow_dispatch' && !inputs.update_baselines)",
            None,
            trend,
        );

        let mut update = prepare();
        update.push(Step::run(
            "Measure the committed baseline on this runner",
            "mkdir -p \"$(dirname \"$BENCH_BASELINE\")\"\nperfgate run --config \"$BENCH_CONFIG\" --device cpu --json-out \"$BENCH_BASELINE\"",
        ));
        update.push(Step::run(
            "Commit and push it",
            "git config user.name \"perfgate\"\ngit config user.email \"perfgate@users.noreply.github.com\"\ngit add \"$BENCH_BASELINE\"\ngit commit -m \"perfgate: re-measure the committed baseline\" || echo \"nothing to commit\"\ngit push",
        ));
        job(
            out,
            "update-baselines",
            "github.event_name == 'workflow_dispatch' && inputs.update_baselines",
            Some("contents: write"),
            update,
        );
    }
}

/// The steps of an interleaved job: two checkouts, perfgate, two builds, the check, evidence.
fn pair_steps(
    server: Option<&Server>,
    checkout: Step,
    add_base: Step,
    check_name: &'static str,
    check_flag: &str,
    artifact: &str,
    extra: &[&str],
) -> Vec<Step> {
    let mut steps = vec![
        checkout,
        add_base,
        install_step(server),
        Step::run("Build the base", "sh -c \"$BENCH_BUILD\"").within(BASE_DIR),
        Step::run("Build the head", "sh -c \"$BENCH_BUILD\"").within(HEAD_DIR),
        Step::run(
            check_name,
            format!(
                "perfgate check --config \"$BENCH_CONFIG\" --interleaved \\\n  --baseline-bin \"$GITHUB_WORKSPACE/{BASE_DIR}/$BENCH_PROGRAM\" \\\n  --candidate-bin \"$GITHUB_WORKSPACE/{HEAD_DIR}/$BENCH_PROGRAM\" \\\n  {check_flag} --json-out perfgate-report.json --summary perfgate-comparison.json"
            ),
        )
        .pushing(server.is_some())
        .within(HEAD_DIR),
    ];
    steps.extend(evidence_steps(Some(HEAD_DIR), artifact, extra));
    steps
}

fn job(out: &mut String, id: &str, condition: &str, permissions: Option<&str>, steps: Vec<Step>) {
    out.push_str(&format!(
        "  {id}:\n    if: {condition}\n    runs-on: ubuntu-latest\n"
    ));
    if let Some(p) = permissions {
        out.push_str(&format!("    permissions:\n      {p}\n"));
    }
    out.push_str("    steps:\n");
    for s in &steps {
        s.render(out);
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_build_commands_stay_one_yaml_string() {
        let w = Workflow {
            perfgate_version: "1.2.3".into(),
            config: "bench/perfgate.toml".into(),
            gate: Gate::Interleaved {
                build: "make \"all\" # then\nmore".into(),
                program: "out/app".into(),
            },
            server: None,
        };
        let text = w.render();
        assert!(
            text.contains(r#"  BENCH_BUILD: "make \"all\" # then\nmore""#),
            "{text}"
        );
        assert!(text.contains("  PERFGATE_VERSION: \"1.2.3\"\n"), "{text}");
    }
}
