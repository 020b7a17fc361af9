//! `sakk plan`, `sakk apply` and `sakk destroy`.

use super::engine::{
    Held, Progress, Selected, connect, duration, engine, local_path, runtime, select, state_error,
    store, under_lock,
};
use crate::args::{ApplyArgs, DestroyArgs, Output, PlanArgs};
use crate::output::Printer;
use crate::user_error;
use anyhow::Context;
use sakk_apply::{Recorder, Report, Rng, load_state};
use sakk_core::render::Color;
use sakk_model::model::Backend;
use sakk_plan::plan::{Input, PLAN_FORMAT_VERSION};
use sakk_plan::render::{Style, human};
use sakk_plan::{Action, Plan, Source};
use sakk_state::{Lease, State, StateError, StateStore, Version};
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

fn style(printer: &Printer) -> Style {
    if printer.color() == Color::Always {
        Style::Color
    } else {
        Style::Plain
    }
}

/// The plan from the state alone.
fn offline_plan(
    selected: &Selected,
    state: &State,
    persisted: bool,
    destroy: bool,
) -> anyhow::Result<Plan> {
    let desired = sakk_plan::desired(&selected.model);
    let observed = state.as_observed();
    let mut plan = sakk_plan::plan::plan(&Input {
        desired: &desired,
        destroy,
        observed: &observed,
        prior: &state.prior(),
        source: Source::State,
    })?;
    stamp(&mut plan, state, persisted);
    Ok(plan)
}

/// A plan names the state it was made against only if that state was ever written.
fn stamp(plan: &mut Plan, state: &State, persisted: bool) {
    plan.lineage = persisted.then(|| state.lineage.clone());
    plan.serial = if persisted { state.serial } else { 0 };
}

pub fn run(args: &PlanArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let selected = match select(&args.target, printer)? {
        Ok(selected) => selected,
        Err(code) => return Ok(code),
    };
    let runtime = runtime()?;
    let plan = runtime.block_on(async {
        let store = store(&selected).await?;
        let planning = async {
            let (state, version) = load_state(
                store.as_ref(),
                &selected.model.name,
                &selected.model.region,
                &Rng::new(),
            )
            .await
            .map_err(|error| state_error(error, "cannot read the state"))?;
            if args.offline {
                return offline_plan(&selected, &state, version.is_some(), false);
            }
            let aws = connect(&selected.model).await?;
            if !aws.has_credentials().await {
                return offline_plan(&selected, &state, version.is_some(), false);
            }
            let progress: Arc<Progress> = Arc::new(Progress::new(printer));
            let engine = engine(&aws, &selected.model, progress);
            let desired = sakk_plan::desired(&selected.model);
            let mut plan = engine
                .plan(&desired, &state, false)
                .await
                .context("cannot read what exists in AWS")?;
            stamp(&mut plan, &state, version.is_some());
            Ok::<Plan, anyhow::Error>(plan)
        };
        // `plan` only reads, so by default it takes no lock: it may see a state another run is
        // changing. `--lock` makes it wait its turn like a writer.
        if args.lock {
            let held = Held::take(&store, "plan", args.lock_wait.lock_timeout, printer).await?;
            under_lock(held, printer, planning).await
        } else {
            planning.await
        }
    })?;
    if let Some(path) = &args.out {
        write_plan(path, &plan)?;
    }
    match args.output {
        Output::Json => printer.data(&format!(
            "{}\n",
            serde_json::to_string_pretty(&plan).context("cannot serialize the plan")?
        )),
        Output::Human => printer.data(&human(&plan, style(printer))),
    }
    if let Some(path) = &args.out {
        printer.message(&format!(
            "Saved the plan to {}; `sakk apply {}` applies exactly this.\n",
            path.display(),
            path.display()
        ));
    }
    if !plan.conflicts.is_empty() {
        return Err(user_error(
            format!(
                "{} resource(s) in the way that sakk does not own",
                plan.conflicts.len()
            ),
            "sakk never adopts or changes what does not carry its tags for this cluster: remove or rename them",
        ));
    }
    if args.detailed_exitcode && plan.has_changes() {
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

fn write_plan(path: &Path, plan: &Plan) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(plan).context("cannot serialize the plan")?;
    std::fs::write(path, format!("{text}\n"))
        .with_context(|| format!("cannot write {}", path.display()))
}

fn read_plan(path: &Path) -> anyhow::Result<Plan> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    #[derive(serde::Deserialize)]
    struct Header {
        format_version: Option<u32>,
    }
    let header: Header = serde_json::from_slice(&bytes).map_err(|error| {
        user_error(
            format!("{} is not a sakk plan: {error}", path.display()),
            "save plans with `sakk plan --out FILE`",
        )
    })?;
    if header.format_version != Some(PLAN_FORMAT_VERSION) {
        return Err(user_error(
            format!(
                "{} is a plan of format {:?}; this sakk reads format {PLAN_FORMAT_VERSION}",
                path.display(),
                header.format_version
            ),
            "make the plan again with this sakk: `sakk plan --out FILE`",
        ));
    }
    serde_json::from_slice(&bytes).map_err(|error| {
        user_error(
            format!("{} is not a sakk plan: {error}", path.display()),
            "save plans with `sakk plan --out FILE`",
        )
    })
}

fn confirm(yes: bool, question: &str) -> anyhow::Result<bool> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(user_error(
            "not on a terminal, and `--yes` was not given",
            "review the plan, then run again with `--yes`",
        ));
    }
    dialoguer::Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact()
        .map_err(|error| anyhow::anyhow!("cannot read the answer: {error}"))
}

pub fn apply(args: &ApplyArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    execute(
        &args.target,
        args.plan.as_deref(),
        args.yes,
        false,
        args.lock.lock_timeout,
        printer,
    )
}

pub fn destroy(args: &DestroyArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    execute(
        &args.target,
        None,
        args.yes,
        true,
        args.lock.lock_timeout,
        printer,
    )
}

/// Refuses to start a remote state while a local one exists: it would begin a second lineage
/// beside the resources the local one records.
fn check_no_stray_local_state(selected: &Selected, remote: Option<&Version>) -> anyhow::Result<()> {
    if !matches!(selected.model.backend, Backend::S3 { .. }) || remote.is_some() {
        return Ok(());
    }
    let local = local_path(selected);
    if local.exists() {
        return Err(user_error(
            format!(
                "the state of `{}` is configured in S3, which holds none yet, but a local state \
                 exists at {}",
                selected.model.name,
                local.display()
            ),
            "move it to S3 first: `sakk init --migrate-state` (or remove the local file if it \
             belongs to nothing)",
        ));
    }
    Ok(())
}

fn execute(
    target: &crate::args::Target,
    saved: Option<&Path>,
    yes: bool,
    destroy: bool,
    lock_timeout: std::time::Duration,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let saved = saved.map(read_plan).transpose()?;
    let selected = match select(target, printer)? {
        Ok(selected) => selected,
        Err(code) => return Ok(code),
    };
    if let Some(plan) = &saved {
        if plan.cluster != selected.model.name {
            return Err(user_error(
                format!(
                    "the saved plan is for cluster `{}`, not `{}`",
                    plan.cluster, selected.model.name
                ),
                "apply it with `--cluster` naming its cluster",
            ));
        }
        if plan.source == Source::State {
            return Err(user_error(
                "the saved plan was made from the state alone (no AWS credentials)",
                "make it again with credentials: `sakk plan --out FILE`",
            ));
        }
    }
    let runtime = runtime()?;
    let operation = if destroy { "destroy" } else { "apply" };
    runtime.block_on(async {
        let aws = connect(&selected.model).await?;
        if !aws.has_credentials().await {
            return Err(user_error(
                "no AWS credentials",
                "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run on a machine with a role",
            ));
        }
        let store = store(&selected).await?;
        // The lock comes before the state is read and anything is planned: a run that cannot
        // have it stops here, having changed nothing.
        let held = Held::take(&store, operation, lock_timeout, printer).await?;
        let lease = held.lease.clone();
        under_lock(
            held,
            printer,
            locked(&selected, &aws, store, lease, saved, yes, destroy, printer),
        )
        .await
    })
}

/// `apply` or `destroy` once the lock is held.
#[allow(clippy::too_many_arguments)]
async fn locked(
    selected: &Selected,
    aws: &sakk_aws::Aws,
    store: Arc<dyn StateStore>,
    lease: Lease,
    saved: Option<Plan>,
    yes: bool,
    destroy: bool,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    {
        let (state, version) = load_state(
            store.as_ref(),
            &selected.model.name,
            &selected.model.region,
            &Rng::new(),
        )
        .await
        .map_err(|error| state_error(error, "cannot read the state"))?;
        check_no_stray_local_state(selected, version.as_ref())?;
        let progress = Arc::new(Progress::new(printer));
        let engine = engine(aws, &selected.model, progress.clone());
        let desired = sakk_plan::desired(&selected.model);
        let mut fresh = engine
            .plan(&desired, &state, destroy)
            .await
            .context("cannot read what exists in AWS")?;
        stamp(&mut fresh, &state, version.is_some());
        let plan = match saved {
            Some(saved) => {
                check_fresh(&saved, &fresh)?;
                saved
            }
            None => fresh,
        };
        printer.message(&human(&plan, style(printer)));
        if !destroy && let Some(warning) = admin_warning(&plan, &selected.model) {
            printer.message(&format!("warning: {warning}\n"));
        }
        if !plan.conflicts.is_empty() {
            return Err(user_error(
                format!(
                    "{} resource(s) in the way that sakk does not own",
                    plan.conflicts.len()
                ),
                "sakk never adopts or changes what does not carry its tags for this cluster: remove or rename them",
            ));
        }
        if !plan.has_changes() && !destroy {
            return Ok(ExitCode::SUCCESS);
        }
        let question = if destroy {
            format!(
                "Destroy every AWS resource of cluster `{}`?",
                selected.model.name
            )
        } else {
            format!("Apply these changes to cluster `{}`?", selected.model.name)
        };
        if !confirm(yes, &question)? {
            printer.message("Nothing was changed.\n");
            return Ok(ExitCode::from(1));
        }
        let started = Instant::now();
        let recorder = Recorder::new(store.clone(), Some(lease.clone()), state, version);
        let report = engine.apply(&plan, &recorder).await?;
        let mut leftovers = Vec::new();
        if destroy && report.succeeded() {
            let snapshot = recorder.snapshot().await;
            leftovers = engine
                .scan(&desired, &snapshot, &plan)
                .await
                .context("cannot check that nothing is left")?;
        }
        // The lock is released by the caller, whatever happens here.
        drop(recorder);
        let counts = engine.counts();
        summary(&plan, &report, started, counts, destroy, printer);
        if !report.succeeded() {
            let failed: Vec<String> = report
                .walk
                .failed
                .iter()
                .map(|(address, error)| format!("  {address}: {error}"))
                .collect();
            return Err(user_error(
                format!(
                    "{} step(s) failed, {} not started because of them:\n{}",
                    report.walk.failed.len(),
                    report.walk.skipped.len(),
                    failed.join("\n")
                ),
                "what was done is recorded: fix the cause and run the same command again",
            ));
        }
        if !leftovers.is_empty() {
            return Err(user_error(
                format!(
                    "destroy finished, but these still carry the cluster's tags:\n  {}",
                    leftovers.join("\n  ")
                ),
                "run `sakk destroy` again; if they stay, something outside sakk holds them",
            ));
        }
        if let Some(why) = lease.lost() {
            return Err(state_error(
                StateError::LeaseLost {
                    lock: store.describe(),
                    detail: why,
                },
                "the lock was lost during the run",
            ));
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// The cluster gives nobody implicit admin access (access entries only): warn the person
/// applying if they are not among the admins, before they lock themselves out.
fn admin_warning(plan: &Plan, model: &sakk_model::Model) -> Option<String> {
    let caller = plan.account.get("caller_arn")?.as_str()?;
    // arn:aws:sts::123:assumed-role/Role/session is the role arn:aws:iam::123:role/[path/]Role.
    let (principal, name) = match caller.split_once(":assumed-role/") {
        Some((prefix, rest)) => {
            let role = rest.split('/').next().unwrap_or(rest);
            (
                format!("{}:role/{role}", prefix.replace(":sts:", ":iam:")),
                role.to_owned(),
            )
        }
        None => (
            caller.to_owned(),
            caller.rsplit('/').next().unwrap_or(caller).to_owned(),
        ),
    };
    let listed = model.admins.iter().any(|admin| {
        admin.arn == principal
            || (principal.contains(":role/")
                && admin.arn.contains(":role/")
                && admin.arn.rsplit('/').next() == Some(name.as_str()))
    });
    (!listed).then(|| {
        format!(
            "{principal} (you) is not among the cluster's admins: EKS gives its creator no \
             implicit access here, so add it to `admins` to reach the Kubernetes API"
        )
    })
}

/// Refuses a saved plan when the state or AWS moved since it was made (G7).
fn check_fresh(saved: &Plan, fresh: &Plan) -> anyhow::Result<()> {
    if saved.lineage.is_none() && fresh.lineage.is_some() {
        return Err(user_error(
            "the state changed since the plan was saved (there was none then)",
            "make a new plan: `sakk plan --out FILE`",
        ));
    }
    if saved.lineage != fresh.lineage {
        return Err(user_error(
            "the saved plan was made against another state (its lineage differs)",
            "make a new plan: `sakk plan --out FILE`",
        ));
    }
    if saved.serial != fresh.serial {
        return Err(user_error(
            format!(
                "the state changed since the plan was saved (serial {} then, {} now)",
                saved.serial, fresh.serial
            ),
            "make a new plan: `sakk plan --out FILE`",
        ));
    }
    if saved.fingerprint != fresh.fingerprint {
        return Err(user_error(
            "AWS changed since the plan was saved (what exists differs from what the plan saw)",
            "make a new plan and review it: `sakk plan --out FILE`",
        ));
    }
    Ok(())
}

fn summary(
    plan: &Plan,
    report: &Report,
    started: Instant,
    counts: sakk_apply::CallCounts,
    destroy: bool,
    printer: &Printer,
) {
    let count = |action: Action| {
        report
            .walk
            .done
            .iter()
            .filter(|done| done.action == action)
            .count()
    };
    let mut text = format!(
        "\n{} in {}: {} created, {} adopted, {} updated, {} replaced, {} deleted",
        if destroy { "Destroy" } else { "Apply" },
        duration(started.elapsed()),
        count(Action::Create),
        count(Action::Adopt),
        count(Action::Update),
        count(Action::Replace),
        count(Action::Delete),
    );
    if !report.walk.failed.is_empty() {
        text.push_str(&format!(", {} failed", report.walk.failed.len()));
    }
    text.push_str(&format!(
        "; {} AWS calls ({} writes), {} retries after throttling.\n",
        counts.reads + counts.writes,
        counts.writes,
        counts.throttle_retries
    ));
    if !report.removed.is_empty() {
        text.push_str(&format!(
            "Removed first: {} object(s) Kubernetes controllers had made.\n",
            report.removed.len()
        ));
    }
    let outputs = &report.outputs;
    if !destroy && report.succeeded() {
        if let Some(endpoint) = &outputs.cluster_endpoint {
            text.push_str(&format!("Cluster endpoint: {endpoint}\n"));
        }
        for (domain, servers) in &outputs.name_servers {
            text.push_str(&format!(
                "Name servers of {domain}: {}\n",
                servers.join(" ")
            ));
        }
    }
    let _ = plan;
    printer.success(text.trim_end());
}

/// The plan `sakk demo` shows: the demo cluster planned from its (empty) state, offline.
pub fn demo_plan(selected: &Selected) -> anyhow::Result<Plan> {
    let state = State::new(&selected.model.name, &selected.model.region, String::new());
    offline_plan(selected, &state, false, false)
}

/// For `state` commands: the state, if any.
pub fn read_state(selected: &Selected) -> anyhow::Result<Option<(State, Version)>> {
    let runtime = runtime()?;
    runtime.block_on(async {
        let store = store(selected).await?;
        store
            .read()
            .await
            .map_err(|error| state_error(error, "cannot read the state"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_with(caller: &str) -> Plan {
        Plan {
            format_version: PLAN_FORMAT_VERSION,
            cluster: "c".into(),
            region: "eu-west-1".into(),
            destroy: false,
            source: Source::Live,
            lineage: None,
            serial: 0,
            fingerprint: String::new(),
            account: [("caller_arn".to_owned(), serde_json::json!(caller))].into(),
            changes: Vec::new(),
            conflicts: Vec::new(),
        }
    }

    #[test]
    fn callers_missing_from_the_admins_are_warned() {
        let text = crate::EXAMPLE_CLUSTER;
        let session = crate::load::load_inputs(&[sakk_config::Input {
            name: "demo.hcl".into(),
            bytes: text.as_bytes().to_vec(),
            dir: ".".into(),
        }]);
        let model = &session.models[0];
        let admin = &model.admins[0].arn;
        let role = admin.rsplit('/').next().unwrap_or_default();
        let assumed = format!("arn:aws:sts::123456789012:assumed-role/{role}/alice-session");
        assert_eq!(admin_warning(&plan_with(&assumed), model), None);
        let stranger = "arn:aws:iam::123456789012:user/mallory";
        let warning = admin_warning(&plan_with(stranger), model).expect("a warning");
        assert!(warning.contains("mallory"), "{warning}");
    }
}
