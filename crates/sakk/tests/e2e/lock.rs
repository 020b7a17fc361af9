//! One writer per cluster: a second apply while one runs is refused with the holder's name,
//! and a killed holder leaves no lock behind.

use crate::harness::{Env, text};
use sakk_testkit::proxy::ProxyFaults;
use std::time::{Duration, Instant};

#[test]
fn a_second_apply_is_refused_while_one_runs_and_a_killed_one_leaves_no_lock() {
    let env = Env::start();
    env.prepare("simple");
    env.proxy.set_faults(ProxyFaults {
        latency: Duration::from_millis(30),
        ..ProxyFaults::default()
    });
    let mut first = env.spawn(&["apply", "--yes"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while env.proxy.counts().total_writes() == 0 {
        assert!(Instant::now() < deadline, "the first apply never wrote");
        std::thread::sleep(Duration::from_millis(10));
    }
    let second = env.sakk(&["apply", "--yes"]);
    assert_eq!(second.status.code(), Some(1), "{}", text(&second));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("the state is locked") && stderr.contains("for `apply` since"),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("pid {}", first.id())), "{stderr}");

    // SIGKILL the holder: the OS lock dies with it, and the next apply finishes the job.
    first.kill().expect("kill");
    let _ = first.wait();
    env.proxy.set_faults(ProxyFaults::default());
    let output = env.sakk(&["apply", "--yes"]);
    assert!(output.status.success(), "{}", text(&output));
    let output = env.sakk(&["plan", "--detailed-exitcode"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
}
