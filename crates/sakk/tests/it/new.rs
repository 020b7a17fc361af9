//! `sakk new` without a terminal: everything comes from flags, and nothing is written unless it
//! makes a valid cluster.

use crate::support::{assert_code, read, sakk, temporary, write};

const FLAGS: &[&str] = &[
    "new",
    "ml-dev",
    "--region",
    "eu-west-1",
    "--domain",
    "ml.example.com",
    "--parent-zone-id",
    "Z0123456789ABCDEFGHIJ",
    "--acme-email",
    "ops@example.com",
    "--github",
    "example-org/ml-platform",
    "--admin",
    "arn:aws:iam::123456789012:role/platform-admins",
    "--user",
    "ada=ada@example.com",
    "--no-input",
];

#[test]
fn new_writes_a_commented_file_that_validates() {
    let directory = temporary();
    let run = sakk(directory.path(), FLAGS);
    assert_code(&run, 0);
    assert!(run.stderr.contains("✓ wrote ml-dev.hcl"), "{}", run.stderr);
    let text = read(&directory.path().join("ml-dev.hcl"));
    assert!(text.starts_with("# Cluster file for `ml-dev`"), "{text}");
    // Every optional setting is there, commented, for the reader to discover.
    for setting in [
        "# availability_zones",
        "# node_group \"gpu\"",
        "# team \"vision\"",
        "# backend \"s3\"",
        "# identity {",
    ] {
        assert!(
            text.contains(setting),
            "{setting} is not documented:\n{text}"
        );
    }
    let run = sakk(
        directory.path(),
        &["validate", "--output", "json", "ml-dev.hcl"],
    );
    assert_code(&run, 0);
    assert_eq!(run.json()["clusters"], serde_json::json!(["ml-dev"]));
    let run = sakk(directory.path(), &["show", "--output", "json"]);
    assert_code(&run, 0);
    let model = run.json();
    assert_eq!(model["users"][0]["email"], "ada@example.com");
    assert_eq!(model["admins"][0]["access"], "cluster-admin");
    assert_eq!(model["dns"]["parent_zone_id"], "Z0123456789ABCDEFGHIJ");
}

#[test]
fn new_refuses_to_overwrite_without_force() {
    let directory = temporary();
    write(directory.path(), "ml-dev.hcl", "# mine\n");
    let run = sakk(directory.path(), FLAGS);
    assert_code(&run, 1);
    assert!(
        run.stderr.contains("`ml-dev.hcl` already exists"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(read(&directory.path().join("ml-dev.hcl")), "# mine\n");

    let mut forced = FLAGS.to_vec();
    forced.push("--force");
    let run = sakk(directory.path(), &forced);
    assert_code(&run, 0);
    assert!(read(&directory.path().join("ml-dev.hcl")).contains("cluster \"ml-dev\""));
}

#[test]
fn new_writes_where_it_is_told() {
    let directory = temporary();
    let mut arguments = FLAGS.to_vec();
    arguments.extend(["--out", "clusters/dev/cluster.hcl", "--branch", "platform"]);
    let run = sakk(directory.path(), &arguments);
    assert_code(&run, 0);
    let text = read(&directory.path().join("clusters/dev/cluster.hcl"));
    assert!(text.contains("branch = \"platform\""), "{text}");
    assert!(!directory.path().join("ml-dev.hcl").exists());
}

#[test]
fn new_without_the_required_flags_says_which_and_writes_nothing() {
    let directory = temporary();
    let run = sakk(
        directory.path(),
        &["new", "ml-dev", "--region", "eu-west-1", "--no-input"],
    );
    assert_code(&run, 1);
    insta::assert_snapshot!(run.stderr, @r"
    error: missing --domain, --acme-email, --github or --git-url
    hint: run `sakk new` on a terminal to be asked, or pass them: `sakk new ml-dev --region eu-west-1 --domain ml.example.com --acme-email ops@example.com --github example-org/ml-platform`
    ");
    assert_eq!(
        std::fs::read_dir(directory.path())
            .map(Iterator::count)
            .ok(),
        Some(0)
    );

    // Without a terminal, `sakk new` never waits for answers, even without `--no-input`.
    let run = sakk(directory.path(), &["new"]);
    assert_code(&run, 1);
    assert!(
        run.stderr.contains("missing NAME, --region"),
        "{}",
        run.stderr
    );
}

#[test]
fn new_with_invalid_values_reports_them_and_writes_nothing() {
    let directory = temporary();
    let mut arguments: Vec<&str> = FLAGS
        .iter()
        .map(|argument| match *argument {
            "ops@example.com" => "ops-at-example.com",
            "eu-west-1" => "eu-west-7",
            other => other,
        })
        .collect();
    arguments.push("--force");
    let run = sakk(directory.path(), &arguments);
    assert_code(&run, 1);
    assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
    assert!(
        run.stderr.contains("`eu-west-7` is not an AWS region"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("`ops-at-example.com` is not an e-mail address"),
        "{}",
        run.stderr
    );
    assert!(!directory.path().join("ml-dev.hcl").exists());

    let run = sakk(
        directory.path(),
        &["new", "ml-dev", "--user", "ada", "--no-input"],
    );
    assert_code(&run, 1);
    assert!(
        run.stderr.contains("`--user ada` is not `username=email`"),
        "{}",
        run.stderr
    );
}
