//! The S3 state store and both lock flavours against moto on 127.0.0.1, through the real AWS
//! SDK. One generic suite, run once with the S3 lock object and once with the DynamoDB lock
//! item: both flavours must behave the same. Leases are measured with a clock the tests move
//! by hand, so expiry needs no sleeping (moto only compares what the client sends). Calls go
//! through the test kit's proxy: moto checks a write's condition and then stores, so without
//! the proxy two racing conditional writes could both pass, which S3 and DynamoDB never allow.

use sakk_cloud::BackendServices;
use sakk_cloud::objects::Encryption;
use sakk_state::lock::{DynamoLock, LOCK_TABLE_KEY, Lock, Locking, S3Lock, lock_key};
use sakk_state::{
    Clock, LockInfo, ManualClock, S3Store, S3StoreSettings, State, StateError, StateStore,
    SystemClock, keep_alive,
};
use sakk_testkit::moto::Moto;
use sakk_testkit::proxy::{Proxy, ProxyCounts, ProxyFaults};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const REGION: &str = "eu-west-1";
const LEASE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavour {
    S3Object,
    DynamoDb,
}

/// One moto behind the test kit's proxy (which makes conditional writes atomic, as S3 and
/// DynamoDB are and moto is not), its services, and a fresh bucket (and lock table) per case.
struct Harness {
    services: BackendServices,
    flavour: Flavour,
    cases: AtomicUsize,
}

/// One case's state location.
struct Case {
    bucket: String,
    key: String,
    table: String,
}

impl Harness {
    async fn start(flavour: Flavour, endpoint: &str) -> Self {
        let aws = sakk_aws::Aws::emulator(REGION, endpoint).await;
        Self {
            services: aws.backend(),
            flavour,
            cases: AtomicUsize::new(0),
        }
    }

    async fn case(&self) -> Case {
        let number = self.cases.fetch_add(1, Ordering::SeqCst);
        let case = Case {
            bucket: format!("state-{number}"),
            key: format!("fleet/cluster-{number}/state.json"),
            table: format!("locks-{number}"),
        };
        self.services
            .s3
            .create_bucket(&case.bucket, &Default::default())
            .await
            .expect("bucket");
        self.services
            .s3
            .put_versioning(&case.bucket, true)
            .await
            .expect("versioning");
        if self.flavour == Flavour::DynamoDb {
            self.services
                .dynamodb
                .create_table(&case.table, LOCK_TABLE_KEY, &Default::default())
                .await
                .expect("table");
        }
        case
    }

    fn lock(&self, case: &Case) -> Arc<dyn Lock> {
        match self.flavour {
            Flavour::S3Object => Arc::new(S3Lock::new(
                self.services.objects.clone(),
                &case.bucket,
                &case.key,
                Encryption::S3Managed,
            )),
            Flavour::DynamoDb => Arc::new(DynamoLock::new(
                self.services.dynamodb.clone(),
                &case.table,
                &case.bucket,
                &case.key,
            )),
        }
    }

    fn locking(&self, case: &Case, clock: Arc<dyn Clock>, lease: Duration) -> Locking {
        Locking::new(self.lock(case), clock, lease, "s3://test/state")
    }

    fn store(&self, case: &Case, clock: Arc<dyn Clock>, lease: Duration) -> S3Store {
        self.store_with(case, clock, lease, None)
    }

    fn store_with(
        &self,
        case: &Case,
        clock: Arc<dyn Clock>,
        lease: Duration,
        kms_key_id: Option<&str>,
    ) -> S3Store {
        let settings = S3StoreSettings {
            bucket: case.bucket.clone(),
            key: case.key.clone(),
            kms_key_id: kms_key_id.map(str::to_owned),
            lease,
        };
        match self.flavour {
            Flavour::S3Object => {
                S3Store::with_s3_lock(self.services.objects.clone(), &settings, clock)
            }
            Flavour::DynamoDb => S3Store::with_dynamodb_lock(
                self.services.objects.clone(),
                self.services.dynamodb.clone(),
                &case.table,
                &settings,
                clock,
            ),
        }
    }
}

fn info(holder: &str, operation: &str) -> LockInfo {
    LockInfo {
        holder: holder.into(),
        operation: operation.into(),
        since: 1_795_000_000,
    }
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(1_795_000_000_000))
}

/// Starts moto and the proxy (each with its own runtime, so outside the suite's), then runs
/// the suite; returns what the proxy saw.
fn suite(flavour: Flavour, faults: ProxyFaults) -> ProxyCounts {
    let moto = Moto::start();
    let proxy = Proxy::start(moto.port());
    proxy.set_faults(faults);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(cases(flavour, &proxy.endpoint()));
    proxy.counts()
}

/// S3 answering 30% of conditional writes (lock object and state) with 409
/// ConditionalRequestConflict.
fn conflicts() -> ProxyFaults {
    ProxyFaults {
        conditional_conflicts: 0.3,
        seed: 15,
        ..Default::default()
    }
}

async fn cases(flavour: Flavour, endpoint: &str) {
    let harness = Harness::start(flavour, endpoint).await;
    one_holder_and_the_refusal_names_it(&harness).await;
    racing_takers_exactly_one_wins(&harness).await;
    release_only_by_the_holder_and_the_counter_grows(&harness).await;
    renewal_keeps_others_out_and_expiry_lets_them_in(&harness).await;
    unlock_by_lock_id(&harness).await;
    writes_are_compare_and_swap(&harness).await;
    a_writer_whose_lease_was_taken_over_cannot_write(&harness).await;
    an_expired_lease_writes_nothing(&harness).await;
    history_and_versions(&harness).await;
    newer_formats_are_refused(&harness).await;
    objects_are_encrypted(&harness).await;
    keep_alive_renews_in_the_background(&harness).await;
}

#[test]
fn s3_lock_object() {
    suite(Flavour::S3Object, ProxyFaults::default());
}

#[test]
fn dynamodb_lock_item() {
    suite(Flavour::DynamoDb, ProxyFaults::default());
}

#[test]
fn s3_lock_object_with_409s_at_thirty_percent() {
    let counts = suite(Flavour::S3Object, conflicts());
    // The fault really fired: every one of these was a conditional write S3 refused to judge.
    assert!(counts.conflicts >= 20, "{counts:?}");
    eprintln!(
        "409 ConditionalRequestConflict answers: {} (S3 writes reaching moto: {})",
        counts.conflicts,
        counts
            .writes
            .iter()
            .filter(|(call, _)| call.starts_with("s3 "))
            .map(|(_, count)| count)
            .sum::<u64>()
    );
}

#[test]
fn dynamodb_lock_item_with_409s_at_thirty_percent() {
    // The lock is DynamoDB's; the state's compare-and-swap writes still meet S3's 409s.
    let counts = suite(Flavour::DynamoDb, conflicts());
    assert!(counts.conflicts >= 5, "{counts:?}");
    eprintln!(
        "409 ConditionalRequestConflict answers: {}",
        counts.conflicts
    );
}

/// A write that meets nothing but 409s is sent a bounded number of times, then fails saying
/// why, having written nothing.
#[test]
fn endless_409s_end_in_a_clear_error() {
    let moto = Moto::start();
    let proxy = Proxy::start(moto.port());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let harness = Harness::start(Flavour::S3Object, &proxy.endpoint()).await;
        let case = harness.case().await;
        let locking = harness.locking(&case, clock(), LEASE);
        proxy.set_faults(ProxyFaults {
            conditional_conflicts: 1.0,
            ..Default::default()
        });
        let error = locking
            .acquire(&info("ci@runner", "apply"), 0)
            .await
            .expect_err("no write can pass");
        let message = error.to_string();
        assert!(
            matches!(error, StateError::ConditionalConflicts { attempts, .. } if attempts == sakk_state::CONFLICT_ATTEMPTS),
            "{error:?}"
        );
        assert!(
            message.contains("409 ConditionalRequestConflict")
                && message.contains(&lock_key(&case.key))
                && message.contains("nothing was written"),
            "{message}"
        );
        assert_eq!(
            proxy.counts().conflicts,
            u64::from(sakk_state::CONFLICT_ATTEMPTS)
        );
        proxy.set_faults(ProxyFaults::default());
        assert_eq!(locking.status().await.expect("status"), None, "nothing written");
    });
}

async fn one_holder_and_the_refusal_names_it(harness: &Harness) {
    let case = harness.case().await;
    let clock = clock();
    let locking = harness.locking(&case, clock.clone(), LEASE);
    let taken = locking
        .acquire(&info("ada@laptop (pid 7)", "apply"), 0)
        .await
        .expect("first taker");
    assert_eq!(taken.record.fencing, 1);
    assert_eq!(taken.record.expires_ms, clock.now_ms() + 60_000);
    clock.advance(Duration::from_secs(5));
    match locking
        .acquire(&info("ci@runner (pid 9)", "destroy"), 0)
        .await
    {
        Err(error @ StateError::Locked { .. }) => {
            let StateError::Locked {
                id,
                holder,
                operation,
                since_ms,
                expires_ms,
                ..
            } = &error
            else {
                unreachable!()
            };
            assert_eq!(id, &taken.record.id);
            assert_eq!(holder, "ada@laptop (pid 7)");
            assert_eq!(operation, "apply");
            assert_eq!(*since_ms, taken.record.acquired_ms);
            assert_eq!(*expires_ms, Some(taken.record.expires_ms));
            let text = error.to_string();
            assert!(
                text.contains("ada@laptop (pid 7)")
                    && text.contains("`apply`")
                    && text.contains("2026-11-18T11:06:40Z")
                    && text.contains(&taken.record.id),
                "{text}"
            );
        }
        other => panic!("{:?}: expected Locked, got {other:?}", harness.flavour),
    }
    let status = locking.status().await.expect("status").expect("a record");
    assert_eq!(status, taken.record);
}

async fn racing_takers_exactly_one_wins(harness: &Harness) {
    for round in 0..6 {
        let case = harness.case().await;
        let manual = clock();
        let clock: Arc<dyn Clock> = manual.clone();
        // Odd rounds race to take over an expired lease (the `If-Match` / revision path),
        // even rounds to create the lock (the `If-None-Match` / absent path).
        let mut fencing = 1;
        if round % 2 == 1 {
            harness
                .locking(&case, clock.clone(), LEASE)
                .acquire(&info("dead holder", "apply"), 0)
                .await
                .expect("first holder");
            manual.advance(LEASE);
            fencing = 2;
        }
        let mut tasks = Vec::new();
        for taker in 0..8 {
            let locking = harness.locking(&case, clock.clone(), LEASE);
            tasks.push(tokio::spawn(async move {
                locking
                    .acquire(&info(&format!("taker-{taker}"), "apply"), 0)
                    .await
            }));
        }
        let mut won = Vec::new();
        for task in tasks {
            match task.await.expect("task") {
                Ok(taken) => won.push(taken),
                Err(StateError::Locked { .. }) => {}
                Err(other) => panic!("{:?} round {round}: {other}", harness.flavour),
            }
        }
        assert_eq!(
            won.len(),
            1,
            "{:?} round {round}: {} takers won",
            harness.flavour,
            won.len()
        );
        let stored = harness
            .locking(&case, clock.clone(), LEASE)
            .status()
            .await
            .expect("status")
            .expect("record");
        assert_eq!(
            stored, won[0].record,
            "the winner's record is the stored one"
        );
        assert_eq!(stored.fencing, fencing);
    }
}

async fn release_only_by_the_holder_and_the_counter_grows(harness: &Harness) {
    let case = harness.case().await;
    let clock = clock();
    let locking = harness.locking(&case, clock.clone(), LEASE);
    let first = locking.acquire(&info("a", "apply"), 0).await.expect("a");
    // Someone holding a record that is not the current one cannot release it.
    let mut forged = first.clone();
    forged.record.id = "not-the-holder".into();
    assert!(matches!(
        locking.release(&forged).await,
        Err(StateError::LeaseLost { .. })
    ));
    assert!(
        locking
            .status()
            .await
            .expect("status")
            .expect("record")
            .is_held_at(clock.now_ms()),
        "still held after a release by a non-holder"
    );
    locking
        .release(&first)
        .await
        .expect("released by its holder");
    let status = locking.status().await.expect("status").expect("record");
    assert!(status.released && !status.is_held_at(clock.now_ms()));
    let second = locking.acquire(&info("b", "apply"), 0).await.expect("b");
    assert_eq!(second.record.fencing, 2);
    locking.release(&second).await.expect("release");
    let third = locking.acquire(&info("c", "apply"), 10).await.expect("c");
    assert_eq!(third.record.fencing, 11, "above the floor from the state");
    // Releasing twice is refused: the lock is no longer this holder's.
    locking.release(&third).await.expect("release");
    assert!(matches!(
        locking.release(&third).await,
        Err(StateError::LeaseLost { .. })
    ));
}

async fn renewal_keeps_others_out_and_expiry_lets_them_in(harness: &Harness) {
    let case = harness.case().await;
    let clock = clock();
    let locking = harness.locking(&case, clock.clone(), LEASE);
    let taken = locking.acquire(&info("a", "apply"), 0).await.expect("a");
    clock.advance(Duration::from_secs(45));
    let renewed = locking.renew(&taken).await.expect("renewed");
    assert_eq!(renewed.record.expires_ms, clock.now_ms() + 60_000);
    assert_eq!(renewed.record.fencing, taken.record.fencing);
    clock.advance(Duration::from_secs(45));
    // 90 s after taking it, past the first lease, still held thanks to the renewal.
    assert!(matches!(
        locking.acquire(&info("b", "apply"), 0).await,
        Err(StateError::Locked { .. })
    ));
    clock.advance(Duration::from_secs(16));
    let takeover = locking
        .acquire(&info("b", "apply"), 0)
        .await
        .expect("the lease expired: b takes over");
    assert_eq!(takeover.record.fencing, taken.record.fencing + 1);
    assert_eq!(takeover.record.holder, "b");
    // The old holder learns it lost the lock, and cannot disturb the new one.
    match locking.renew(&renewed).await {
        Err(StateError::LeaseLost { detail, .. }) => {
            assert!(detail.contains("b took it over"), "{detail}");
        }
        other => panic!("expected LeaseLost, got {other:?}"),
    }
    assert!(matches!(
        locking.release(&renewed).await,
        Err(StateError::LeaseLost { .. })
    ));
    let status = locking.status().await.expect("status").expect("record");
    assert_eq!(status.id, takeover.record.id);
    assert!(status.is_held_at(clock.now_ms()));
}

async fn unlock_by_lock_id(harness: &Harness) {
    let case = harness.case().await;
    let clock = clock();
    let locking = harness.locking(&case, clock.clone(), LEASE);
    assert!(matches!(
        locking.unlock("anything", false).await,
        Err(StateError::NotLocked { .. })
    ));
    let taken = locking.acquire(&info("a", "apply"), 0).await.expect("a");
    assert!(matches!(
        locking.unlock("some-other-id", true).await,
        Err(StateError::WrongLockId { .. })
    ));
    match locking.unlock(&taken.record.id, false).await {
        Err(StateError::LeaseFresh { holder, .. }) => assert_eq!(holder, "a"),
        other => panic!("expected LeaseFresh, got {other:?}"),
    }
    let broken = locking
        .unlock(&taken.record.id, true)
        .await
        .expect("forced");
    assert_eq!(broken, taken.record);
    assert!(matches!(
        locking.unlock(&taken.record.id, true).await,
        Err(StateError::NotLocked { .. })
    ));
    // After expiry no force is needed.
    let second = locking.acquire(&info("b", "apply"), 0).await.expect("b");
    assert_eq!(second.record.fencing, taken.record.fencing + 1);
    clock.advance(LEASE + Duration::from_millis(1));
    locking
        .unlock(&second.record.id, false)
        .await
        .expect("an expired lease is unlocked without force");
    // The broken holder cannot renew.
    assert!(matches!(
        locking.renew(&second).await,
        Err(StateError::LeaseLost { .. })
    ));
}

fn state(serial: u64) -> State {
    let mut state = State::new("ml-dev", REGION, "lineage-1".into());
    state.serial = serial;
    state
}

async fn writes_are_compare_and_swap(harness: &Harness) {
    let case = harness.case().await;
    let store = harness.store(&case, clock(), LEASE);
    assert!(store.read().await.expect("read").is_none());
    let lease = store.lock(&info("a", "apply")).await.expect("lock");
    let first = store
        .write(&state(1), None, Some(&lease))
        .await
        .expect("create");
    assert!(
        matches!(
            store.write(&state(1), None, Some(&lease)).await,
            Err(StateError::Conflict { .. })
        ),
        "a second create is refused (If-None-Match)"
    );
    let second = store
        .write(&state(2), Some(&first), Some(&lease))
        .await
        .expect("update");
    assert!(
        matches!(
            store.write(&state(3), Some(&first), Some(&lease)).await,
            Err(StateError::Conflict { .. })
        ),
        "a stale version is refused (If-Match)"
    );
    let (read, version) = store.read().await.expect("read").expect("stored");
    assert_eq!(version, second);
    assert_eq!(read.serial, 2);
    assert_eq!(read.fencing, lease.fencing, "the fencing counter travels");
    store.unlock(lease).await.expect("unlock");
}

async fn a_writer_whose_lease_was_taken_over_cannot_write(harness: &Harness) {
    let case = harness.case().await;
    // Each writer has its own clock: `a`'s stalls (a paused laptop, a stopped CI job), so by
    // its own account its lease is still good and only the compare-and-swap and the fencing
    // counter stand in its way; `b`'s moves past `a`'s lease.
    let clock_a = clock();
    let clock_b = clock();
    let first = harness.store(&case, clock_a.clone(), LEASE);
    let second = harness.store(&case, clock_b.clone(), LEASE);
    let old = first.lock(&info("a", "apply")).await.expect("a locks");
    let version = first
        .write(&state(1), None, Some(&old))
        .await
        .expect("a writes");
    clock_b.advance(LEASE + Duration::from_secs(1));
    let new = second
        .lock(&info("b", "apply"))
        .await
        .expect("b takes over");
    assert_eq!(new.fencing, old.fencing + 1);
    let (claimed, claimed_version) = second.read().await.expect("read").expect("stored");
    assert_eq!(
        claimed.fencing, new.fencing,
        "the takeover stamped the state"
    );
    assert_eq!(claimed.serial, 1, "stamping changes no serial");
    match first.write(&state(2), Some(&version), Some(&old)).await {
        Err(StateError::Fenced { stored, ours, .. }) => {
            assert_eq!((stored, ours), (new.fencing, old.fencing));
        }
        other => panic!("expected Fenced, got {other:?}"),
    }
    assert!(old.lost().is_some(), "the stale lease is marked lost");
    // Even with the current ETag, a lease marked lost writes nothing.
    assert!(matches!(
        first
            .write(&state(2), Some(&claimed_version), Some(&old))
            .await,
        Err(StateError::LeaseLost { .. })
    ));
    let status = second.lock_status().await.expect("status").expect("record");
    assert_eq!(status.holder, "b");
    let fresh_old = first.lock(&info("a2", "apply")).await;
    assert!(
        matches!(fresh_old, Err(StateError::Locked { .. })),
        "a's clock has not moved, so b's lease is fresh to it"
    );
    let (after, _) = second.read().await.expect("read").expect("stored");
    assert_eq!(after, claimed, "nothing of the stale writer landed");
    // The old lease learns it on renewal too.
    let renewal = first.renew(&old).await;
    assert!(
        matches!(renewal, Err(StateError::LeaseLost { .. })),
        "{renewal:?}"
    );
    second
        .write(&state(2), Some(&claimed_version), Some(&new))
        .await
        .expect("the new holder writes");
}

async fn an_expired_lease_writes_nothing(harness: &Harness) {
    let case = harness.case().await;
    let clock = clock();
    let store = harness.store(&case, clock.clone(), LEASE);
    let lease = store.lock(&info("a", "apply")).await.expect("lock");
    clock.advance(LEASE);
    assert!(matches!(
        store.write(&state(1), None, Some(&lease)).await,
        Err(StateError::LeaseExpired { .. })
    ));
    assert!(store.read().await.expect("read").is_none());
    // Renewing is still possible while nobody took it over, and makes it usable again.
    store.renew(&lease).await.expect("renew");
    store
        .write(&state(1), None, Some(&lease))
        .await
        .expect("write after renewal");
}

async fn history_and_versions(harness: &Harness) {
    let case = harness.case().await;
    let clock = clock();
    let store = harness.store(&case, clock.clone(), LEASE);
    let lease = store
        .lock(&info("ada@laptop (pid 7)", "apply"))
        .await
        .expect("lock");
    let mut version = None;
    for serial in 1..=3 {
        version = Some(
            store
                .write(&state(serial), version.as_ref(), Some(&lease))
                .await
                .expect("write"),
        );
    }
    let history = store.history(10).await.expect("history");
    let serials: Vec<Option<u64>> = history.iter().map(|entry| entry.serial).collect();
    assert_eq!(serials, [Some(3), Some(2), Some(1)], "{history:#?}");
    assert!(history[0].current && !history[1].current);
    assert!(history.iter().all(|entry| {
        entry.writer.as_deref() == Some("ada@laptop (pid 7)")
            && entry.operation.as_deref() == Some("apply")
            && entry.fencing == Some(lease.fencing)
    }));
    let limited = store.history(2).await.expect("history");
    assert_eq!(limited.len(), 2);
    let oldest = store
        .read_version(&history[2].version_id)
        .await
        .expect("oldest");
    assert_eq!(oldest.serial, 1);
    assert!(matches!(
        store.read_version("no-such-version").await,
        Err(StateError::Cloud { .. })
    ));
}

async fn newer_formats_are_refused(harness: &Harness) {
    let case = harness.case().await;
    let store = harness.store(&case, clock(), LEASE);
    let newer = String::from_utf8(state(1).to_bytes())
        .expect("utf8")
        .replace("\"format_version\": 1", "\"format_version\": 9");
    harness
        .services
        .objects
        .put(
            &case.bucket,
            &case.key,
            newer.into_bytes(),
            &sakk_cloud::objects::Precondition::None,
            &Encryption::S3Managed,
            &Default::default(),
        )
        .await
        .expect("seed");
    assert!(matches!(
        store.read().await,
        Err(StateError::NewerFormat { found: 9, .. })
    ));
    assert!(
        matches!(
            store.lock(&info("a", "apply")).await,
            Err(StateError::NewerFormat { found: 9, .. })
        ),
        "a state this sakk cannot read is never locked for writing"
    );
}

async fn objects_are_encrypted(harness: &Harness) {
    let case = harness.case().await;
    let store = harness.store_with(&case, clock(), LEASE, Some("alias/sakk-state"));
    let lease = store.lock(&info("a", "apply")).await.expect("lock");
    store
        .write(&state(1), None, Some(&lease))
        .await
        .expect("write");
    let object = harness
        .services
        .objects
        .get(&case.bucket, &case.key)
        .await
        .expect("get")
        .expect("stored");
    assert_eq!(
        object.encryption,
        Some(Encryption::Kms("alias/sakk-state".into()))
    );
    if harness.flavour == Flavour::S3Object {
        let lock = harness
            .services
            .objects
            .get(&case.bucket, &lock_key(&case.key))
            .await
            .expect("get")
            .expect("lock object");
        assert_eq!(
            lock.encryption,
            Some(Encryption::Kms("alias/sakk-state".into()))
        );
    }
    let plain = harness.case().await;
    let store = harness.store(&plain, clock(), LEASE);
    let lease = store.lock(&info("a", "apply")).await.expect("lock");
    store
        .write(&state(1), None, Some(&lease))
        .await
        .expect("write");
    let object = harness
        .services
        .objects
        .get(&plain.bucket, &plain.key)
        .await
        .expect("get")
        .expect("stored");
    assert_eq!(object.encryption, Some(Encryption::S3Managed));
}

async fn keep_alive_renews_in_the_background(harness: &Harness) {
    let case = harness.case().await;
    let lease_length = Duration::from_millis(800);
    let store: Arc<dyn StateStore> =
        Arc::new(harness.store(&case, Arc::new(SystemClock), lease_length));
    let other = harness.store(&case, Arc::new(SystemClock), lease_length);
    let lease = store.lock(&info("a", "apply")).await.expect("lock");
    let first_expiry = lease.expires_ms().expect("expires");
    let keeper = keep_alive(store.clone(), &lease).expect("a remote lease is kept alive");
    tokio::time::sleep(lease_length * 3).await;
    assert!(
        lease.expires_ms().expect("expires") > first_expiry + 1000,
        "renewed in the background"
    );
    assert!(matches!(
        other.lock(&info("b", "apply")).await,
        Err(StateError::Locked { .. })
    ));
    lease
        .check("lock", SystemClock.now_ms())
        .expect("still usable");
    keeper.stop();
    tokio::time::sleep(lease_length + Duration::from_millis(100)).await;
    let taken = other
        .lock(&info("b", "apply"))
        .await
        .expect("without renewals the lease ran out");
    assert_eq!(taken.fencing, lease.fencing + 1);
}
