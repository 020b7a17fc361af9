//! `sakk new` on a terminal: it asks for what the flags did not give, checks each answer as it is
//! typed (asking again when it is wrong), and writes a file that validates.

use crate::support::{assert_code, read, sakk, temporary};
use rexpect::session::{PtySession, spawn_command};
use std::process::Command;

/// Waits for `text` on the terminal.
#[track_caller]
fn expect(session: &mut PtySession, text: &str) {
    if let Err(error) = session.exp_string(text) {
        panic!("`{text}` did not appear on the terminal: {error}");
    }
}

/// Types `line` and Enter.
#[track_caller]
fn answer(session: &mut PtySession, line: &str) {
    if let Err(error) = session.send_line(line) {
        panic!("cannot type `{line}`: {error}");
    }
}

#[test]
fn new_on_a_terminal_asks_checks_each_answer_and_writes_a_valid_file() {
    let directory = temporary();
    let mut command = Command::new(env!("CARGO_BIN_EXE_sakk"));
    command
        .args(["new", "--user", "ada=ada@example.com"])
        .current_dir(directory.path())
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .env_remove("CLICOLOR_FORCE");
    let mut session = match spawn_command(command, Some(20_000)) {
        Ok(session) => session,
        Err(error) => panic!("cannot start sakk on a terminal: {error}"),
    };

    expect(&mut session, "Cluster name");
    answer(&mut session, "ML_dev");
    expect(&mut session, "not a cluster name");
    answer(&mut session, "ml-dev");

    expect(&mut session, "AWS region");
    answer(&mut session, "eu-west-11");
    expect(&mut session, "did you mean `eu-west-1`?");
    answer(&mut session, "eu-west-1");

    expect(&mut session, "Domain");
    answer(&mut session, "ml..example.com");
    expect(&mut session, "not a domain name");
    answer(&mut session, "ml.example.com");

    expect(&mut session, "Route53 ID of the parent zone");
    answer(&mut session, "");

    expect(&mut session, "E-mail for Let's Encrypt");
    answer(&mut session, "ops-at-example.com");
    expect(&mut session, "not an e-mail address");
    answer(&mut session, "ops@example.com");

    expect(&mut session, "GitOps repository");
    answer(&mut session, "example-org");
    expect(&mut session, "write `owner/repository`");
    answer(&mut session, "example-org/ml-platform");

    expect(&mut session, "IAM ARN with cluster-admin access");
    answer(&mut session, "arn:aws:iam::1234:role/platform-admins");
    expect(&mut session, "not an IAM user or role ARN");
    answer(
        &mut session,
        "arn:aws:iam::123456789012:role/platform-admins",
    );

    expect(&mut session, "wrote ml-dev.hcl");
    if let Err(error) = session.exp_eof() {
        panic!("sakk new did not end: {error}");
    }

    let text = read(&directory.path().join("ml-dev.hcl"));
    for line in [
        "cluster \"ml-dev\" {",
        "region  = \"eu-west-1\"",
        "domains = [\"ml.example.com\"]",
        "# parent_zone_id",
        "acme_email = \"ops@example.com\"",
        "example-org",
        "ml-platform",
        "arn:aws:iam::123456789012:role/platform-admins",
        "ada@example.com",
    ] {
        assert!(text.contains(line), "`{line}` is not in the file:\n{text}");
    }
    let run = sakk(directory.path(), &["validate", "ml-dev.hcl"]);
    assert_code(&run, 0);
}
