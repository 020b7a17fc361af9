//! A saved plan is applied exactly, and refused when AWS or the state moved since (G7).

use crate::harness::{Env, text};
use sakk_cloud::ec2::Filter;

#[test]
fn a_saved_plan_applies_and_a_stale_one_is_refused() {
    let env = Env::start();
    env.prepare("simple");
    let output = env.sakk(&["plan", "--out", "plan.json"]);
    assert!(output.status.success(), "{}", text(&output));
    env.proxy.set_faults(Default::default());
    let output = env.sakk(&["plan", "--detailed-exitcode"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert_eq!(env.proxy.counts().total_writes(), 0, "plan wrote");
    let output = env.sakk(&["apply", "--yes", "plan.json"]);
    assert!(output.status.success(), "{}", text(&output));

    // The state moved: the old plan is refused.
    let output = env.sakk(&["apply", "--yes", "plan.json"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("changed since the plan was saved"));

    // AWS moved (a tag changed out of band): a fresh plan shows it, and is refused once AWS moves again.
    let output = env.sakk(&["plan", "--out", "fresh.json"]);
    assert!(output.status.success(), "{}", text(&output));
    let vpc = env
        .runtime
        .block_on(
            env.cloud
                .ec2
                .vpcs(&[Filter::tag("sakk.dev/cluster", "simple")]),
        )
        .expect("vpcs")
        .remove(0);
    env.runtime
        .block_on(env.cloud.ec2.delete_tags(&vpc.id, &["Name".to_owned()]))
        .expect("untag");
    let output = env.sakk(&["apply", "--yes", "fresh.json"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("AWS changed since the plan was saved"),
        "{}",
        text(&output)
    );
}
