//! After an apply, the GitOps tree is rendered with the AWS values of the state, not
//! placeholders: `sakk output` prints them and `sakk render` uses them.

use crate::harness::{Env, text};

#[test]
fn render_after_apply_uses_the_outputs_recorded_in_the_state() {
    let env = Env::start();
    env.prepare("simple");

    let output = env.sakk(&["output"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        text(&output).contains("run `sakk apply` first"),
        "{}",
        text(&output)
    );

    let output = env.sakk(&["apply", "--yes"]);
    assert!(output.status.success(), "{}", text(&output));

    let output = env.sakk(&["output"]);
    assert!(output.status.success(), "{}", text(&output));
    let outputs: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("`sakk output` prints JSON");
    let account = outputs["account_id"].as_str().expect("account");
    assert_eq!(account.len(), 12);
    assert_ne!(account, "000000000000", "{outputs:#}");
    let vpc = outputs["vpc_id"].as_str().expect("vpc");
    assert!(
        vpc.starts_with("vpc-") && vpc != "vpc-00000000000000000",
        "{outputs:#}"
    );
    let role = outputs["service_account_role_arns"]["external-dns"]
        .as_str()
        .expect("external-dns role");
    assert_eq!(
        role,
        format!("arn:aws:iam::{account}:role/simple-external-dns")
    );
    // Cognito is not created by the engine yet: it stays a placeholder, and sakk says so.
    assert!(
        text(&output).contains("still placeholders: Cognito"),
        "{}",
        text(&output)
    );

    let rendered = env.dir.path().join("rendered");
    let output = env.sakk(&["render", "--out", rendered.to_str().expect("utf-8 path")]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("AWS values come from the state of the last apply"),
        "{}",
        text(&output)
    );
    let tree_path = rendered.join("examples/simple/argocd-applications/external-dns.yaml");
    let application = std::fs::read_to_string(&tree_path).expect("external-dns application");
    assert!(application.contains(role), "{application}");
    assert!(!application.contains("000000000000"), "{application}");
}
