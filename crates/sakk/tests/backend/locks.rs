//! The lock end to end: two applies racing, a holder killed with SIGKILL, a holder stopped past
//! its lease and fenced off after a takeover. Every test runs with both lock flavours.

use crate::harness::{Env, Flavour, finish, lock_id, signal, text};
use sakk_testkit::proxy::ProxyFaults;
use std::process::{Child, Output};
use std::time::{Duration, Instant};

/// Latency every call gets through the proxies during races, so the winner is sure to hold the
/// lock (it plans with dozens of reads) while the loser asks for it.
const LATENCY: Duration = Duration::from_millis(25);

fn rounds() -> usize {
    std::env::var("SAKK_RACE_ROUNDS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(50)
}

/// Waits for both children, returning each output with the time it took from `started`.
fn both(started: Instant, first: Child, second: Child) -> [(Output, Duration); 2] {
    let mut children = [Some(first), Some(second)];
    let mut done: [Option<(Output, Duration)>; 2] = [None, None];
    let deadline = started + Duration::from_secs(120);
    while done.iter().any(Option::is_none) {
        for (slot, child) in done.iter_mut().zip(children.iter_mut()) {
            if slot.is_none()
                && let Some(running) = child
                && let Ok(Some(_)) = running.try_wait()
            {
                let elapsed = started.elapsed();
                let output = child
                    .take()
                    .expect("child")
                    .wait_with_output()
                    .expect("output");
                *slot = Some((output, elapsed));
            }
        }
        assert!(Instant::now() < deadline, "a racer did not finish");
        std::thread::sleep(Duration::from_millis(1));
    }
    done.map(|slot| slot.expect("finished"))
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn race(flavour: Flavour) {
    let env = Env::start(flavour, 2);
    env.set_max_size(5);
    let output = env.sakk(&["init"]);
    assert!(output.status.success(), "{}", text(&output));
    let output = env.sakk(&["apply", "--yes"]);
    assert!(output.status.success(), "{}", text(&output));
    // Each proxy serves the EKS add-ons (which moto lacks) from its own memory: let the second
    // one make them too, so both racers see the same cluster.
    let output = env
        .command(1, &["apply", "--yes"])
        .output()
        .expect("sakk runs");
    assert!(output.status.success(), "{}", text(&output));
    let rounds = rounds();
    let (mut losers, mut winners) = (Vec::new(), Vec::new());
    let mut wins = [0; 2];
    for round in 0..rounds {
        env.set_max_size(if round % 2 == 0 { 6 } else { 5 });
        for proxy in &env.proxies {
            proxy.set_faults(ProxyFaults {
                latency: LATENCY,
                ..ProxyFaults::default()
            });
        }
        let started = Instant::now();
        let first = env.spawn(0, &["apply", "--yes"]);
        let second = env.spawn(1, &["apply", "--yes"]);
        let pids = [first.id(), second.id()];
        let outcomes = both(started, first, second);
        let succeeded: Vec<usize> = (0..2)
            .filter(|&index| outcomes[index].0.status.success())
            .collect();
        assert_eq!(
            succeeded.len(),
            1,
            "{flavour:?} round {round}: exactly one apply proceeds\n{}\n{}",
            text(&outcomes[0].0),
            text(&outcomes[1].0)
        );
        let winner = succeeded[0];
        let loser = 1 - winner;
        wins[winner] += 1;
        let (lost, lost_after) = &outcomes[loser];
        let (won, won_after) = &outcomes[winner];
        assert_eq!(lost.status.code(), Some(1), "{}", text(lost));
        let stderr = String::from_utf8_lossy(&lost.stderr);
        for needle in [
            "the state is locked".to_owned(),
            "tester@".to_owned(),
            format!("(pid {})", pids[winner]),
            "for `apply` since".to_owned(),
            "lock ID".to_owned(),
            "sakk state unlock".to_owned(),
        ] {
            assert!(
                stderr.contains(&needle),
                "{flavour:?} round {round}: no `{needle}` in\n{stderr}"
            );
        }
        assert!(
            *lost_after < Duration::from_secs(1),
            "{flavour:?} round {round}: the loser took {lost_after:?}"
        );
        // The loser stopped at the lock: it read the state and the lock, at most tried to take
        // it, and called no other service at all.
        let counts = env.proxies[loser].counts();
        let other: Vec<&String> = counts
            .reads
            .keys()
            .chain(counts.writes.keys())
            .filter(|call| !call.starts_with("s3 ") && !call.starts_with("dynamodb "))
            .collect();
        assert!(
            other.is_empty(),
            "{flavour:?} round {round}: the loser called {other:?}"
        );
        assert!(
            counts.total_writes() <= 1,
            "{flavour:?} round {round}: the loser wrote {:?}",
            counts.writes
        );
        let applied: u64 = env
            .proxies
            .iter()
            .map(|proxy| {
                proxy
                    .counts()
                    .writes
                    .iter()
                    .filter(|(call, _)| call.starts_with("eks ") && call.contains("update-config"))
                    .map(|(_, count)| count)
                    .sum::<u64>()
            })
            .sum();
        assert_eq!(
            applied, 1,
            "{flavour:?} round {round}: the change was applied {applied} times"
        );
        assert!(
            String::from_utf8_lossy(&won.stderr)
                .contains("0 created, 0 adopted, 1 updated, 0 replaced, 0 deleted"),
            "{}",
            text(won)
        );
        losers.push(*lost_after);
        winners.push(*won_after);
    }
    eprintln!(
        "race {flavour:?}: {rounds} rounds, exactly one apply proceeded each time (first \
         started won {} times); loser exit after spawn: median {:?}, max {:?}; winner: median \
         {:?}, max {:?}",
        wins[0],
        median(losers.clone()),
        losers.iter().max().expect("rounds"),
        median(winners.clone()),
        winners.iter().max().expect("rounds"),
    );
}

#[test]
fn two_applies_race_exactly_one_proceeds_s3_lock() {
    race(Flavour::S3Object);
}

#[test]
fn two_applies_race_exactly_one_proceeds_dynamodb_lock() {
    race(Flavour::DynamoDb);
}

/// Starts an apply through proxy 0 and kills it with SIGKILL while its `halt_at`-th write is
/// in flight; returns its pid.
fn kill_at_write(env: &Env, args: &[&str], halt_at: u64) -> u32 {
    env.proxies[0].set_faults(ProxyFaults {
        halt_at_write: Some(halt_at),
        ..ProxyFaults::default()
    });
    let mut child = env.spawn(0, args);
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(60);
    while env.proxies[0].halted_at() != halt_at {
        if let Ok(Some(_)) = child.try_wait() {
            let output = child.wait_with_output().expect("output");
            panic!("sakk ended before write {halt_at}:\n{}", text(&output));
        }
        assert!(Instant::now() < deadline, "write {halt_at} never came");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().expect("kill -9");
    let _ = child.wait();
    env.proxies[0].set_faults(ProxyFaults::default());
    pid
}

fn killed_holder(flavour: Flavour) {
    // Long enough for renewals to get through moto, which answers nothing else while it
    // loads its IAM managed policies (seconds).
    const LEASE: f64 = 6.0;
    let mut env = Env::start(flavour, 1);
    env.lease_seconds = Some(LEASE);
    let output = env.sakk(&["init"]);
    assert!(output.status.success(), "{}", text(&output));

    // 1. Killed in the middle of the first apply: refused (with who, what, since when, the lock
    //    ID and the command) until the lease runs out, then the next apply takes over.
    let pid = kill_at_write(&env, &["apply", "--yes"], 20);
    let killed = Instant::now();
    let output = env.sakk(&["apply", "--yes"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    for needle in [
        "the state is locked".to_owned(),
        "held by tester@".to_owned(),
        format!("(pid {pid}) for `apply` since"),
        "lease until".to_owned(),
        "lease runs out at".to_owned(),
    ] {
        assert!(
            stderr.contains(&needle),
            "{flavour:?}: no `{needle}` in\n{stderr}"
        );
    }
    let id = lock_id(&stderr);
    assert!(
        stderr.contains(&format!("sakk state unlock {id}")),
        "the unlock command names the lock ID:\n{stderr}"
    );
    assert!(
        killed.elapsed() < Duration::from_secs_f64(LEASE - 1.0),
        "the refusal must come while the lease is fresh"
    );
    let output = env.sakk(&["state", "unlock", &id]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("lease is fresh"),
        "{}",
        text(&output)
    );
    std::thread::sleep(Duration::from_secs_f64(LEASE + 0.5));
    let output = env.sakk(&["apply", "--yes"]);
    assert!(
        output.status.success(),
        "{flavour:?}: after the lease ran out\n{}",
        text(&output)
    );
    let fencing = env.pulled()["fencing"].as_u64().expect("fencing");
    let output = env.sakk(&["plan", "--detailed-exitcode"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "converged:\n{}",
        text(&output)
    );

    // 2. Killed again (during an update); `sakk state unlock ID --force` with the printed ID
    //    releases it at once and the next apply proceeds without waiting.
    env.set_max_size(7);
    let pid = kill_at_write(&env, &["apply", "--yes"], 3);
    let output = env.sakk(&["apply", "--yes"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(stderr.contains(&format!("(pid {pid})")), "{stderr}");
    let id = lock_id(&stderr);
    let output = env.sakk(&["state", "unlock", &id, "--force"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(&format!("Released lock {id}")),
        "{}",
        text(&output)
    );
    let output = env.sakk(&["apply", "--yes"]);
    assert!(output.status.success(), "{}", text(&output));
    let pulled = env.pulled();
    assert!(
        pulled["fencing"].as_u64().expect("fencing") >= fencing + 2,
        "every acquisition grows the counter: {} then {}",
        fencing,
        pulled["fencing"]
    );
    let output = env.sakk(&["plan", "--detailed-exitcode"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "converged:\n{}",
        text(&output)
    );
    let output = env.sakk(&["state", "unlock", &id]);
    assert!(
        output.status.success() && String::from_utf8_lossy(&output.stderr).contains("not locked"),
        "{}",
        text(&output)
    );
}

#[test]
fn a_killed_holder_is_refused_until_its_lease_ends_or_it_is_unlocked_s3_lock() {
    killed_holder(Flavour::S3Object);
}

#[test]
fn a_killed_holder_is_refused_until_its_lease_ends_or_it_is_unlocked_dynamodb_lock() {
    killed_holder(Flavour::DynamoDb);
}

fn stopped_holder(flavour: Flavour) {
    const LEASE: f64 = 6.0;
    let mut env = Env::start(flavour, 2);
    env.lease_seconds = Some(LEASE);
    let output = env.sakk(&["init"]);
    assert!(output.status.success(), "{}", text(&output));
    env.proxies[0].set_faults(ProxyFaults {
        latency: LATENCY,
        ..ProxyFaults::default()
    });
    // `a` applies, and is frozen (SIGSTOP: a paused laptop, a stopped CI runner) half-way.
    let mut stale = env.spawn(0, &["apply", "--yes"]);
    let stale_pid = stale.id();
    let deadline = Instant::now() + Duration::from_secs(60);
    while env.proxies[0].counts().total_writes() < 15 {
        if let Ok(Some(_)) = stale.try_wait() {
            let output = stale.wait_with_output().expect("output");
            panic!("the first apply ended early:\n{}", text(&output));
        }
        assert!(Instant::now() < deadline, "the first apply never got going");
        std::thread::sleep(Duration::from_millis(2));
    }
    signal(&stale, "STOP");
    std::thread::sleep(Duration::from_secs_f64(LEASE + 0.5));
    // `b` takes over the expired lease and finishes the apply.
    let output = env
        .command(1, &["apply", "--yes"])
        .output()
        .expect("sakk runs");
    assert!(
        output.status.success(),
        "{flavour:?}: the takeover\n{}",
        text(&output)
    );
    let after_takeover = env.pulled();
    // `a` wakes up: whatever it still wants to write is refused.
    signal(&stale, "CONT");
    let output = finish(stale, Duration::from_secs(60));
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no longer held by this run")
            || stderr.contains("written under a newer lock")
            || stderr.contains("expired"),
        "{flavour:?}: the stale holder says why it stopped:\n{stderr}"
    );
    assert!(
        env.pulled() == after_takeover,
        "nothing of the stale holder reached the state"
    );
    assert!(after_takeover["fencing"].as_u64().expect("fencing") >= 2);
    let output = env.sakk(&["state", "history", "--output", "json"]);
    assert!(output.status.success(), "{}", text(&output));
    let history: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let latest = &history[0];
    assert!(
        !latest["writer"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("(pid {stale_pid})")),
        "the current version is not the stale holder's: {latest}"
    );
    // Through `b`'s proxy, which served the EKS add-ons `b` made (moto has none).
    let output = env
        .command(1, &["plan", "--detailed-exitcode"])
        .output()
        .expect("sakk runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "converged:\n{}",
        text(&output)
    );
}

#[test]
fn a_holder_stopped_past_its_lease_is_fenced_off_s3_lock() {
    stopped_holder(Flavour::S3Object);
}

#[test]
fn a_holder_stopped_past_its_lease_is_fenced_off_dynamodb_lock() {
    stopped_holder(Flavour::DynamoDb);
}
