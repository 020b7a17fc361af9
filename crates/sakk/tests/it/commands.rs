//! The commands other than `new`: what they print, where, and with which exit code.

use crate::support::{assert_code, native_cluster, read, repository, sakk, temporary, write};

#[test]
fn validate_json_has_file_line_column_field_message_and_hint() {
    let directory = temporary();
    write(
        directory.path(),
        "prod.hcl",
        native_cluster("prod", "ml.example.com", "clusters/prod").replace(
            "acme_email     = \"ops@example.com\"",
            "acme_emial     = \"ops@example.com\"",
        ),
    );
    let run = sakk(directory.path(), &["validate", "--output", "json"]);
    assert_code(&run, 1);
    assert!(
        run.stderr.is_empty(),
        "JSON mode prints nothing on stderr: {}",
        run.stderr
    );
    let report = run.json();
    assert_eq!(report["valid"], false);
    assert_eq!(report["errors"], 1);
    assert_eq!(report["clusters"], serde_json::json!([]));
    let diagnostic = &report["diagnostics"][0];
    assert_eq!(diagnostic["severity"], "error");
    assert_eq!(diagnostic["file"], "prod.hcl");
    assert_eq!(diagnostic["line"], 5);
    assert_eq!(diagnostic["column"], 3);
    assert_eq!(diagnostic["end_line"], 5);
    assert_eq!(diagnostic["end_column"], 13);
    assert_eq!(diagnostic["field"], "cluster[\"prod\"].acme_emial");
    assert_eq!(diagnostic["code"], "unknown-setting");
    assert_eq!(
        diagnostic["message"],
        "unknown setting `acme_emial` in `cluster \"prod\"`"
    );
    assert_eq!(diagnostic["hint"], "did you mean `acme_email`?");
}

#[test]
fn validate_json_of_valid_files_lists_the_clusters() {
    let run = sakk(
        &repository().join("examples/sakk-simple"),
        &["validate", "--output", "json"],
    );
    assert_code(&run, 0);
    let report = run.json();
    assert_eq!(report["valid"], true);
    assert_eq!(report["errors"], 0);
    assert_eq!(report["clusters"], serde_json::json!(["simple"]));
    // The `.local` domain of the example is worth a warning, not an error.
    assert_eq!(report["warnings"], 1);
    assert_eq!(report["diagnostics"][0]["severity"], "warning");
}

#[test]
fn validate_names_files_and_directories_explicitly() {
    let examples = repository().join("examples");
    let run = sakk(
        &examples,
        &["validate", "sakk-simple/main.tf", "native-simple"],
    );
    // Both define the cluster `simple`: as one fleet, that is a collision.
    assert_code(&run, 1);
    assert!(
        run.stderr
            .contains("two cluster files define the cluster `simple`"),
        "{}",
        run.stderr
    );
    let run = sakk(&examples, &["validate", "sakk-simple/main.tf"]);
    assert_code(&run, 0);
    assert!(
        run.stderr.contains("(SAKK form, sakk-simple/main.tf)"),
        "{}",
        run.stderr
    );
}

#[test]
fn show_prints_the_resolved_model_as_hcl_and_json() {
    let directory = repository().join("examples/native-simple");
    let run = sakk(&directory, &["show"]);
    assert_code(&run, 0);
    insta::assert_snapshot!("show_native_simple_hcl", run.stdout);
    // The warning about `.local` goes to stderr, never into the data.
    assert!(
        run.stderr.contains("warning: `.local` names"),
        "{}",
        run.stderr
    );

    let run = sakk(&directory, &["show", "--output", "json"]);
    assert_code(&run, 0);
    let model = run.json();
    assert_eq!(model["name"], "simple");
    assert_eq!(model["region"], "us-east-2");
    assert_eq!(model["kubeflow"]["release"], "26.03");
    assert_eq!(
        model["gitops"]["repo_url"],
        "https://github.com/github-repo-owner/github-repo-name.git"
    );
    assert_eq!(
        model["names"]["ownership_tags"]["sakk.dev/cluster"],
        "simple"
    );
}

#[test]
fn show_of_invalid_files_reports_and_prints_no_model() {
    let directory = temporary();
    write(
        directory.path(),
        "bad.hcl",
        native_cluster("bad", "ml.example.com", "clusters/bad").replace("eu-west-1", "eu-west-9"),
    );
    let run = sakk(directory.path(), &["show"]);
    assert_code(&run, 1);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.contains("`eu-west-9` is not an AWS region"),
        "{}",
        run.stderr
    );
    let run = sakk(directory.path(), &["show", "--output", "json"]);
    assert_code(&run, 1);
    assert_eq!(run.json()["valid"], false);
}

#[test]
fn show_cluster_picks_one_cluster_of_a_fleet() {
    let directory = temporary();
    write(
        directory.path(),
        "dev.hcl",
        native_cluster("dev", "dev.ml.example.com", "clusters/dev"),
    );
    write(
        directory.path(),
        "prod.hcl",
        native_cluster("prod", "ml.example.com", "clusters/prod"),
    );
    let run = sakk(directory.path(), &["show", "--output", "json"]);
    assert_code(&run, 0);
    let models = run.json();
    assert_eq!(models.as_array().map(Vec::len), Some(2));

    let run = sakk(
        directory.path(),
        &["show", "--output", "json", "--cluster", "prod"],
    );
    assert_code(&run, 0);
    assert_eq!(run.json()["name"], "prod");
    let run = sakk(directory.path(), &["show", "--cluster", "prod"]);
    assert_code(&run, 0);
    assert!(
        run.stdout.starts_with("cluster \"prod\" {"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("cluster \"dev\""), "{}", run.stdout);

    let run = sakk(directory.path(), &["show", "--cluster", "prd"]);
    assert_code(&run, 1);
    assert!(run.stdout.is_empty());
    insta::assert_snapshot!(run.stderr, @r"
    error: no cluster named `prd` in these files
    hint: did you mean `prod`?
    ");
}

#[test]
fn a_fleet_with_overlapping_gitops_paths_fails() {
    let directory = temporary();
    write(
        directory.path(),
        "dev.hcl",
        native_cluster("dev", "dev.ml.example.com", "clusters"),
    );
    write(
        directory.path(),
        "prod.hcl",
        native_cluster("prod", "ml.example.com", "clusters/prod"),
    );
    let run = sakk(directory.path(), &["validate"]);
    assert_code(&run, 1);
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn a_fleet_with_colliding_names_fails() {
    let directory = temporary();
    write(
        directory.path(),
        "clusters/a.hcl",
        native_cluster("ml", "a.ml.example.com", "clusters/a"),
    );
    write(
        directory.path(),
        "clusters/b.hcl",
        native_cluster("ml", "b.ml.example.com", "clusters/b"),
    );
    let run = sakk(directory.path(), &["validate", "clusters"]);
    assert_code(&run, 1);
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn a_directory_without_cluster_files_is_an_error_with_a_hint() {
    let directory = temporary();
    write(directory.path(), "README.md", "not a cluster\n");
    let run = sakk(directory.path(), &["validate"]);
    assert_code(&run, 1);
    let path = directory
        .path()
        .canonicalize()
        .unwrap_or_else(|_| directory.path().to_owned());
    let stderr = run.stderr.replace(&path.display().to_string(), "[DIR]");
    insta::assert_snapshot!(stderr, @r"
    error: no cluster files (main.tf, *.hcl) in [DIR]
    hint: write one with `sakk new`, or name the files: `sakk validate path/to/cluster.hcl`
    ");
    let run = sakk(directory.path(), &["validate", "missing.hcl"]);
    assert_code(&run, 1);
    insta::assert_snapshot!(run.stderr, @r"
    error: `missing.hcl` does not exist
    hint: name a cluster file (main.tf or *.hcl) or a directory holding some
    ");
}

#[test]
fn version_prints_sakk_and_the_kubeflow_releases() {
    let directory = temporary();
    let run = sakk(directory.path(), &["version"]);
    assert_code(&run, 0);
    assert!(
        run.stdout
            .starts_with(&format!("sakk {}\n", env!("CARGO_PKG_VERSION"))),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("26.03"), "{}", run.stdout);
    let run = sakk(directory.path(), &["version", "--output", "json"]);
    assert_code(&run, 0);
    let report = run.json();
    assert_eq!(report["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(report["default_kubeflow_release"], "26.03");
    let run = sakk(directory.path(), &["--version"]);
    assert_code(&run, 0);
    assert!(run.stdout.contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn completions_are_printed_for_each_shell() {
    let directory = temporary();
    let run = sakk(directory.path(), &["completions", "bash"]);
    assert_code(&run, 0);
    assert!(run.stdout.contains("complete -F _sakk"), "{}", run.stdout);
    for subcommand in ["validate", "show", "new", "demo", "version", "completions"] {
        assert!(
            run.stdout.contains(subcommand),
            "bash completion lacks {subcommand}"
        );
    }
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let run = sakk(directory.path(), &["completions", shell]);
        assert_code(&run, 0);
        assert!(run.stdout.contains("validate"), "{shell}: {}", run.stdout);
    }
    let run = sakk(directory.path(), &["completions", "tcsh"]);
    assert_code(&run, 1);
}

#[test]
fn usage_errors_exit_1_and_help_exits_0() {
    let directory = temporary();
    for arguments in [
        &["frobnicate"][..],
        &[],
        &["validate", "--output", "xml"],
        &["show", "--cluster"],
        &["--color", "sometimes", "version"],
        &[
            "new",
            "--github",
            "o/r",
            "--git-url",
            "https://example.com/r.git",
        ],
    ] {
        let run = sakk(directory.path(), arguments);
        assert_code(&run, 1);
        assert!(run.stdout.is_empty(), "{arguments:?}: {}", run.stdout);
        // clap shows the usage, or points at `--help` for a bad value.
        assert!(
            run.stderr.contains("Usage:") || run.stderr.contains("try '--help'"),
            "{arguments:?}: {}",
            run.stderr
        );
    }
    let run = sakk(directory.path(), &["--help"]);
    assert_code(&run, 0);
    for text in [
        "validate",
        "show",
        "new",
        "demo",
        "version",
        "completions",
        "Exit codes:",
        "101",
    ] {
        assert!(
            run.stdout.contains(text),
            "--help lacks {text}: {}",
            run.stdout
        );
    }
    let run = sakk(directory.path(), &["validate", "--help"]);
    assert_code(&run, 0);
    assert!(run.stdout.contains("Examples:"), "{}", run.stdout);
    let run = sakk(directory.path(), &["new", "-h"]);
    assert_code(&run, 0);
    assert!(run.stdout.contains("--acme-email"), "{}", run.stdout);
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let directory = repository().join("examples/native-simple");
    let run = sakk(&directory, &["validate"]);
    assert!(!run.stderr.contains('\u{1b}'), "{}", run.stderr);
    let run = sakk(&directory, &["validate", "--color", "always"]);
    assert_code(&run, 0);
    assert!(run.stderr.contains('\u{1b}'), "{}", run.stderr);
}

#[test]
fn demo_runs_offline_in_a_directory_of_its_own() {
    let directory = temporary();
    let run = sakk(directory.path(), &["demo", "--dir", "here"]);
    assert_code(&run, 0);
    let cluster_file = directory.path().join("here/cluster.hcl");
    let text = read(&cluster_file);
    assert!(text.contains("cluster \"demo\""), "{text}");
    let remote = directory
        .path()
        .canonicalize()
        .unwrap_or_else(|_| directory.path().to_owned())
        .join("here/gitops.git");
    assert!(
        text.contains(&format!("file://{}", remote.display())),
        "the demo's GitOps remote is local: {text}"
    );
    assert!(
        run.stderr.contains("✓ cluster `demo` is valid"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.starts_with("cluster \"demo\" {"),
        "{}",
        run.stdout
    );
    // What it wrote is a cluster file like any other.
    let run = sakk(&directory.path().join("here"), &["validate"]);
    assert_code(&run, 0);
}
