//! `sakk render` and `sakk publish` end to end, with local bare git repositories only.

use std::path::Path;
use std::process::{Command, Output};

fn sakk(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sakk"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("sakk runs")
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn cluster_file(remote: &Path, extra: &str) -> String {
    format!(
        r#"cluster "demo" {{
  region         = "eu-west-1"
  domains        = ["ml.example.com"]
  parent_zone_id = "Z0123456789ABCDEFGHIJ"
  acme_email     = "platform@example.com"

  gitops {{
    url    = "file://{}"
    branch = "main"
    path   = "clusters/demo"
  }}

  user "ada" {{
    email = "ada@example.com"
  }}
{extra}}}
"#,
        remote.display()
    )
}

fn commits(remote: &Path) -> Vec<String> {
    git(remote, &["log", "--format=%H", "main"])
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn publish_commits_once_then_nothing_then_exactly_the_change() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let root = scratch.path();
    let remote = root.join("remote.git");
    git(
        root,
        &[
            "init",
            "--quiet",
            "--bare",
            "--initial-branch=main",
            remote.to_str().expect("utf-8"),
        ],
    );
    // The repository already holds other things: they must survive every publish.
    let seed = root.join("seed");
    git(
        root,
        &["clone", "--quiet", remote.to_str().expect("utf-8"), "seed"],
    );
    std::fs::write(seed.join("README.md"), "team repository\n").expect("write");
    std::fs::create_dir_all(seed.join("clusters/other")).expect("mkdir");
    std::fs::write(seed.join("clusters/other/app.yaml"), "kind: Other\n").expect("write");
    git(&seed, &["add", "."]);
    git(&seed, &["commit", "--quiet", "-m", "seed"]);
    git(&seed, &["push", "--quiet", "origin", "HEAD:main"]);
    let seeded = commits(&remote);

    let work = root.join("cluster");
    std::fs::create_dir_all(&work).expect("mkdir");
    std::fs::write(work.join("cluster.hcl"), cluster_file(&remote, "")).expect("write");

    let first = sakk(&work, &["publish"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let after_first = commits(&remote);
    assert_eq!(
        after_first.len(),
        seeded.len() + 1,
        "first publish makes one commit"
    );
    let files = git(&remote, &["show", "--name-only", "--format=", "main"]);
    assert!(
        files.lines().all(|file| file.starts_with("clusters/demo/")),
        "{files}"
    );
    assert!(files.contains("clusters/demo/root.yaml"));
    let message = git(&remote, &["log", "-1", "--format=%B", "main"]);
    assert!(message.starts_with("sakk: demo: add argo-cd,"), "{message}");

    let second = sakk(&work, &["publish"]);
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert!(String::from_utf8_lossy(&second.stderr).contains("nothing to commit"));
    assert_eq!(commits(&remote), after_first, "same config, no commit");

    let team = "\n  team \"vision\" {\n    owner = \"ada@example.com\"\n  }\n";
    std::fs::write(work.join("cluster.hcl"), cluster_file(&remote, team)).expect("write");
    let third = sakk(&work, &["publish"]);
    assert!(
        third.status.success(),
        "{}",
        String::from_utf8_lossy(&third.stderr)
    );
    let after_third = commits(&remote);
    assert_eq!(
        after_third.len(),
        after_first.len() + 1,
        "one change, one commit"
    );
    let changed = git(
        &remote,
        &["diff", "--name-only", &after_first[0], &after_third[0]],
    );
    assert!(!changed.trim().is_empty());
    assert!(
        changed
            .lines()
            .all(|file| file.starts_with("clusters/demo/")),
        "only the managed path changes: {changed}"
    );
    assert!(changed.contains("clusters/demo/manifests/teams/profile-vision.yaml"));
    let message = git(&remote, &["log", "-1", "--format=%B", "main"]);
    assert!(
        message.contains("update ") && message.contains("teams"),
        "{message}"
    );
    for untouched in ["README.md", "clusters/other/app.yaml"] {
        assert_eq!(
            git(
                &remote,
                &["rev-parse", &format!("{}:{untouched}", seeded[0])]
            ),
            git(&remote, &["rev-parse", &format!("main:{untouched}")]),
            "{untouched} changed"
        );
    }
}

#[test]
fn render_writes_the_tree_and_check_reports_drift() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let root = scratch.path();
    std::fs::write(
        root.join("cluster.hcl"),
        cluster_file(Path::new("/srv/git/x.git"), ""),
    )
    .expect("write");
    let out = root.join("repo");
    let written = sakk(root, &["render", "--out", "repo"]);
    assert!(
        written.status.success(),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    assert!(out.join("clusters/demo/root.yaml").exists());
    let clean = sakk(root, &["render", "--check", "--out", "repo"]);
    assert!(
        clean.status.success(),
        "{}",
        String::from_utf8_lossy(&clean.stderr)
    );

    std::fs::write(out.join("clusters/demo/istio.yaml"), "edited\n").expect("write");
    std::fs::write(out.join("clusters/demo/stray.yaml"), "kind: Stray\n").expect("write");
    std::fs::remove_file(out.join("clusters/demo/dex.yaml")).expect("remove");
    let stale = sakk(root, &["render", "--check", "--out", "repo"]);
    assert_eq!(stale.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&stale.stderr);
    for line in ["~ istio.yaml", "- stray.yaml", "+ dex.yaml"] {
        assert!(stderr.contains(line), "{line} missing in:\n{stderr}");
    }
    assert_eq!(
        std::fs::read_to_string(out.join("clusters/demo/istio.yaml")).expect("read"),
        "edited\n",
        "--check writes nothing"
    );

    let outputs = root.join("outputs.json");
    std::fs::write(&outputs, "{\"account_id\": 1}").expect("write");
    let bad = sakk(
        root,
        &[
            "render",
            "--out",
            "repo",
            "--outputs",
            "outputs.json",
            "--no-check",
        ],
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("outputs.json:1:"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

/// A cluster whose External OIDC secret lies outside what the External Secrets role may read:
/// its tree can never converge (the ExternalSecrets stay unsynced).
const UNREADABLE_OIDC_SECRET: &str = r#"
  identity {
    oidc {
      issuer        = "https://login.corp.example.net"
      client_id     = "kubeflow"
      client_secret = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:kubeflow-oidc-AbCdEf"
      groups_claim  = "roles"
    }
  }
"#;

#[test]
fn render_refuses_a_tree_that_cannot_converge() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let root = scratch.path();
    std::fs::write(
        root.join("cluster.hcl"),
        cluster_file(Path::new("/srv/git/x.git"), UNREADABLE_OIDC_SECRET),
    )
    .expect("write");
    let out = root.join("repo");
    let refused = sakk(root, &["render", "--out", "repo"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: cluster `demo`: the tree cannot converge, nothing written"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "  wave 3 application platform: ExternalSecret/argocd/sakk-oidc: the External Secrets \
             role may read only sakk/demo/*"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("--no-check"), "{stderr}");
    assert!(!out.exists(), "nothing is written");

    let json = sakk(root, &["render", "--out", "repo", "--output", "json"]);
    assert_eq!(json.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON on stdout");
    let cluster = &report["clusters"][0];
    assert_eq!(cluster["written"], false);
    assert_eq!(cluster["convergence"]["converges"], false);
    assert!(
        cluster["convergence"]["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|finding| finding["application"] == "platform"
                && finding["object"] == "ExternalSecret/argocd/sakk-oidc"
                && finding["wave"] == 3
                && finding["rule"] == "external-secret"),
        "{report}"
    );
    assert!(!out.exists(), "nothing is written");

    let forced = sakk(root, &["render", "--out", "repo", "--no-check"]);
    let stderr = String::from_utf8_lossy(&forced.stderr);
    assert!(forced.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning: cluster `demo`: the tree cannot converge"),
        "{stderr}"
    );
    assert!(out.join("clusters/demo/root.yaml").exists());
}
