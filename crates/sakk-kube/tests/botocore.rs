//! The token's presigned URL cross-checked against botocore's, which `aws eks get-token` uses:
//! the same credentials, region, cluster and signing time must give the same URL: the same host,
//! path and query parameters with the same values (the signature included). Only the position of
//! `X-Amz-Security-Token` differs (botocore puts it before the signature, aws-sigv4 after), which
//! the signature does not cover.
//! Runs botocore from the test venv (`$SAKK_TEST_PYTHON`, set by `scripts/test`); fails, never
//! skips, without it.

use aws_credential_types::Credentials;
use sakk_kube::token::{presign, presigned_url};
use std::process::Command;
use std::time::{Duration, SystemTime};

/// botocore's presigner as `awscli/customizations/eks/get_token.py` calls it, at a fixed time.
const BOTOCORE: &str = r#"
import datetime, sys
from unittest import mock
import botocore.auth, botocore.session
from botocore.signers import RequestSigner
from botocore.model import ServiceId
key, secret, token, region, cluster, epoch = sys.argv[1:7]
session = botocore.session.get_session()
client = session.create_client("sts", region_name=region, aws_access_key_id=key,
                               aws_secret_access_key=secret, aws_session_token=token or None)
signer = RequestSigner(ServiceId("sts"), region, "sts", "v4",
                       client._request_signer._credentials, session.get_component("event_emitter"))
params = {"method": "GET",
          "url": "https://sts.{}.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15".format(region),
          "body": {}, "headers": {"x-k8s-aws-id": cluster}, "context": {}}
now = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).replace(tzinfo=None)
with mock.patch.object(botocore.auth, "get_current_datetime", return_value=now):
    print(signer.generate_presigned_url(params, region_name=region, expires_in=60, operation_name=""))
"#;

fn botocore(credentials: (&str, &str, &str), region: &str, cluster: &str, epoch: u64) -> String {
    let python = std::env::var("SAKK_TEST_PYTHON")
        .expect("SAKK_TEST_PYTHON must name the test venv's python (run scripts/test)");
    let output = Command::new(python)
        .args(["-c", BOTOCORE])
        .args([credentials.0, credentials.1, credentials.2, region, cluster])
        .arg(epoch.to_string())
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "botocore failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("UTF-8")
        .trim()
        .to_owned()
}

/// The URL before `?`, and its query parameters in order of name.
fn parts(url: &str) -> (String, Vec<String>) {
    let (base, query) = url.split_once('?').expect("a query");
    let mut params: Vec<String> = query.split('&').map(str::to_owned).collect();
    params.sort();
    (base.to_owned(), params)
}

#[test]
fn sakk_signs_the_same_url_as_botocore() {
    let cases = [
        (
            (
                "AKIDEXAMPLE",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                "",
            ),
            "eu-west-1",
            "ml-dev",
            1_795_000_000,
        ),
        (
            (
                "ASIAEXAMPLE",
                "s3cr3t/with+signs=",
                "IQoJb3JpZ2luX2VjE/+=session",
            ),
            "us-east-2",
            "team_a-prod",
            1_800_000_123,
        ),
        (("AKID2", "other", ""), "ap-southeast-2", "x", 1_764_547_200),
    ];
    for ((key, secret, session), region, cluster, epoch) in cases {
        let credentials = Credentials::new(
            key,
            secret,
            (!session.is_empty()).then(|| session.to_owned()),
            None,
            "test",
        );
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(epoch);
        let ours = presign(&credentials, region, cluster, now).expect("signed");
        let theirs = botocore((key, secret, session), region, cluster, epoch);
        assert_eq!(parts(&ours), parts(&theirs), "{region} {cluster}");
        assert!(ours.contains("X-Amz-Signature="));
        let token = sakk_kube::eks_token(&credentials, region, cluster, now).expect("token");
        assert_eq!(presigned_url(token.expose()).expect("url"), ours);
    }
}
