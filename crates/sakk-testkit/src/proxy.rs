//! A fault-injecting HTTP proxy between the AWS SDK and moto.
//!
//! It names each call (service from the signature's credential scope; operation from the
//! `Action` parameter, the `X-Amz-Target` header, or the REST method and path), counts reads
//! and writes, and can, per call: answer with the service's own throttling error, answer with a
//! 5xx, answer an S3 conditional write with a 409 `ConditionalRequestConflict`, add latency,
//! stop at the k-th write and never answer (the test then kills the process), or let the k-th
//! write reach moto and drop the answer, or hold the answers of chosen writes.
//! It also serves, from memory, the EKS APIs moto does not implement: add-ons and access
//! entries (with their access policies), kept per moto like moto's own state, so that every
//! proxy in front of one moto sees the same ones. It scripts EKS failure phases (an add-on,
//! node group or cluster created while scripted is reported DEGRADED, CREATE_FAILED or FAILED,
//! UPDATE_FAILED after an update, or CREATING), gives each cluster creation its own OIDC
//! issuer, makes S3 and DynamoDB conditional writes atomic, as the services are and moto
//! is not, and applies the tags of an S3 `CreateBucket` with the bucket, as S3 does and moto
//! does not.

use crate::fake::{EksKind, Script};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// Faults of the proxy.
#[derive(Debug, Clone, Default)]
pub struct ProxyFaults {
    /// Share of calls answered with the service's throttling error.
    pub throttle: f64,
    /// Share of calls answered with a 500.
    pub server_errors: f64,
    /// Share of S3 conditional writes (`If-Match`, `If-None-Match`) answered `409
    /// ConditionalRequestConflict` without reaching moto, as S3 answers a conditional write
    /// racing another one to the same key.
    pub conditional_conflicts: f64,
    /// Added to every call.
    pub latency: Duration,
    /// The k-th write (1-based) is held, never forwarded nor answered.
    pub halt_at_write: Option<u64>,
    /// The k-th write reaches moto; its answer is dropped.
    pub lose_write: Option<u64>,
    /// Writes (by `service operation`, as counted) that take effect at once but whose answer
    /// comes back only after `hold_answers_for`: a process stopped meanwhile has made them
    /// without knowing it.
    pub hold_answers_of: Vec<String>,
    /// How long those answers are held.
    pub hold_answers_for: Duration,
    /// Seed of the random decisions.
    pub seed: u64,
}

/// Calls seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyCounts {
    /// Reads by `service operation`.
    pub reads: BTreeMap<String, u64>,
    /// Writes by `service operation`.
    pub writes: BTreeMap<String, u64>,
    /// Calls answered with throttling.
    pub throttled: u64,
    /// Calls answered with a 500.
    pub failed: u64,
    /// S3 conditional writes answered with a 409 `ConditionalRequestConflict`.
    pub conflicts: u64,
}

impl ProxyCounts {
    /// All reads.
    pub fn total_reads(&self) -> u64 {
        self.reads.values().sum()
    }
    /// All writes.
    pub fn total_writes(&self) -> u64 {
        self.writes.values().sum()
    }
}

/// What the proxies add to one moto: shared by every proxy in front of it.
#[derive(Default)]
struct Extension {
    /// Add-ons by (cluster, name).
    addons: BTreeMap<(String, String), Value>,
    /// Access entries by (cluster, principal).
    entries: BTreeMap<(String, String), Value>,
    /// Associated policies by (cluster, principal).
    policies: BTreeMap<(String, String), Vec<String>>,
    /// Scripted failure phases by kind and name.
    scripts: BTreeMap<(EksKind, String), Script>,
    /// The status moto's clusters and node groups made while scripted are reported in, by
    /// kind and name (until they are deleted, or the script is lifted for a passing phase).
    phases: BTreeMap<(EksKind, String), &'static str>,
    /// The OIDC issuer suffix of each cluster, new with every creation.
    issuers: BTreeMap<String, String>,
    counter: u64,
}

impl Extension {
    /// The status a resource created now starts and stays in, when scripted.
    fn created(&self, kind: EksKind, name: &str) -> Option<&'static str> {
        match self.scripts.get(&(kind, name.to_owned()))? {
            Script::Degraded => Some("DEGRADED"),
            Script::CreateFailed if kind == EksKind::Cluster => Some("FAILED"),
            Script::CreateFailed => Some("CREATE_FAILED"),
            Script::StuckCreating => Some("CREATING"),
            Script::UpdateFailed => None,
        }
    }
}

/// EKS's `health` object for a resource of `kind` in `status`.
fn health_of(kind: EksKind, status: &str) -> Value {
    let issues: Vec<Value> = crate::fake::health(kind, status)
        .iter()
        .map(|issue| {
            let (code, message) = issue.split_once(": ").unwrap_or(("Other", issue));
            json!({ "code": code, "message": message, "resourceIds": [] })
        })
        .collect();
    json!({ "issues": issues })
}

/// The extension of the moto on `upstream`: one per moto, alive while a proxy in front of it
/// is.
fn extension_of(upstream: u16) -> Arc<Mutex<Extension>> {
    static EXTENSIONS: std::sync::OnceLock<Mutex<BTreeMap<u16, Weak<Mutex<Extension>>>>> =
        std::sync::OnceLock::new();
    let mut all = lock(EXTENSIONS.get_or_init(Default::default));
    if let Some(shared) = all.get(&upstream).and_then(Weak::upgrade) {
        return shared;
    }
    let shared = Arc::new(Mutex::new(Extension::default()));
    all.insert(upstream, Arc::downgrade(&shared));
    shared
}

struct Shared {
    upstream: u16,
    faults: Mutex<ProxyFaults>,
    counts: Mutex<ProxyCounts>,
    writes: AtomicU64,
    rng: Mutex<fastrand::Rng>,
    halted: Mutex<Option<tokio::sync::oneshot::Sender<u64>>>,
    halted_at: AtomicU64,
    halting: std::sync::atomic::AtomicBool,
    in_flight: AtomicU64,
    extension: Arc<Mutex<Extension>>,
    aliases: Mutex<BTreeMap<String, String>>,
    client: Client<HttpConnector, Full<Bytes>>,
}

/// A running proxy (stops when dropped).
pub struct Proxy {
    port: u16,
    shared: Arc<Shared>,
    _runtime: tokio::runtime::Runtime,
}

/// Which call a request is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// Service (`ec2`, `eks`...), from the signature.
    pub service: String,
    /// Operation, or `METHOD /path/pattern` for REST calls.
    pub operation: String,
    /// True when it changes something.
    pub write: bool,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%'
            && index + 2 < bytes.len()
            && let Ok(value) = u8::from_str_radix(&text[index + 1..index + 3], 16)
        {
            out.push(value);
            index += 3;
            continue;
        }
        out.push(if bytes[index] == b'+' {
            b' '
        } else {
            bytes[index]
        });
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Names a request.
pub fn identify(
    method: &str,
    path: &str,
    query: &str,
    headers: &hyper::HeaderMap,
    body: &[u8],
) -> Call {
    let authorization = headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let service = authorization
        .split("Credential=")
        .nth(1)
        .and_then(|scope| scope.split('/').nth(3))
        .unwrap_or("unknown")
        .to_owned();
    let read_prefix = |operation: &str| {
        ["Describe", "List", "Get", "Head"]
            .iter()
            .any(|prefix| operation.starts_with(prefix))
    };
    if let Some(target) = headers
        .get("x-amz-target")
        .and_then(|value| value.to_str().ok())
    {
        let operation = target.rsplit('.').next().unwrap_or(target).to_owned();
        let write = !read_prefix(&operation);
        return Call {
            service,
            operation,
            write,
        };
    }
    let text = String::from_utf8_lossy(body);
    if let Some(action) = text
        .split('&')
        .chain(query.split('&'))
        .find_map(|pair| pair.strip_prefix("Action="))
    {
        let operation = decode(action);
        let write = !read_prefix(&operation);
        return Call {
            service,
            operation,
            write,
        };
    }
    // REST: the method and the path with identifiers replaced.
    let pattern: Vec<&str> = path
        .split('/')
        .enumerate()
        .map(|(index, segment)| {
            let fixed = [
                "clusters",
                "node-groups",
                "addons",
                "access-entries",
                "access-policies",
                "update-config",
                "updates",
                "update",
                "tags",
                "2013-04-01",
                "hostedzone",
                "hostedzonesbyname",
                "rrset",
                "change",
                "",
            ];
            if fixed.contains(&segment) || index == 0 {
                segment
            } else {
                "*"
            }
        })
        .collect();
    let keys: Vec<&str> = query
        .split('&')
        .filter_map(|pair| pair.split('=').next())
        .filter(|key| !key.is_empty() && !key.starts_with("max") && !key.starts_with("x-id"))
        .collect();
    let mut operation = format!("{method} {}", pattern.join("/"));
    if !keys.is_empty() {
        operation.push('?');
        operation.push_str(&keys.join("&"));
    }
    let route53_read = service == "route53" && method == "POST" && path.contains("/tags/");
    let write = !(method == "GET" || method == "HEAD" || route53_read);
    Call {
        service,
        operation,
        write,
    }
}

/// The service's own error for `code` (`Throttling`, `InternalError`).
fn error_response(
    service: &str,
    status: u16,
    code: &str,
    message: &str,
    request_id: &str,
) -> Response<Full<Bytes>> {
    let (content_type, body, header) = match service {
        "ec2" => (
            "text/xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
            ),
            "x-amzn-requestid",
        ),
        "s3" => (
            "application/xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
            ),
            "x-amz-request-id",
        ),
        "iam" | "sts" | "route53" | "elasticloadbalancing" => (
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
            ),
            "x-amzn-requestid",
        ),
        _ => (
            "application/x-amz-json-1.1",
            json!({ "__type": code, "message": message }).to_string(),
            "x-amzn-requestid",
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let headers = response.headers_mut();
    if let Ok(value) = content_type.parse() {
        headers.insert("content-type", value);
    }
    if let Ok(value) = request_id.parse() {
        headers.insert(header, value);
    }
    if let Ok(value) = code.parse() {
        headers.insert("x-amzn-errortype", value);
    }
    response
}

fn throttle_code(service: &str) -> &'static str {
    match service {
        "ec2" => "RequestLimitExceeded",
        "s3" => "SlowDown",
        "iam" | "sts" | "route53" | "elasticloadbalancing" => "Throttling",
        _ => "ThrottlingException",
    }
}

fn json_response(status: u16, value: &Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(value.to_string())));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    if let Ok(value) = "application/json".parse() {
        response.headers_mut().insert("content-type", value);
    }
    if let Ok(value) = "proxy-request".parse() {
        response.headers_mut().insert("x-amzn-requestid", value);
    }
    response
}

fn eks_error(status: u16, code: &str, message: &str) -> Response<Full<Bytes>> {
    let mut response = json_response(status, &json!({ "message": message }));
    if let Ok(value) = code.parse() {
        response.headers_mut().insert("x-amzn-errortype", value);
    }
    response
}

/// An `HttpConnector` client.
fn client() -> Client<HttpConnector, Full<Bytes>> {
    Client::builder(TokioExecutor::new()).build_http()
}

impl Proxy {
    /// Starts a proxy in front of moto on `upstream`.
    pub fn start(upstream: u16) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|error| panic!("cannot start the proxy's runtime: {error}"));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap_or_else(|error| panic!("cannot bind the proxy: {error}"));
        let port = listener
            .local_addr()
            .map(|address| address.port())
            .unwrap_or(0);
        let shared = Arc::new(Shared {
            upstream,
            faults: Mutex::new(ProxyFaults::default()),
            counts: Mutex::new(ProxyCounts::default()),
            writes: AtomicU64::new(0),
            rng: Mutex::new(fastrand::Rng::with_seed(1)),
            halted: Mutex::new(None),
            halted_at: AtomicU64::new(0),
            halting: std::sync::atomic::AtomicBool::new(false),
            in_flight: AtomicU64::new(0),
            extension: extension_of(upstream),
            aliases: Mutex::new(BTreeMap::new()),
            client: runtime.block_on(async { client() }),
        });
        let serving = shared.clone();
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let shared = serving.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| handle(shared.clone(), request));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            port,
            shared,
            _runtime: runtime,
        }
    }

    /// The endpoint URL the SDK uses.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Sets the faults, restarts the write numbering and forgets the counts.
    pub fn set_faults(&self, faults: ProxyFaults) {
        *lock(&self.shared.rng) = fastrand::Rng::with_seed(faults.seed);
        *lock(&self.shared.faults) = faults;
        self.shared.writes.store(0, Ordering::SeqCst);
        self.shared.halted_at.store(0, Ordering::SeqCst);
        self.shared.halting.store(false, Ordering::SeqCst);
        *lock(&self.shared.counts) = ProxyCounts::default();
    }

    /// A receiver told the number of the write held by `halt_at_write`.
    pub fn on_halt(&self) -> tokio::sync::oneshot::Receiver<u64> {
        let (sender, receiver) = tokio::sync::oneshot::channel();
        *lock(&self.shared.halted) = Some(sender);
        receiver
    }

    /// The write held, once every call sent before it has been answered (0 otherwise).
    pub fn halted_at(&self) -> u64 {
        self.shared.halted_at.load(Ordering::SeqCst)
    }

    /// Calls seen since the faults were last set.
    pub fn counts(&self) -> ProxyCounts {
        lock(&self.shared.counts).clone()
    }

    /// Sends Route53 calls naming the zone `alias` to moto's zone `id`: moto makes zone IDs
    /// that do not start with `Z`, which sakk (rightly) refuses in a cluster file.
    pub fn alias_zone(&self, alias: &str, id: &str) {
        lock(&self.shared.aliases).insert(alias.to_owned(), id.to_owned());
    }

    /// Forgets the EKS add-ons, access entries, scripts and issuers of its moto (with a moto
    /// reset; every proxy in front of that moto forgets them too).
    pub fn reset(&self) {
        *lock(&self.shared.extension) = Extension::default();
    }

    /// Scripts the life of the EKS resource of `kind` named `name` (see
    /// [`crate::fake::Script`]): add-ons (served here) follow it as in the fake; moto's
    /// clusters and node groups created while it holds are reported DEGRADED, FAILED /
    /// CREATE_FAILED or CREATING by their Describe answers.
    pub fn script(&self, kind: EksKind, name: &str, script: Script) {
        lock(&self.shared.extension)
            .scripts
            .insert((kind, name.to_owned()), script);
    }

    /// Lifts the script: what it kept CREATING or DEGRADED becomes ACTIVE; what failed stays
    /// failed until it is replaced (or, for an add-on, updated).
    pub fn lift(&self, kind: EksKind, name: &str) {
        let mut extension = lock(&self.shared.extension);
        let key = (kind, name.to_owned());
        extension.scripts.remove(&key);
        if matches!(
            extension.phases.get(&key),
            Some(&"CREATING") | Some(&"DEGRADED")
        ) {
            extension.phases.remove(&key);
        }
        if kind == EksKind::Addon {
            for ((_, addon), value) in extension.addons.iter_mut() {
                if addon == name
                    && matches!(
                        value["status"].as_str(),
                        Some("CREATING") | Some("DEGRADED")
                    )
                {
                    value["status"] = json!("ACTIVE");
                    value["health"] = json!({ "issues": [] });
                }
            }
        }
    }
}

async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .unwrap_or_default();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().unwrap_or("").to_owned();
    let call = identify(parts.method.as_str(), &path, &query, &parts.headers, &body);
    let faults = lock(&shared.faults).clone();
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let (throttle, fail, conflict) = {
        let mut rng = lock(&shared.rng);
        (
            rng.f64() < faults.throttle,
            rng.f64() < faults.server_errors,
            // Drawn only when asked for, so the other faults' seeded sequences stay as they were.
            faults.conditional_conflicts > 0.0 && rng.f64() < faults.conditional_conflicts,
        )
    };
    let request_id = format!("proxy-{}", shared.writes.load(Ordering::SeqCst));
    if throttle {
        lock(&shared.counts).throttled += 1;
        return Ok(error_response(
            &call.service,
            if call.service == "ec2" || call.service == "s3" {
                503
            } else {
                400
            },
            throttle_code(&call.service),
            "Rate exceeded",
            &request_id,
        ));
    }
    if fail {
        lock(&shared.counts).failed += 1;
        return Ok(error_response(
            &call.service,
            500,
            "InternalError",
            "We encountered an internal error. Please try again.",
            &request_id,
        ));
    }
    if conflict && call.service == "s3" && is_conditional_write(&call, &parts.headers, &body) {
        lock(&shared.counts).conflicts += 1;
        return Ok(error_response(
            &call.service,
            409,
            "ConditionalRequestConflict",
            "A conflicting operation occurred. If using PutObject you can retry the request.",
            &request_id,
        ));
    }
    let key = format!("{} {}", call.service, call.operation);
    if shared.halting.load(Ordering::SeqCst) {
        // After the held write nothing reaches moto: the process is about to die.
        std::future::pending::<()>().await;
    }
    let mut number = 0;
    if call.write {
        number = shared.writes.fetch_add(1, Ordering::SeqCst) + 1;
        if faults.halt_at_write == Some(number) {
            shared.halting.store(true, Ordering::SeqCst);
            // Calls already sent finish in moto first, as they would in AWS; then the test
            // kills the process while this one is in flight.
            while shared.in_flight.load(Ordering::SeqCst) > 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            shared.halted_at.store(number, Ordering::SeqCst);
            if let Some(sender) = lock(&shared.halted).take() {
                let _ = sender.send(number);
            }
            std::future::pending::<()>().await;
        }
    }
    shared.in_flight.fetch_add(1, Ordering::SeqCst);
    let _in_flight = InFlight(&shared.in_flight);
    {
        let mut counts = lock(&shared.counts);
        let map = if call.write {
            &mut counts.writes
        } else {
            &mut counts.reads
        };
        *map.entry(key.clone()).or_default() += 1;
    }
    let region = parts
        .headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split("Credential=").nth(1))
        .and_then(|scope| scope.split('/').nth(2))
        .unwrap_or("us-east-1")
        .to_owned();
    // S3 and DynamoDB apply a conditional write atomically; moto checks the condition and
    // then stores, so two concurrent writes can both pass the check. Holding one lock per moto
    // across every conditional write, whichever proxy it comes through, gives the tests the
    // atomicity the real services have.
    let _atomic = if is_conditional_write(&call, &parts.headers, &body) {
        Some(conditional_writes(shared.upstream).lock_owned().await)
    } else {
        None
    };
    let response = if call.service == "eks"
        && (path.contains("/addons") || path.contains("/access-entries"))
    {
        extension(&shared, &parts, &path, &body, &region).await
    } else {
        forward(&shared, &parts, &body).await?
    };
    if call.service == "eks" && parts.method == "DELETE" && response.status().is_success() {
        let segments: Vec<&str> = path.split('/').collect();
        let mut extension = lock(&shared.extension);
        if segments.len() == 3 && segments[1] == "clusters" {
            let cluster = decode(segments[2]);
            extension.addons.retain(|(owner, _), _| *owner != cluster);
            extension.entries.retain(|(owner, _), _| *owner != cluster);
            extension.policies.retain(|(owner, _), _| *owner != cluster);
            extension
                .phases
                .remove(&(EksKind::Cluster, cluster.clone()));
            extension.issuers.remove(&cluster);
        }
        if segments.len() == 5 && segments[1] == "clusters" && segments[3] == "node-groups" {
            extension
                .phases
                .remove(&(EksKind::NodeGroup, decode(segments[4])));
        }
    }
    if call.service == "s3" && response.status().is_success() {
        apply_create_tags(&shared, &parts, &path, &query, &body).await?;
    }
    if number > 0 && faults.lose_write == Some(number) {
        // The write happened; the answer never comes back.
        return Err(std::io::Error::other("answer lost by the proxy"));
    }
    if call.write && faults.hold_answers_of.contains(&key) {
        tokio::time::sleep(faults.hold_answers_for).await;
    }
    Ok(response)
}

/// S3 applies the tags of a `CreateBucket` (`CreateBucketConfiguration/Tags`) with the bucket,
/// in the same call; moto 5.2 ignores them. The proxy tags the new bucket in moto right after,
/// before the answer goes back, so that a bucket never exists untagged, as in S3.
async fn apply_create_tags(
    shared: &Shared,
    parts: &hyper::http::request::Parts,
    path: &str,
    query: &str,
    body: &Bytes,
) -> Result<(), std::io::Error> {
    let text = String::from_utf8_lossy(body);
    let bucket_path = path.trim_matches('/');
    if parts.method != "PUT"
        || !query.is_empty()
        || bucket_path.is_empty()
        || bucket_path.contains('/')
        || !text.contains("<CreateBucketConfiguration")
    {
        return Ok(());
    }
    let Some(tags) = text
        .split_once("<Tags>")
        .and_then(|(_, rest)| rest.split_once("</Tags>"))
        .map(|(tags, _)| tags.to_owned())
    else {
        return Ok(());
    };
    let tagging = format!("<Tagging><TagSet>{tags}</TagSet></Tagging>");
    let uri: hyper::Uri = format!("http://127.0.0.1:{}{path}?tagging", shared.upstream)
        .parse()
        .map_err(std::io::Error::other)?;
    let mut builder = Request::builder().method("PUT").uri(uri);
    for (name, value) in &parts.headers {
        if name != "content-length" && name != "content-md5" {
            builder = builder.header(name, value);
        }
    }
    let request = builder
        .body(Full::new(Bytes::from(tagging)))
        .map_err(std::io::Error::other)?;
    let response = shared
        .client
        .request(request)
        .await
        .map_err(std::io::Error::other)?;
    if !response.status().is_success() {
        return Err(std::io::Error::other(format!(
            "moto refused the tags of the new bucket {bucket_path}: {}",
            response.status()
        )));
    }
    Ok(())
}

/// A write that S3 or DynamoDB applies only if a condition holds.
fn is_conditional_write(call: &Call, headers: &hyper::HeaderMap, body: &Bytes) -> bool {
    if !call.write {
        return false;
    }
    match call.service.as_str() {
        "s3" => headers.contains_key("if-match") || headers.contains_key("if-none-match"),
        "dynamodb" => {
            let body = String::from_utf8_lossy(body);
            body.contains("\"ConditionExpression\"")
        }
        _ => false,
    }
}

/// The lock serialising conditional writes to the moto on `upstream`, shared by every proxy
/// in front of it.
fn conditional_writes(upstream: u16) -> Arc<tokio::sync::Mutex<()>> {
    static LOCKS: std::sync::OnceLock<Mutex<BTreeMap<u16, Arc<tokio::sync::Mutex<()>>>>> =
        std::sync::OnceLock::new();
    lock(LOCKS.get_or_init(Default::default))
        .entry(upstream)
        .or_default()
        .clone()
}

/// Counts a call as in flight until it is answered (or dropped).
struct InFlight<'a>(&'a AtomicU64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn forward(
    shared: &Shared,
    parts: &hyper::http::request::Parts,
    body: &Bytes,
) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let mut path_and_query = parts
        .uri
        .path_and_query()
        .map(|value| value.as_str())
        .unwrap_or("/")
        .to_owned();
    for (alias, id) in lock(&shared.aliases).iter() {
        path_and_query = path_and_query.replace(
            &format!("/hostedzone/{alias}"),
            &format!("/hostedzone/{id}"),
        );
    }
    let uri: hyper::Uri = format!("http://127.0.0.1:{}{path_and_query}", shared.upstream)
        .parse()
        .map_err(std::io::Error::other)?;
    let mut builder = Request::builder().method(parts.method.clone()).uri(uri);
    for (name, value) in &parts.headers {
        builder = builder.header(name, value);
    }
    let upstream = builder
        .body(Full::new(body.clone()))
        .map_err(std::io::Error::other)?;
    let response = shared
        .client
        .request(upstream)
        .await
        .map_err(std::io::Error::other)?;
    let (mut response_parts, body) = response.into_parts();
    let mut bytes = body
        .collect()
        .await
        .map_err(std::io::Error::other)?
        .to_bytes();
    // moto 5.2 names the root element of GetBucketVersioning's answer after the operation;
    // S3 (and the Rust SDK, which checks it) calls it VersioningConfiguration.
    if parts.method == "GET"
        && parts.uri.query().is_some_and(|query| {
            query
                .split('&')
                .any(|key| key == "versioning" || key == "versioning=")
        })
    {
        let text = String::from_utf8_lossy(&bytes)
            .replace("GetBucketVersioningResponse", "VersioningConfiguration");
        bytes = Bytes::from(text);
        if let Ok(length) = bytes.len().to_string().parse() {
            response_parts.headers.insert("content-length", length);
        }
    }
    if parts.uri.path().starts_with("/clusters")
        && response_parts.status.is_success()
        && let Ok(mut value) = serde_json::from_slice::<Value>(&bytes)
        && eks_answer(
            &mut lock(&shared.extension),
            parts.method.as_str(),
            parts.uri.path(),
            &mut value,
        )
    {
        bytes = Bytes::from(value.to_string());
        if let Ok(length) = bytes.len().to_string().parse() {
            response_parts.headers.insert("content-length", length);
        }
    }
    Ok(Response::from_parts(response_parts, Full::new(bytes)))
}

fn fnv(text: &str) -> u64 {
    text.bytes().fold(1469598103934665603u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(1099511628211)
    })
}

/// Adjusts moto's answer about a cluster or a node group; true when it changed it.
/// - moto gives every cluster of a process the same OIDC issuer; EKS gives each creation of a
///   cluster its own (a re-created cluster has a new one).
/// - A cluster or node group created while scripted is reported in the scripted status, with
///   EKS's health issues.
fn eks_answer(extension: &mut Extension, method: &str, path: &str, value: &mut Value) -> bool {
    let mut changed = false;
    if let Some(cluster) = value.get_mut("cluster") {
        let name = cluster["name"].as_str().unwrap_or_default().to_owned();
        if method == "POST" && path == "/clusters" {
            extension.counter += 1;
            let suffix = format!("{:016X}", fnv(&format!("{name}#{}", extension.counter)));
            extension.issuers.insert(name.clone(), suffix);
            match extension.created(EksKind::Cluster, &name) {
                Some(status) => extension
                    .phases
                    .insert((EksKind::Cluster, name.clone()), status),
                None => extension.phases.remove(&(EksKind::Cluster, name.clone())),
            };
        }
        // A cluster made before the proxy saw it (by a fixture) still gets one of its own.
        let suffix = extension
            .issuers
            .get(&name)
            .cloned()
            .unwrap_or_else(|| format!("{:016X}", fnv(&name)));
        if let Some(Value::String(issuer)) = cluster.pointer_mut("/identity/oidc/issuer") {
            issuer.push_str(&suffix);
            changed = true;
        }
        if let Some(status) = extension.phases.get(&(EksKind::Cluster, name)) {
            cluster["status"] = json!(status);
            cluster["health"] = health_of(EksKind::Cluster, status);
            changed = true;
        }
    }
    if let Some(group) = value.get_mut("nodegroup") {
        let name = group["nodegroupName"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let key = (EksKind::NodeGroup, name.clone());
        if method == "POST" && path.ends_with("/node-groups") {
            match extension.created(EksKind::NodeGroup, &name) {
                Some(status) => extension.phases.insert(key.clone(), status),
                None => extension.phases.remove(&key),
            };
        }
        if let Some(status) = extension.phases.get(&key) {
            group["status"] = json!(status);
            group["health"] = health_of(EksKind::NodeGroup, status);
            changed = true;
        }
    }
    changed
}

async fn cluster_exists(
    shared: &Shared,
    parts: &hyper::http::request::Parts,
    cluster: &str,
) -> bool {
    let uri: Result<hyper::Uri, _> =
        format!("http://127.0.0.1:{}/clusters/{cluster}", shared.upstream).parse();
    let Ok(uri) = uri else {
        return false;
    };
    let mut builder = Request::builder().method("GET").uri(uri);
    for name in ["authorization", "x-amz-date", "host"] {
        if let Some(value) = parts.headers.get(name) {
            builder = builder.header(name, value);
        }
    }
    let Ok(request) = builder.body(Full::new(Bytes::new())) else {
        return false;
    };
    matches!(shared.client.request(request).await, Ok(response) if response.status().is_success())
}

async fn extension(
    shared: &Shared,
    parts: &hyper::http::request::Parts,
    path: &str,
    body: &Bytes,
    region: &str,
) -> Response<Full<Bytes>> {
    let segments: Vec<String> = path.split('/').skip(1).map(decode).collect();
    let cluster = segments.get(1).cloned().unwrap_or_default();
    if !cluster_exists(shared, parts, &cluster).await {
        return eks_error(
            404,
            "ResourceNotFoundException",
            &format!("No cluster found for name: {cluster}."),
        );
    }
    let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let method = parts.method.as_str();
    let now = 1_790_000_000.0;
    let mut state = lock(&shared.extension);
    state.counter += 1;
    let counter = state.counter;
    let text = |value: &Value, key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    match (
        method,
        segments.get(2).map(String::as_str),
        segments.get(3),
        segments.get(4).map(String::as_str),
        segments.get(5),
    ) {
        ("POST", Some("addons"), None, _, _) => {
            let name = text(&request, "addonName").unwrap_or_default();
            let key = (cluster.clone(), name.clone());
            if state.addons.contains_key(&key) {
                return eks_error(
                    409,
                    "ResourceInUseException",
                    &format!("Addon already exists with name: {name}"),
                );
            }
            let status = state.created(EksKind::Addon, &name).unwrap_or("ACTIVE");
            let addon = json!({
                "addonName": name,
                "clusterName": cluster,
                "status": status,
                "addonVersion": text(&request, "addonVersion").unwrap_or_else(|| "v1.19.0-eksbuild.1".into()),
                "health": health_of(EksKind::Addon, status),
                "addonArn": format!("arn:aws:eks:{region}:123456789012:addon/{cluster}/{name}/{counter:08x}"),
                "createdAt": now,
                "modifiedAt": now,
                "serviceAccountRoleArn": request.get("serviceAccountRoleArn").cloned().unwrap_or(Value::Null),
                "tags": request.get("tags").cloned().unwrap_or(json!({})),
            });
            state.addons.insert(key, addon.clone());
            json_response(200, &json!({ "addon": addon }))
        }
        ("GET", Some("addons"), None, _, _) => {
            let names: Vec<&str> = state
                .addons
                .keys()
                .filter(|(owner, _)| *owner == cluster)
                .map(|(_, name)| name.as_str())
                .collect();
            json_response(200, &json!({ "addons": names }))
        }
        (_, Some("addons"), Some(name), rest, _) => {
            let key = (cluster.clone(), name.clone());
            let Some(addon) = state.addons.get(&key).cloned() else {
                return eks_error(
                    404,
                    "ResourceNotFoundException",
                    &format!("No addon: {name} found in cluster: {cluster}"),
                );
            };
            match (method, rest) {
                ("GET", None) => json_response(200, &json!({ "addon": addon })),
                ("DELETE", None) => {
                    state.addons.remove(&key);
                    let mut addon = addon;
                    addon["status"] = json!("DELETING");
                    json_response(200, &json!({ "addon": addon }))
                }
                ("POST", Some("update")) => {
                    let mut addon = addon;
                    let status = match state.scripts.get(&(EksKind::Addon, name.clone())) {
                        // A failed update keeps the add-on as it was.
                        Some(Script::UpdateFailed) => "UPDATE_FAILED",
                        Some(Script::Degraded) => "DEGRADED",
                        _ => "ACTIVE",
                    };
                    if status != "UPDATE_FAILED" {
                        if let Some(version) =
                            request.get("addonVersion").filter(|value| !value.is_null())
                        {
                            addon["addonVersion"] = version.clone();
                        }
                        addon["serviceAccountRoleArn"] = request
                            .get("serviceAccountRoleArn")
                            .cloned()
                            .unwrap_or(Value::Null);
                    }
                    addon["status"] = json!(status);
                    addon["health"] = health_of(EksKind::Addon, status);
                    state.addons.insert(key, addon);
                    json_response(
                        200,
                        &json!({ "update": { "id": format!("{counter:032x}"), "status": "Successful", "type": "AddonUpdate", "params": [], "createdAt": now, "errors": [] } }),
                    )
                }
                _ => eks_error(404, "NotFoundException", "unknown add-on call"),
            }
        }
        ("POST", Some("access-entries"), None, _, _) => {
            let principal = text(&request, "principalArn").unwrap_or_default();
            let key = (cluster.clone(), principal.clone());
            if state.entries.contains_key(&key) {
                return eks_error(
                    409,
                    "ResourceInUseException",
                    "The specified access entry resource is already in use on this cluster.",
                );
            }
            let username = text(&request, "username").unwrap_or_else(|| principal.clone());
            let entry = json!({
                "clusterName": cluster,
                "principalArn": principal,
                "kubernetesGroups": request.get("kubernetesGroups").cloned().unwrap_or(json!([])),
                "accessEntryArn": format!("arn:aws:eks:{region}:123456789012:access-entry/{cluster}/user/123456789012/{counter:08x}"),
                "createdAt": now,
                "modifiedAt": now,
                "tags": request.get("tags").cloned().unwrap_or(json!({})),
                "username": username,
                "type": text(&request, "type").unwrap_or_else(|| "STANDARD".into()),
            });
            state.entries.insert(key, entry.clone());
            json_response(200, &json!({ "accessEntry": entry }))
        }
        ("GET", Some("access-entries"), None, _, _) => {
            let principals: Vec<&str> = state
                .entries
                .keys()
                .filter(|(owner, _)| *owner == cluster)
                .map(|(_, principal)| principal.as_str())
                .collect();
            json_response(200, &json!({ "accessEntries": principals }))
        }
        (_, Some("access-entries"), Some(principal), rest, policy) => {
            let key = (cluster.clone(), principal.clone());
            let Some(entry) = state.entries.get(&key).cloned() else {
                return eks_error(
                    404,
                    "ResourceNotFoundException",
                    &format!("The specified principalArn could not be found: {principal}"),
                );
            };
            match (method, rest, policy) {
                ("GET", None, _) => json_response(200, &json!({ "accessEntry": entry })),
                ("POST", None, _) => {
                    let mut entry = entry;
                    if let Some(groups) = request.get("kubernetesGroups") {
                        entry["kubernetesGroups"] = groups.clone();
                    }
                    if let Some(username) = request.get("username") {
                        entry["username"] = username.clone();
                    }
                    state.entries.insert(key, entry.clone());
                    json_response(200, &json!({ "accessEntry": entry }))
                }
                ("DELETE", None, _) => {
                    state.entries.remove(&key);
                    state.policies.remove(&key);
                    json_response(200, &json!({}))
                }
                ("POST", Some("access-policies"), None) => {
                    let policy = text(&request, "policyArn").unwrap_or_default();
                    let list = state.policies.entry(key).or_default();
                    if !list.contains(&policy) {
                        list.push(policy.clone());
                    }
                    json_response(
                        200,
                        &json!({
                            "clusterName": cluster,
                            "principalArn": principal,
                            "associatedAccessPolicy": { "policyArn": policy, "accessScope": { "type": "cluster", "namespaces": [] }, "associatedAt": now, "modifiedAt": now },
                        }),
                    )
                }
                ("GET", Some("access-policies"), None) => {
                    let policies: Vec<Value> = state
                        .policies
                        .get(&key)
                        .into_iter()
                        .flatten()
                        .map(|policy| json!({ "policyArn": policy, "accessScope": { "type": "cluster", "namespaces": [] }, "associatedAt": now, "modifiedAt": now }))
                        .collect();
                    json_response(
                        200,
                        &json!({ "clusterName": cluster, "principalArn": principal, "associatedAccessPolicies": policies }),
                    )
                }
                ("DELETE", Some("access-policies"), Some(policy)) => {
                    if let Some(list) = state.policies.get_mut(&key) {
                        list.retain(|existing| existing != policy);
                    }
                    json_response(200, &json!({}))
                }
                _ => eks_error(404, "NotFoundException", "unknown access entry call"),
            }
        }
        _ => eks_error(404, "NotFoundException", "unknown EKS call"),
    }
}
