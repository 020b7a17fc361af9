//! No credential appears in what sakk prints or writes.

use crate::harness::{Env, text};

#[test]
fn credentials_never_reach_output_state_or_lock_files() {
    let env = Env::start();
    env.prepare("simple");
    let secret = "sakkTestSecretKey0123456789abcdefghijklmn";
    let token = "sakkTestSessionToken9876543210zyxwvutsrq";
    let key = "AKIASAKKTESTKEY00001";
    let credentials = [
        ("AWS_ACCESS_KEY_ID", key),
        ("AWS_SECRET_ACCESS_KEY", secret),
        ("AWS_SESSION_TOKEN", token),
    ];
    let mut seen = String::new();
    for args in [
        &["plan", "--output", "json"][..],
        &["apply", "--yes"],
        &["state", "show"],
        &["state", "list"],
        &["plan"],
        &["destroy", "--yes"],
    ] {
        let output = env.sakk_with(args, &credentials);
        assert!(output.status.success(), "{args:?}: {}", text(&output));
        seen.push_str(&text(&output));
    }
    let state_dir = env.dir.path().join(".sakk");
    let mut files = vec![state_dir.join("simple").join("state.json")];
    files.push(state_dir.join("simple").join("state.json.lock"));
    for file in &files {
        seen.push_str(&std::fs::read_to_string(file).unwrap_or_default());
    }
    assert!(
        seen.contains("eks_cluster.main"),
        "the scan saw the outputs"
    );
    for value in [secret, token, key] {
        assert!(!seen.contains(value), "{value} leaked");
    }
}
