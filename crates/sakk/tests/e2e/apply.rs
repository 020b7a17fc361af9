//! Apply, plan, apply again: nothing to do and not one write.

use crate::harness::{Env, text};

#[test]
fn apply_then_plan_shows_no_change_and_a_second_apply_writes_nothing() {
    let env = Env::start();
    env.prepare("simple");
    let output = env.sakk(&["apply", "--yes"]);
    assert!(output.status.success(), "{}", text(&output));
    let first = env.proxy.counts();
    assert!(first.total_writes() > 50, "{first:?}");

    env.proxy.set_faults(Default::default());
    let output = env.sakk(&["plan", "--detailed-exitcode"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("No changes"),
        "{}",
        text(&output)
    );
    // Reads of a no-op plan, counted at the proxy: batched by tag filters, not one per resource.
    let plan = env.proxy.counts();
    assert_eq!(plan.total_writes(), 0, "plan wrote: {:?}", plan.writes);
    let kinds = sakk_plan::Kind::ALL.len() as u64;
    eprintln!(
        "no-op plan on moto: {} reads for {kinds} resource kinds: {:#?}",
        plan.total_reads(),
        plan.reads
    );
    assert!(plan.total_reads() <= 2 * kinds, "{:#?}", plan.reads);

    env.proxy.set_faults(Default::default());
    let output = env.sakk(&["apply", "--yes"]);
    assert!(output.status.success(), "{}", text(&output));
    let second = env.proxy.counts();
    assert_eq!(
        second.total_writes(),
        0,
        "a second apply wrote: {:?}",
        second.writes
    );

    let shape = env.shape("simple", "sandbox");
    assert_eq!(shape.get("vpc").map(Vec::len), Some(1), "{shape:#?}");
    assert_eq!(shape.get("subnet").map(Vec::len), Some(4), "{shape:#?}");
    let output = env.sakk(&["state", "list"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("eks_cluster.main"));
}
