//! `sakk state pull|push|history|restore|unlock` on the S3 backend and on a local state, and
//! Ctrl-C releasing the lock.

use crate::harness::{Env, Flavour, finish, signal, text};
use sakk_testkit::proxy::ProxyFaults;
use std::time::{Duration, Instant};

/// Equal but for the fencing counter (each lock acquisition stamps it).
fn same_content(left: &serde_json::Value, right: &serde_json::Value) -> bool {
    let strip = |value: &serde_json::Value| {
        let mut value = value.clone();
        if let Some(object) = value.as_object_mut() {
            object.remove("fencing");
        }
        value
    };
    strip(left) == strip(right)
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn pull_push_history_and_restore() {
    let env = Env::start(Flavour::S3Object, 1);
    let output = env.sakk(&["init"]);
    assert!(output.status.success(), "{}", text(&output));
    let output = env.sakk(&["apply", "--yes"]);
    assert!(output.status.success(), "{}", text(&output));
    let original = env.pulled();
    let serial = original["serial"].as_u64().expect("serial");
    let lineage = original["lineage"].as_str().expect("lineage").to_owned();
    let backup = env.dir.path().join("backup.json");
    std::fs::write(&backup, serde_json::to_vec_pretty(&original).expect("json")).expect("write");

    // History: newest first, the current one marked, each with its serial and writer.
    let output = env.sakk(&["state", "history", "--limit", "5"]);
    assert!(output.status.success(), "{}", text(&output));
    let table = String::from_utf8_lossy(&output.stdout).into_owned();
    let rows: Vec<&str> = table.lines().collect();
    assert!(rows[0].starts_with("VERSION"), "{table}");
    assert_eq!(rows.len(), 6, "a header and --limit rows:\n{table}");
    assert!(
        rows[1].contains(" * ") && rows[1].contains(&serial.to_string()),
        "{table}"
    );
    assert!(
        rows[1].contains("tester@") && rows[1].contains("apply"),
        "{table}"
    );
    let output = env.sakk(&["state", "history", "--output", "json", "--limit", "1000"]);
    let history: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let versions = history.as_array().expect("list");
    assert!(versions.len() as u64 >= serial, "every write is a version");

    // Pushing the same state changes nothing; an older serial or another lineage is refused.
    let output = env.sakk(&["state", "push", "backup.json"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        stderr(&output).contains("nothing to push"),
        "{}",
        text(&output)
    );
    let mut older = original.clone();
    older["serial"] = (serial - 1).into();
    older["resources"] = serde_json::json!({});
    std::fs::write(env.dir.path().join("older.json"), older.to_string()).expect("write");
    let output = env.sakk(&["state", "push", "older.json"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        stderr(&output).contains("older than the stored state"),
        "{}",
        text(&output)
    );
    let mut other = original.clone();
    other["lineage"] = "another-life".into();
    // A file's fencing counter means nothing to the lock held now.
    other["fencing"] = 999.into();
    other["resources"] = serde_json::json!({});
    std::fs::write(env.dir.path().join("other.json"), other.to_string()).expect("write");
    let output = env.sakk(&["state", "push", "other.json"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        stderr(&output).contains("has lineage another-life"),
        "{}",
        text(&output)
    );
    assert!(
        same_content(&env.pulled(), &original),
        "refused pushes change nothing but the lock's fencing counter"
    );
    let mut foreign = original.clone();
    foreign["cluster"] = "someone-else".into();
    std::fs::write(env.dir.path().join("foreign.json"), foreign.to_string()).expect("write");
    let output = env.sakk(&["state", "push", "--force", "foreign.json"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "another cluster, even forced"
    );

    // Forced: written as the next serial.
    let output = env.sakk(&["state", "push", "--force", "other.json"]);
    assert!(output.status.success(), "{}", text(&output));
    let pushed = env.pulled();
    assert_eq!(pushed["lineage"], "another-life");
    assert_eq!(pushed["serial"], serial + 1);
    assert_eq!(pushed["resources"], serde_json::json!({}));

    // Restore the version that was current before the push.
    let good = versions[0]["version_id"].as_str().expect("version");
    let output = env.sakk(&["state", "restore", good]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "another lineage needs --force"
    );
    assert!(
        stderr(&output).contains("another life"),
        "{}",
        text(&output)
    );
    let output = env.sakk(&["state", "restore", good, "--force"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        stderr(&output).contains(&format!("Restored version {good}")),
        "{}",
        text(&output)
    );
    let restored = env.pulled();
    assert_eq!(restored["lineage"], lineage.as_str());
    assert_eq!(restored["serial"], serial + 2, "a restore is a new serial");
    assert!(
        restored["resources"] == original["resources"],
        "the resources are back"
    );
    let output = env.sakk(&["plan", "--detailed-exitcode"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let output = env.sakk(&["state", "restore", "no-such-version"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));

    // The local backend: pull and push work; history, restore and unlock say why not.
    let cluster = env.dir.path().join("cluster.hcl");
    let text_without_backend: String = {
        let mut out = String::new();
        let mut skipping = false;
        for line in std::fs::read_to_string(&cluster).expect("read").lines() {
            if line.trim_start().starts_with("backend \"s3\"") {
                skipping = true;
            } else if skipping {
                skipping = line.trim() != "}";
            } else {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    };
    std::fs::write(&cluster, text_without_backend).expect("write");
    let output = env.sakk(&["state", "pull"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        stderr(&output).contains("no state for cluster `simple` yet"),
        "{}",
        text(&output)
    );
    let output = env.sakk(&["state", "push", "backup.json"]);
    assert!(output.status.success(), "{}", text(&output));
    let local: serde_json::Value = serde_json::from_slice(
        &std::fs::read(env.dir.path().join(".sakk/simple/state.json")).expect("local state"),
    )
    .expect("json");
    assert_eq!(local["lineage"], lineage.as_str());
    let output = env.sakk(&["state", "history"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        stderr(&output).contains("not available for a local state"),
        "{}",
        text(&output)
    );
    let output = env.sakk(&["state", "restore", good]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let output = env.sakk(&["state", "unlock", "local"]);
    assert!(
        output.status.success() && stderr(&output).contains("is not locked"),
        "{}",
        text(&output)
    );
    let output = env.sakk(&["init"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        stderr(&output).contains("nothing to prepare"),
        "{}",
        text(&output)
    );
}

#[test]
fn ctrl_c_releases_the_lock() {
    for flavour in [Flavour::S3Object, Flavour::DynamoDb] {
        let env = Env::start(flavour, 1);
        let output = env.sakk(&["init"]);
        assert!(output.status.success(), "{}", text(&output));
        env.proxies[0].set_faults(ProxyFaults {
            latency: Duration::from_millis(25),
            ..ProxyFaults::default()
        });
        let child = env.spawn(0, &["apply", "--yes"]);
        let deadline = Instant::now() + Duration::from_secs(60);
        while env.proxies[0].counts().total_writes() < 10 {
            assert!(Instant::now() < deadline, "the apply never got going");
            std::thread::sleep(Duration::from_millis(2));
        }
        signal(&child, "INT");
        let output = finish(child, Duration::from_secs(30));
        assert_eq!(output.status.code(), Some(1), "{}", text(&output));
        assert!(stderr(&output).contains("interrupted"), "{}", text(&output));
        let lock = env.sakk(&["state", "unlock", "any"]);
        assert!(
            stderr(&lock).contains("not locked"),
            "{flavour:?}: released on Ctrl-C:\n{}",
            text(&lock)
        );
        // The default lease (a minute) is not waited for: the next apply goes at once.
        env.proxies[0].set_faults(ProxyFaults::default());
        let output = env.sakk(&["apply", "--yes"]);
        assert!(output.status.success(), "{}", text(&output));
    }
}

#[test]
fn plan_reads_without_the_lock_and_lock_timeout_waits_for_it() {
    let env = Env::start(Flavour::DynamoDb, 2);
    let output = env.sakk(&["init"]);
    assert!(output.status.success(), "{}", text(&output));
    env.proxies[0].set_faults(ProxyFaults {
        latency: Duration::from_millis(25),
        ..ProxyFaults::default()
    });
    let first = env.spawn(0, &["apply", "--yes"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while env.proxies[0].counts().total_writes() < 5 {
        assert!(Instant::now() < deadline, "the apply never got going");
        std::thread::sleep(Duration::from_millis(2));
    }
    let sakk = |args: &[&str]| env.command(1, args).output().expect("sakk runs");
    let output = sakk(&["plan", "--lock"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        stderr(&output).contains("the state is locked"),
        "{}",
        text(&output)
    );
    // Without --lock, plan is not held up: it reads what it finds (here, a half-made
    // cluster, which is why `--lock` exists).
    let output = sakk(&["plan"]);
    assert!(
        !stderr(&output).contains("locked")
            && String::from_utf8_lossy(&output.stdout).contains("Plan:"),
        "plan reads without the lock:\n{}",
        text(&output)
    );
    let output = sakk(&["apply", "--yes", "--lock-timeout", "2m"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        stderr(&output).contains("Waiting up to 2m 00s for the lock"),
        "{}",
        text(&output)
    );
    let first = finish(first, Duration::from_secs(60));
    assert!(first.status.success(), "{}", text(&first));
    let output = sakk(&["apply", "--lock-timeout", "soon"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        stderr(&output).contains("a duration such as `30s`"),
        "{}",
        text(&output)
    );
}

#[test]
fn credentials_never_reach_output_the_state_or_the_lock() {
    let env = Env::start(Flavour::S3Object, 1);
    let secret = "sakkTestSecretKey0123456789abcdefghijklmn";
    let token = "sakkTestSessionToken9876543210zyxwvutsrq";
    let key = "AKIASAKKTESTKEY00001";
    let mut seen = String::new();
    for args in [
        &["init"][..],
        &["apply", "--yes"],
        &["state", "pull"],
        &["state", "history"],
    ] {
        let output = env
            .command(0, args)
            .env("AWS_ACCESS_KEY_ID", key)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env("AWS_SESSION_TOKEN", token)
            .output()
            .expect("sakk runs");
        assert!(output.status.success(), "{args:?}: {}", text(&output));
        seen.push_str(&text(&output));
    }
    for key_name in [
        crate::harness::KEY.to_owned(),
        format!("{}.lock", crate::harness::KEY),
    ] {
        let object = env
            .runtime
            .block_on(env.backend.objects.get(crate::harness::BUCKET, &key_name))
            .expect("get")
            .expect("stored");
        seen.push_str(&String::from_utf8_lossy(&object.body));
        seen.push_str(&format!("{:?}", object.metadata));
    }
    assert!(seen.contains("eks_cluster.main") && seen.contains("\"holder\""));
    for value in [secret, token, key] {
        assert!(!seen.contains(value), "{value} leaked");
    }
}
