//! The crash matrix on moto, with real processes: for every mutating call k of a full apply
//! (and of a destroy), the `sakk` process is killed with SIGKILL while call k is in flight
//! (the proxy holds it, so it never reaches moto), and separately call k reaches moto but its
//! answer is lost. Then `sakk` runs again without faults. Every run must converge to the same
//! resources as a clean run, without duplicates, every resource tagged, and the next plan
//! must be empty (after a destroy: nothing left).

use crate::harness::{Env, text};
use sakk_testkit::proxy::ProxyFaults;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Kill,
    Lose,
}

/// Environments working through the matrix in parallel (each with its own moto).
fn workers() -> usize {
    std::env::var("SAKK_CRASH_WORKERS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(2)
}

/// Runs `sakk args` with the fault at write k; returns once the process is dead or done.
fn faulty_run(env: &Env, args: &[&str], fault: Fault, k: u64) {
    match fault {
        Fault::Kill => {
            env.proxy.set_faults(ProxyFaults {
                halt_at_write: Some(k),
                ..ProxyFaults::default()
            });
            let mut child = env.spawn(args);
            let deadline = Instant::now() + Duration::from_secs(120);
            loop {
                if env.proxy.halted_at() == k {
                    // A real kill -9 while the call is in flight.
                    child.kill().expect("kill");
                    let _ = child.wait();
                    break;
                }
                if let Ok(Some(status)) = child.try_wait() {
                    let output = child.wait_with_output().expect("output");
                    panic!("sakk ended ({status}) before write {k}:\n{}", text(&output));
                }
                assert!(Instant::now() < deadline, "write {k} never came");
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        Fault::Lose => {
            env.proxy.set_faults(ProxyFaults {
                lose_write: Some(k),
                ..ProxyFaults::default()
            });
            // It may finish (the engine finds the resource again) or stop: both are fine.
            let _ = env.sakk(args);
        }
    }
    env.proxy.set_faults(ProxyFaults::default());
}

fn matrix(destroy: bool) {
    let started = Instant::now();
    let reference = Env::start();
    reference.prepare("simple");
    let output = reference.sakk(&["apply", "--yes"]);
    assert!(output.status.success(), "{}", text(&output));
    let expected = reference.shape("simple", "sandbox");
    let writes = if destroy {
        reference.proxy.set_faults(ProxyFaults::default());
        let output = reference.sakk(&["destroy", "--yes"]);
        assert!(output.status.success(), "{}", text(&output));
        reference.proxy.counts().total_writes()
    } else {
        reference.proxy.counts().total_writes()
    };
    drop(reference);
    assert!(writes > 30, "only {writes} writes");
    eprintln!(
        "moto crash matrix ({}): {writes} writes, {} cases",
        if destroy { "destroy" } else { "apply" },
        2 * writes
    );
    let cases: Vec<(Fault, u64)> = [Fault::Kill, Fault::Lose]
        .into_iter()
        .flat_map(|fault| (1..=writes).map(move |k| (fault, k)))
        .collect();
    let next = AtomicU64::new(0);
    let failures: Mutex<BTreeMap<String, String>> = Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for _ in 0..workers() {
            scope.spawn(|| {
                let env = Env::start();
                let mut since_reset = usize::MAX;
                loop {
                    let index = next.fetch_add(1, Ordering::SeqCst) as usize;
                    let Some(&(fault, k)) = cases.get(index) else {
                        break;
                    };
                    // Each case is its own cluster (name and domain), so moto needs a reset
                    // (about a second) only now and then.
                    if since_reset >= 15 {
                        env.reset();
                        since_reset = 0;
                    }
                    since_reset += 1;
                    let cluster = format!("case{index}");
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        run_case(
                            &env,
                            &cluster,
                            &format!("d{index}"),
                            destroy,
                            fault,
                            k,
                            &expected,
                        );
                    }));
                    if let Err(panic) = result {
                        let message = panic
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| panic.downcast_ref::<&str>().map(|text| (*text).to_owned()))
                            .unwrap_or_default();
                        failures
                            .lock()
                            .unwrap_or_else(|poisoned| poisoned.into_inner())
                            .insert(format!("{fault:?} at write {k}"), message);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap_or_default();
    eprintln!(
        "crash matrix ({}): {} cases in {:.0} s",
        if destroy { "destroy" } else { "apply" },
        cases.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{:#?}",
        failures.len(),
        cases.len(),
        failures
    );
}

fn run_case(
    env: &Env,
    cluster: &str,
    label: &str,
    destroy: bool,
    fault: Fault,
    k: u64,
    expected: &BTreeMap<String, Vec<String>>,
) {
    env.use_cluster(cluster, label);
    if destroy {
        let output = env.sakk(&["apply", "--yes"]);
        assert!(output.status.success(), "setup apply: {}", text(&output));
        faulty_run(env, &["destroy", "--yes"], fault, k);
        let output = env.sakk(&["destroy", "--yes"]);
        assert!(
            output.status.success(),
            "destroy after {fault:?} at {k}: {}",
            text(&output)
        );
        let left = env.shape(cluster, label);
        assert!(
            left.is_empty(),
            "left behind after {fault:?} at {k}: {left:#?}"
        );
    } else {
        faulty_run(env, &["apply", "--yes"], fault, k);
        let output = env.sakk(&["apply", "--yes"]);
        assert!(
            output.status.success(),
            "apply after {fault:?} at {k}: {}",
            text(&output)
        );
        let found = env.shape(cluster, label);
        assert_eq!(&found, expected, "resources after {fault:?} at {k}");
        let output = env.sakk(&["plan", "--detailed-exitcode"]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "plan after {fault:?} at {k}: {}",
            text(&output)
        );
    }
}

#[test]
fn every_write_of_apply_killed_or_lost_converges() {
    matrix(false);
}

#[test]
fn every_write_of_destroy_killed_or_lost_converges() {
    matrix(true);
}
