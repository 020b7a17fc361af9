//! `sakk init` on an empty account: the bucket and the lock table with the right settings,
//! read back; a second run changes nothing; a local state moves to S3 only when asked.

use crate::harness::{BUCKET, Env, Flavour, KEY, TABLE, text};
use sakk_cloud::s3::PublicAccessBlock;

#[test]
fn init_creates_the_backend_with_the_right_settings_and_is_idempotent() {
    let env = Env::start(Flavour::DynamoDb, 1);
    // Before `init`, an apply stops at the missing backend and says what to run.
    let output = env.sakk(&["apply", "--yes"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("with `sakk init`"),
        "{}",
        text(&output)
    );
    let output = env.sakk(&["init"]);
    assert!(output.status.success(), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("AWS account 123456789012"), "{stderr}");
    assert!(
        stderr.contains(&format!("Created bucket {BUCKET}")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("Created lock table {TABLE}")),
        "{stderr}"
    );
    assert!(stderr.contains("Next: `sakk plan`"), "{stderr}");

    let s3 = &env.backend.s3;
    let block_on = |future| env.runtime.block_on(future);
    assert!(block_on(s3.versioning(BUCKET)).expect("versioning"));
    assert_eq!(
        env.runtime
            .block_on(s3.encryption(BUCKET))
            .expect("encryption")
            .as_deref(),
        Some("AES256")
    );
    assert_eq!(
        env.runtime
            .block_on(s3.public_access_block(BUCKET))
            .expect("public access block"),
        PublicAccessBlock::ALL
    );
    let tags = env.runtime.block_on(s3.bucket_tags(BUCKET)).expect("tags");
    assert_eq!(
        tags.get("sakk.dev/managed-by").map(String::as_str),
        Some("sakk")
    );
    let table = env
        .runtime
        .block_on(env.backend.dynamodb.describe_table(TABLE))
        .expect("describe")
        .expect("the table exists");
    assert_eq!(table.key_schema, [("LockID".to_owned(), "HASH".to_owned())]);
    assert!(
        table
            .attribute_types
            .contains(&("LockID".to_owned(), "S".to_owned()))
    );
    assert_eq!(table.billing_mode, "PAY_PER_REQUEST");
    assert_eq!(table.status, "ACTIVE");

    env.proxies[0].set_faults(Default::default());
    let output = env.sakk(&["init"]);
    assert!(output.status.success(), "{}", text(&output));
    let counts = env.proxies[0].counts();
    assert_eq!(
        counts.total_writes(),
        0,
        "a second init wrote: {:?}",
        counts.writes
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "Bucket {BUCKET} is ready: versioning on, encrypted (AES256), public access blocked"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "Lock table {TABLE} is ready: `LockID` string hash key, pay per request billing"
        )),
        "{stderr}"
    );
}

#[test]
fn init_leaves_a_foreign_bucket_alone_and_migrates_only_when_asked() {
    let env = Env::start(Flavour::S3Object, 1);
    // A bucket someone else made (SAKK's Terraform state bucket): no versioning, no tags.
    env.runtime
        .block_on(env.backend.s3.create_bucket(BUCKET, &Default::default()))
        .expect("bucket");
    // A local state from before the backend was configured.
    let local = env.dir.path().join(".sakk/simple/state.json");
    std::fs::create_dir_all(local.parent().expect("dir")).expect("dir");
    let mut state = sakk_state::State::new("simple", "us-east-2", "lineage-local".into());
    state.serial = 7;
    std::fs::write(&local, state.to_bytes()).expect("local state");

    env.proxies[0].set_faults(Default::default());
    let output = env.sakk(&["init"]);
    assert!(output.status.success(), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not made by sakk"), "{stderr}");
    assert!(stderr.contains("versioning is off"), "{stderr}");
    assert!(stderr.contains("--migrate-state"), "{stderr}");
    assert_eq!(
        env.proxies[0].counts().total_writes(),
        0,
        "a foreign bucket is never changed, and nothing migrates unasked"
    );
    // apply refuses to start a second state beside the local one.
    let output = env.sakk(&["apply", "--yes"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("sakk init --migrate-state"),
        "{}",
        text(&output)
    );

    let output = env.sakk(&["init", "--migrate-state"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(!local.exists(), "the local state is renamed");
    assert!(local.with_file_name("state.json.migrated").exists());
    let pulled = env.pulled();
    assert_eq!(pulled["lineage"], "lineage-local");
    assert_eq!(pulled["serial"], 7);
    let object = env
        .runtime
        .block_on(env.backend.objects.get(BUCKET, KEY))
        .expect("get")
        .expect("the state is in S3");
    assert_eq!(
        object.encryption,
        Some(sakk_cloud::objects::Encryption::S3Managed)
    );

    // Another lineage in S3: the migration is refused and S3 keeps its state.
    let mut other = sakk_state::State::new("simple", "us-east-2", "lineage-other".into());
    other.serial = 3;
    std::fs::write(&local, other.to_bytes()).expect("local state");
    let output = env.sakk(&["init", "--migrate-state"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("another lineage"),
        "{}",
        text(&output)
    );
    assert!(local.exists(), "a refused migration leaves the local file");
    assert_eq!(env.pulled()["lineage"], "lineage-local");
}
