//! What `plan`, `apply`, `destroy` and `state` share: choosing the cluster, its state store,
//! connecting to AWS, building the engine, and showing its progress.

use crate::args::Target;
use crate::load::{Session, load};
use crate::output::Printer;
use crate::user_error;
use anyhow::Context;
use sakk_apply::retry::{RateLimiter, RetryPolicy};
use sakk_apply::{Engine, Event, Events, Parts, Rng, Settings, SystemClock};
use sakk_core::render::Color;
use sakk_model::Model;
use sakk_model::model::Backend;
use sakk_state::{LocalStore, LockInfo};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The cluster a command acts on.
pub struct Selected {
    /// Its model.
    pub model: Model,
    /// The directory of its cluster file (the state path is relative to it).
    pub dir: PathBuf,
}

/// Loads the cluster files and picks one cluster; invalid files print their diagnostics and
/// give exit code 1.
pub fn select(target: &Target, printer: &Printer) -> anyhow::Result<Result<Selected, ExitCode>> {
    let session = load(&target.files)?;
    if session.validated.diagnostics.has_errors() {
        return Ok(Err(super::validate::report(
            &session,
            crate::args::Output::Human,
            printer,
        )));
    }
    printer.message(&sakk_core::render::human(
        &session.validated.diagnostics,
        &session.loaded.sources,
        printer.color(),
    ));
    let models = &session.validated.models;
    let model = match (&target.cluster, models.len()) {
        (Some(name), _) => models
            .iter()
            .find(|model| &model.name == name)
            .ok_or_else(|| {
                user_error(
                    format!("no cluster `{name}` in the cluster files"),
                    format!("the files hold: {}", names(models)),
                )
            })?,
        (None, 1) => &models[0],
        (None, 0) => {
            return Err(user_error(
                "the cluster files hold no cluster",
                "write one with `sakk new`",
            ));
        }
        (None, _) => {
            return Err(user_error(
                "the cluster files hold several clusters",
                format!("pick one with `--cluster NAME` ({})", names(models)),
            ));
        }
    };
    let dir = cluster_dir(&session, model);
    Ok(Ok(Selected {
        model: model.clone(),
        dir,
    }))
}

fn names(models: &[Model]) -> String {
    models
        .iter()
        .map(|model| model.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The directory of the file that defines `model`.
fn cluster_dir(session: &Session, model: &Model) -> PathBuf {
    let spec = session.loaded.clusters.iter().find(|spec| {
        spec.name
            .as_ref()
            .is_some_and(|name| name.value == model.name)
    });
    spec.and_then(|spec| session.loaded.sources.get(spec.source))
        .and_then(|source| Path::new(&source.name).parent().map(Path::to_path_buf))
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The state store of the cluster.
pub fn store(selected: &Selected) -> anyhow::Result<LocalStore> {
    match &selected.model.backend {
        Backend::Local { path } => Ok(LocalStore::new(selected.dir.join(path))),
        Backend::S3 { bucket, key, .. } => Err(user_error(
            format!(
                "the state of `{}` is configured in S3 (s3://{bucket}/{key}), and this sakk keeps \
                 state only in a local file",
                selected.model.name
            ),
            "remove the `backend` block (or backend.hcl) to keep the state in \
             .sakk/<cluster>/state.json next to the cluster file",
        )),
    }
}

/// A runtime for the AWS calls.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Connects to AWS in the cluster's region.
pub async fn connect(model: &Model) -> anyhow::Result<sakk_aws::Aws> {
    sakk_aws::Aws::connect(Some(&model.region))
        .await
        .context("cannot configure the AWS SDK")
}

/// The engine for `model`.
pub fn engine(aws: &sakk_aws::Aws, model: &Model, events: Arc<dyn Events>) -> Engine {
    Engine::new(Parts {
        cloud: aws.cloud(),
        eks_cluster_name: model.names.eks_cluster.clone(),
        settings: Settings::default(),
        policy: RetryPolicy::default(),
        limiter: RateLimiter::aws_defaults(),
        clock: Arc::new(SystemClock),
        random: Arc::new(Rng::new()),
        events,
    })
}

/// Who takes the lock.
pub fn lock_info(operation: &str) -> LockInfo {
    let user = std::env::var("USER").unwrap_or_else(|_| "someone".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|text| text.trim().to_owned())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "this machine".into());
    LockInfo {
        holder: format!("{user}@{host} (pid {})", std::process::id()),
        operation: operation.to_owned(),
        since: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|duration| duration.as_secs())
            .unwrap_or(0),
    }
}

/// `1m 05s`, `12.3 s`.
pub fn duration(elapsed: Duration) -> String {
    let seconds = elapsed.as_secs();
    if seconds >= 60 {
        format!("{}m {:02}s", seconds / 60, seconds % 60)
    } else {
        format!("{:.1} s", elapsed.as_secs_f64())
    }
}

/// The engine's events as lines on stderr: each step as it starts and ends, what it waits for
/// (at most every 30 seconds per resource), retries, and what was removed.
pub struct Progress {
    color: Color,
    started: Instant,
    last_wait: Mutex<BTreeMap<String, Instant>>,
    /// Retries after throttling seen.
    pub throttled: std::sync::atomic::AtomicU64,
}

impl Progress {
    /// A progress display.
    pub fn new(printer: &Printer) -> Self {
        Self {
            color: printer.color(),
            started: Instant::now(),
            last_wait: Mutex::new(BTreeMap::new()),
            throttled: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color == Color::Always {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn line(&self, text: &str) {
        let stamp = duration(self.started.elapsed());
        let _ = writeln!(std::io::stderr().lock(), "[{stamp:>8}] {text}");
    }
}

impl Events for Progress {
    fn emit(&self, event: Event) {
        match event {
            Event::Observing { .. } => {}
            Event::Started { address, action } => {
                self.line(&format!("{address}: {}…", action.verb()));
            }
            Event::Waiting {
                address,
                what,
                elapsed,
            } => {
                let mut last = self.last_wait.lock().unwrap_or_else(|p| p.into_inner());
                let key = address.to_string();
                let due = last
                    .get(&key)
                    .is_none_or(|previous| previous.elapsed() >= Duration::from_secs(30));
                if due {
                    last.insert(key, Instant::now());
                    self.line(&format!(
                        "{address}: waiting for {what} ({} so far)",
                        duration(elapsed)
                    ));
                }
            }
            Event::Retrying {
                call,
                reason,
                attempt,
                delay,
                ..
            } => {
                if reason == "throttled" {
                    self.throttled
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                self.line(&self.paint(
                    "33",
                    &format!("{call}: {reason}; attempt {attempt} in {}", duration(delay)),
                ));
            }
            Event::Finished {
                address,
                action,
                id,
                elapsed,
            } => {
                let id = id.map(|id| format!(" ({id})")).unwrap_or_default();
                self.line(&self.paint(
                    "32",
                    &format!(
                        "{address}{id}: {} done in {}",
                        action.verb(),
                        duration(elapsed)
                    ),
                ));
            }
            Event::Failed { address, error } => {
                self.line(&self.paint("31", &format!("{address}: failed: {error}")));
            }
            Event::Warning { address, message } => {
                let prefix = address.map(|a| format!("{a}: ")).unwrap_or_default();
                self.line(&self.paint("33", &format!("{prefix}warning: {message}")));
            }
            Event::Removed { kind, id } => {
                self.line(&format!(
                    "removed {kind} {id} (made by a Kubernetes controller)"
                ));
            }
        }
    }
}
