//! `sakk init`: prepares the state backend before a cluster's first apply (what
//! `terraform init` and a hand-made bucket and table did for SAKK).

use super::engine::{
    Held, Selected, backend_services, local_path, runtime, select, state_error, store, under_lock,
};
use crate::args::InitArgs;
use crate::output::Printer;
use crate::user_error;
use sakk_cloud::s3::PublicAccessBlock;
use sakk_cloud::{BackendServices, CloudError, ErrorKind, Tags};
use sakk_model::model::Backend;
use sakk_state::State;
use sakk_state::lock::LOCK_TABLE_KEY;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The tags of what `sakk init` creates: they mark it as sakk's, so a later `init` may bring
/// its settings back in line (and never touches a bucket or table it did not make).
fn ownership_tags() -> Tags {
    [
        ("sakk.dev/managed-by", "sakk"),
        ("sakk.dev/purpose", "state"),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value.to_owned()))
    .collect()
}

fn is_ours(tags: &Tags) -> bool {
    tags.get("sakk.dev/managed-by").map(String::as_str) == Some("sakk")
}

fn cloud_error(error: CloudError, what: &str, hint: &str) -> anyhow::Error {
    user_error(format!("{what}: {error}"), hint)
}

pub fn run(args: &InitArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let selected = match select(&args.target, printer)? {
        Ok(selected) => selected,
        Err(code) => return Ok(code),
    };
    let Backend::S3 {
        bucket,
        key,
        region,
        dynamodb_table,
        kms_key_id,
        ..
    } = &selected.model.backend
    else {
        printer.message(&format!(
            "The state of `{}` is kept in a local file, {}: nothing to prepare.\n\
             To share it with a team (and lock it against concurrent runs), add a \
             `backend \"s3\"` block, then run `sakk init --migrate-state`.\n",
            selected.model.name,
            local_path(&selected).display()
        ));
        printer.success("Next: `sakk plan` shows what `sakk apply` would create.");
        return Ok(ExitCode::SUCCESS);
    };
    let runtime = runtime()?;
    runtime.block_on(async {
        let Some(services) = backend_services(&selected.model.backend).await else {
            return Ok(ExitCode::SUCCESS);
        };
        let identity = services.sts.caller_identity().await.map_err(|error| {
            let hint = if error.kind == ErrorKind::AccessDenied {
                "set AWS_PROFILE (or `profile` in the backend), or AWS_ACCESS_KEY_ID and \
                 AWS_SECRET_ACCESS_KEY, or run on a machine with a role"
            } else {
                "check the network, and that the backend's region is enabled for the account"
            };
            cloud_error(error, "cannot check the AWS credentials", hint)
        })?;
        printer.message(&format!(
            "AWS account {} as {}; state backend in {region}.\n",
            identity.account, identity.arn
        ));
        prepare_bucket(&services, bucket, printer).await?;
        if let Some(table) = dynamodb_table {
            prepare_table(&services, table, printer).await?;
        } else {
            printer.message(&format!(
                "Lock: an S3 object next to the state, s3://{bucket}/{key}.lock (conditional \
                 writes; no table needed).\n"
            ));
        }
        if let Some(kms_key_id) = kms_key_id {
            printer.message(&format!(
                "The state and lock objects are encrypted with KMS key {kms_key_id}.\n"
            ));
        }
        let local = local_path(&selected);
        if local.exists() {
            if args.migrate_state {
                migrate(&selected, &local, args, printer).await?;
            } else {
                printer.warning(&format!(
                    "a local state exists at {}: run `sakk init --migrate-state` to move it to \
                     s3://{bucket}/{key} (apply refuses to start a second state beside it)",
                    local.display()
                ));
            }
        } else if args.migrate_state {
            printer.message(&format!(
                "No local state at {}: nothing to migrate.\n",
                local.display()
            ));
        }
        printer.success(&format!(
            "The backend of `{}` is ready: s3://{bucket}/{key}. Next: `sakk plan` shows what \
             `sakk apply` would do.",
            selected.model.name
        ));
        Ok(ExitCode::SUCCESS)
    })
}

/// Creates the bucket when missing (SSE, versioning, public access blocked, tags); brings a
/// bucket sakk made back in line; only reports on a bucket someone else made.
async fn prepare_bucket(
    services: &BackendServices,
    bucket: &str,
    printer: &Printer,
) -> anyhow::Result<()> {
    let s3 = &services.s3;
    let read_hint = "check the bucket name and the backend's region, and that these credentials \
                     may read it";
    let tags = match s3.bucket_tags(bucket).await {
        Ok(tags) => Some(tags),
        Err(error) if error.is_not_found() => None,
        Err(error) if error.kind == ErrorKind::AccessDenied => {
            return Err(cloud_error(
                error,
                &format!("cannot read bucket {bucket}"),
                "bucket names are global: it may belong to another account (pick another name \
                 in the backend), or these credentials may not read it",
            ));
        }
        Err(error) => {
            return Err(cloud_error(
                error,
                &format!("cannot read bucket {bucket}"),
                read_hint,
            ));
        }
    };
    let ours = match &tags {
        None => {
            s3.create_bucket(bucket, &ownership_tags())
                .await
                .map_err(|error| {
                    cloud_error(
                        error,
                        &format!("cannot create bucket {bucket}"),
                        "bucket names are global: if it is taken, pick another name in the backend",
                    )
                })?;
            // Not every S3 (nor every emulator) applies the tags of CreateBucket: setting
            // them again marks the bucket as sakk's for the next `init` whatever happened.
            s3.put_bucket_tags(bucket, &ownership_tags())
                .await
                .map_err(|error| {
                    cloud_error(
                        error,
                        &format!("cannot tag bucket {bucket}"),
                        "these credentials may need s3:PutBucketTagging on the bucket",
                    )
                })?;
            printer.message(&format!("Created bucket {bucket}.\n"));
            true
        }
        Some(tags) => is_ours(tags),
    };
    let versioning = s3.versioning(bucket).await.map_err(|error| {
        cloud_error(
            error,
            &format!("cannot read the versioning of {bucket}"),
            read_hint,
        )
    })?;
    let encryption = s3.encryption(bucket).await.map_err(|error| {
        cloud_error(
            error,
            &format!("cannot read the encryption of {bucket}"),
            read_hint,
        )
    })?;
    let block = s3.public_access_block(bucket).await.map_err(|error| {
        cloud_error(
            error,
            &format!("cannot read the public access block of {bucket}"),
            read_hint,
        )
    })?;
    if !ours {
        // Someone else's bucket (often SAKK's Terraform state bucket): sakk never changes
        // what it does not own, it says what is missing.
        printer.message(&format!(
            "Bucket {bucket} exists (not made by sakk: its settings are left as they are).\n"
        ));
        if !versioning {
            printer.warning(&format!(
                "versioning is off on {bucket}: without it `sakk state history` and `restore` \
                 cannot recover an earlier state. Enable it on the bucket"
            ));
        }
        if encryption.is_none() {
            printer.warning(&format!(
                "{bucket} has no default encryption; sakk still encrypts the objects it writes"
            ));
        }
        if block != PublicAccessBlock::ALL {
            printer.warning(&format!(
                "{bucket} does not block public access; a state holds the names and IDs of \
                 the cluster's resources: block it"
            ));
        }
        return Ok(());
    }
    let mut changed = Vec::new();
    let write_hint = "these credentials may need s3:PutBucket* permissions on the bucket";
    if !versioning {
        s3.put_versioning(bucket, true).await.map_err(|error| {
            cloud_error(
                error,
                &format!("cannot enable versioning on {bucket}"),
                write_hint,
            )
        })?;
        changed.push("versioning enabled");
    }
    if encryption.is_none() {
        s3.put_encryption(bucket, "AES256").await.map_err(|error| {
            cloud_error(
                error,
                &format!("cannot set encryption on {bucket}"),
                write_hint,
            )
        })?;
        changed.push("default encryption AES256");
    }
    if block != PublicAccessBlock::ALL {
        s3.put_public_access_block(bucket, PublicAccessBlock::ALL)
            .await
            .map_err(|error| {
                cloud_error(
                    error,
                    &format!("cannot block public access to {bucket}"),
                    write_hint,
                )
            })?;
        changed.push("public access blocked");
    }
    if let Some(tags) = &tags {
        let mut wanted = tags.clone();
        wanted.extend(ownership_tags());
        if &wanted != tags {
            s3.put_bucket_tags(bucket, &wanted)
                .await
                .map_err(|error| cloud_error(error, &format!("cannot tag {bucket}"), write_hint))?;
            changed.push("tags");
        }
    }
    if changed.is_empty() {
        printer.message(&format!(
            "Bucket {bucket} is ready: versioning on, encrypted ({}), public access blocked.\n",
            encryption.as_deref().unwrap_or("AES256")
        ));
    } else {
        printer.message(&format!("Bucket {bucket}: {}.\n", changed.join(", ")));
    }
    Ok(())
}

/// Creates the lock table when missing (on-demand, `LockID` string hash key) and checks an
/// existing one has that key.
async fn prepare_table(
    services: &BackendServices,
    table: &str,
    printer: &Printer,
) -> anyhow::Result<()> {
    let dynamodb = &services.dynamodb;
    let hint = "check the table name, and that these credentials may use DynamoDB in the \
                backend's region";
    let mut description = dynamodb
        .describe_table(table)
        .await
        .map_err(|error| cloud_error(error, &format!("cannot read lock table {table}"), hint))?;
    if description.is_none() {
        dynamodb
            .create_table(table, LOCK_TABLE_KEY, &ownership_tags())
            .await
            .map_err(|error| {
                cloud_error(error, &format!("cannot create lock table {table}"), hint)
            })?;
        printer.message(&format!(
            "Created lock table {table} (on-demand, `{LOCK_TABLE_KEY}` string hash key).\n"
        ));
        // A new table takes a few seconds to become ACTIVE; locks need it usable.
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            description = dynamodb.describe_table(table).await.map_err(|error| {
                cloud_error(error, &format!("cannot read lock table {table}"), hint)
            })?;
            if description
                .as_ref()
                .is_some_and(|description| description.status == "ACTIVE")
            {
                break;
            }
            if Instant::now() > deadline {
                return Err(user_error(
                    format!("lock table {table} is not ACTIVE after two minutes"),
                    "run `sakk init` again in a minute",
                ));
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
    let Some(description) = description else {
        return Ok(());
    };
    let key_ok = description.key_schema == [(LOCK_TABLE_KEY.to_owned(), "HASH".to_owned())]
        && description
            .attribute_types
            .contains(&(LOCK_TABLE_KEY.to_owned(), "S".to_owned()));
    if !key_ok {
        return Err(user_error(
            format!(
                "lock table {table} exists with key schema {:?}; sakk needs `{LOCK_TABLE_KEY}` \
                 (string) as its only key, as Terraform's lock tables have",
                description.key_schema
            ),
            "name another table in `dynamodb_table`, or leave it out to lock with an S3 object",
        ));
    }
    printer.message(&format!(
        "Lock table {table} is ready: `{LOCK_TABLE_KEY}` string hash key, {} billing.\n",
        description.billing_mode.to_lowercase().replace('_', " ")
    ));
    Ok(())
}

/// Moves the local state into S3 under the lock, refusing when S3 holds another lineage.
async fn migrate(
    selected: &Selected,
    local: &Path,
    args: &InitArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(local)
        .map_err(|error| anyhow::anyhow!("cannot read {}: {error}", local.display()))?;
    let state = State::from_bytes(&local.display().to_string(), &bytes)
        .map_err(|error| user_error(error.to_string(), "fix or remove the local state file"))?;
    if state.cluster != selected.model.name {
        return Err(user_error(
            format!(
                "{} holds the state of cluster `{}`, not `{}`",
                local.display(),
                state.cluster,
                selected.model.name
            ),
            "move it next to the cluster file it belongs to",
        ));
    }
    let store = store(selected).await?;
    let held = Held::take(
        &store,
        "init --migrate-state",
        args.lock.lock_timeout,
        printer,
    )
    .await?;
    let lease = held.lease.clone();
    let work = async {
        let remote = store
            .read()
            .await
            .map_err(|error| state_error(error, "cannot read the state in S3"))?;
        let mut migrated = state.clone();
        let version = match &remote {
            Some((current, _)) if current.lineage != state.lineage => {
                return Err(user_error(
                    format!(
                        "{} already holds a state of another lineage ({}, serial {}) than the \
                         local one ({}, serial {}): refusing to overwrite it",
                        store.describe(),
                        current.lineage,
                        current.serial,
                        state.lineage,
                        state.serial
                    ),
                    format!(
                        "compare them (`sakk state pull` and {}); if the local one is right, \
                         `sakk state push --force {}`",
                        local.display(),
                        local.display()
                    ),
                ));
            }
            Some((current, _)) if current.serial >= state.serial => {
                printer.message(&format!(
                    "{} already holds this state (serial {}, local {}): nothing to migrate.\n",
                    store.describe(),
                    current.serial,
                    state.serial
                ));
                return Ok(false);
            }
            Some((current, version)) => {
                migrated.serial = state.serial.max(current.serial + 1);
                Some(version.clone())
            }
            None => None,
        };
        store
            .write(&migrated, version.as_ref(), Some(&lease))
            .await
            .map_err(|error| state_error(error, "cannot write the state to S3"))?;
        Ok(true)
    };
    let moved = under_lock(held, printer, work).await?;
    if moved {
        // The local file is kept as a backup under another name, so nothing reads it as the
        // state again.
        let mut backup = local.as_os_str().to_owned();
        backup.push(".migrated");
        std::fs::rename(local, &backup).map_err(|error| {
            anyhow::anyhow!(
                "the state is in S3, but {} could not be renamed: {error}; remove it by hand",
                local.display()
            )
        })?;
        printer.message(&format!(
            "Moved the local state (serial {}, {} resources) to S3; the local file is kept as {}.\n",
            state.serial,
            state.resources.len(),
            Path::new(&backup).display()
        ));
    }
    Ok(())
}
