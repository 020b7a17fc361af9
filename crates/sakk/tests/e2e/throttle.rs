//! 30% of calls throttled, in each service's own error shape: apply still completes.

use crate::harness::{Env, text};
use sakk_testkit::proxy::ProxyFaults;

#[test]
fn apply_completes_with_thirty_percent_of_calls_throttled() {
    let env = Env::start();
    env.prepare("simple");
    env.proxy.set_faults(ProxyFaults {
        throttle: 0.3,
        seed: 3,
        ..ProxyFaults::default()
    });
    let output = env.sakk(&["apply", "--yes"]);
    assert!(output.status.success(), "{}", text(&output));
    let counts = env.proxy.counts();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let summary = stderr
        .lines()
        .find(|line| line.contains("retries after throttling"))
        .unwrap_or_default()
        .to_owned();
    eprintln!(
        "30% throttling: {} calls throttled by the proxy; sakk: {summary}",
        counts.throttled
    );
    assert!(counts.throttled > 20, "{counts:?}");
    assert!(
        summary.contains(&format!("{} retries after throttling", counts.throttled)),
        "every throttled call was retried: {summary}"
    );
    env.proxy.set_faults(ProxyFaults::default());
    let output = env.sakk(&["plan", "--detailed-exitcode"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
}
