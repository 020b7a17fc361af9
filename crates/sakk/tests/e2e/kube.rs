//! `sakk kubeconfig` and `sakk token` against moto: the entry carries what EKS says of the
//! cluster, keeps the file's other entries, runs sakk itself for credentials, and that command
//! prints a token bound to the cluster, without any write to AWS and without the secret key.

use crate::harness::{Env, REGION, text};
use sakk_testkit::moto::aws_environment;
use serde_json::Value;
use std::process::Command;

const OTHER: &str = "apiVersion: v1\nkind: Config\nclusters:\n- name: kind-kind\n  cluster:\n    server: https://127.0.0.1:6443\nusers:\n- name: kind-kind\n  user:\n    token: abc\ncontexts:\n- name: kind-kind\n  context:\n    cluster: kind-kind\n    user: kind-kind\ncurrent-context: kind-kind\n";

#[test]
fn kubeconfig_then_its_exec_command_gives_a_token_for_the_cluster() {
    let env = Env::start();
    env.prepare("simple");
    let path = env.dir.path().join("kube").join("config");
    let path_arg = path.to_str().expect("utf-8 path");

    let output = env.sakk(&["kubeconfig", "--kubeconfig", path_arg]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        text(&output).contains("run `sakk apply` first"),
        "{}",
        text(&output)
    );
    assert!(
        !path.exists(),
        "nothing is written for a cluster that does not exist"
    );

    let output = env.sakk(&["apply", "--yes"]);
    assert!(output.status.success(), "{}", text(&output));

    std::fs::create_dir_all(path.parent().expect("dir")).expect("dir");
    std::fs::write(&path, OTHER).expect("kubeconfig");
    let before = env.proxy.counts().total_writes();
    let output = env.sakk(&["kubeconfig", "--kubeconfig", path_arg, "--alias", "simple"]);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(
        env.proxy.counts().total_writes(),
        before,
        "kubeconfig writes nothing to AWS"
    );
    assert!(
        text(&output).contains("Added context `simple`"),
        "{}",
        text(&output)
    );

    let config: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(&path).expect("read")).expect("YAML");
    assert_eq!(config["current-context"], "simple");
    let clusters = config["clusters"].as_array().expect("clusters");
    assert_eq!(clusters.len(), 2, "{config:#}");
    assert_eq!(clusters[0]["name"], "kind-kind");
    assert_eq!(config["users"][0]["user"]["token"], "abc");
    let arn = clusters[1]["name"].as_str().expect("arn");
    let eks_name = arn.rsplit('/').next().expect("name");
    let live = env
        .runtime
        .block_on(env.cloud.eks.cluster(eks_name))
        .expect("the cluster in moto");
    assert_eq!(arn, live.arn);
    assert_eq!(
        Some(
            clusters[1]["cluster"]["server"]
                .as_str()
                .expect("server")
                .to_owned()
        ),
        live.endpoint
    );
    assert_eq!(
        Some(
            clusters[1]["cluster"]["certificate-authority-data"]
                .as_str()
                .expect("ca")
                .to_owned()
        ),
        live.certificate_authority
    );
    let exec = &config["users"][1]["user"]["exec"];
    assert_eq!(exec["command"], env!("CARGO_BIN_EXE_sakk"));

    // Run the entry's command as kubectl would, asking for the v1 protocol.
    let args: Vec<&str> = exec["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(|arg| arg.as_str().expect("string"))
        .collect();
    assert_eq!(args, ["token", "--cluster", eks_name, "--region", REGION]);
    let mut command = Command::new(exec["command"].as_str().expect("command"));
    command.args(&args).env_clear().env(
        "KUBERNETES_EXEC_INFO",
        r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}"#,
    );
    let environment = aws_environment(&env.proxy.endpoint(), REGION);
    for (key, value) in &environment {
        command.env(key, value);
    }
    // Credentials of its own, so the secret key can be told from the session token, which a
    // presigned URL carries by design (as `aws eks get-token`'s does).
    let secret = "sakk-test-secret-key-4b9e1c";
    command
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("AWS_SESSION_TOKEN", "sakk-test-session-token");
    let output = command.output().expect("sakk token runs");
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(
        env.proxy.counts().total_writes(),
        before,
        "a token is signed locally"
    );
    let credential: Value = serde_json::from_slice(&output.stdout).expect("ExecCredential JSON");
    assert_eq!(credential["apiVersion"], "client.authentication.k8s.io/v1");
    let token = credential["status"]["token"].as_str().expect("token");
    let url = sakk_kube::token::presigned_url(token).expect("an EKS token");
    assert!(
        url.starts_with(&format!(
            "https://sts.{REGION}.amazonaws.com/?Action=GetCallerIdentity"
        )),
        "{url}"
    );
    assert!(
        url.contains("X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"),
        "{url}"
    );
    assert!(
        url.contains("X-Amz-Security-Token=sakk-test-session-token"),
        "{url}"
    );
    for stream in [&output.stdout, &output.stderr] {
        assert!(!String::from_utf8_lossy(stream).contains(secret));
    }
    assert!(!url.contains(secret));

    // Without a region anywhere the command says what to pass.
    let output = Command::new(env!("CARGO_BIN_EXE_sakk"))
        .args(["token", "--cluster", eks_name])
        .env_clear()
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("sakk token runs");
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("--region"), "{}", text(&output));
}
