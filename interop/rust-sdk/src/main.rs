//! s3gauntlet interop client: AWS SDK for Rust (aws-sdk-s3) with its default settings.
//!
//! The contract (environment in, one JSON object per line out, the 12 SDK steps and their
//! checks, the payload formula) is interop/README.md; keep this file to it.
//! Never print the secret key, an Authorization header or a full presigned URL.
//! The SDK has no stable high-level uploader, so put_multipart is CreateMultipartUpload,
//! UploadPart x3 (8 MiB, 8 MiB, the rest), CompleteMultipartUpload.

use std::collections::HashSet;
use std::fmt::Debug;
use std::future::Future;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_s3::config::interceptors::BeforeDeserializationInterceptorContextRef;
use aws_sdk_s3::config::{BehaviorVersion, ConfigBag, Credentials, Intercept, Region, RuntimeComponents};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::{PresignedRequest, PresigningConfig};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CompletedMultipartUpload, CompletedPart, CreateBucketConfiguration, Delete,
    ObjectIdentifier,
};
use aws_sdk_s3::Client;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
use aws_smithy_http_client::Connector;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::HttpConnector;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use md5::{Digest, Md5};

/// The aws-sdk-s3 version, pinned with `=` in Cargo.toml (and so in Cargo.lock).
const SDK_VERSION: &str = "1.157.0";
const SMALL: &str = "small.bin";
const LARGE: &str = "large.bin";
const COPY: &str = "copy.bin";
const PRESIGNED: &str = "presigned.bin";
const LARGE_SIZE: usize = 17 * 1024 * 1024; // 17825792
const PART_SIZE: usize = 8 * 1024 * 1024;
const RANGE_START: usize = 1048576;
const RANGE_END: usize = 1048675;

/// payload(n, seed): byte i = (seed + 31*i) % 251
fn payload(n: usize, seed: usize) -> Vec<u8> {
    (0..n).map(|i| ((seed + 31 * i) % 251) as u8).collect()
}

fn env(name: &str, dflt: &str) -> String {
    std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| dflt.to_string())
}

/// The HTTP status of the last response the SDK received (the SDK's outputs don't carry it).
static LAST_STATUS: AtomicU16 = AtomicU16::new(0);

#[derive(Debug)]
struct StatusRecorder;

impl Intercept for StatusRecorder {
    fn name(&self) -> &'static str {
        "StatusRecorder"
    }
    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        LAST_STATUS.store(context.response().status().as_u16(), Ordering::SeqCst);
        Ok(())
    }
}

/// An error and its sources, "outer: inner: ...", without the Debug dump.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = e.source();
    }
    parts.join(": ")
}

/// A failed check or request: message says what S3 requires and what happened.
struct Failure {
    message: String,
    status: Option<u16>,
    code: Option<String>,
}

type StepResult = Result<(), Failure>;

/// Per-step state: the status/code of the last request, for the output line.
#[derive(Default)]
struct Ctx {
    status: Option<u16>,
    code: Option<String>,
    provided: bool,
}

impl Ctx {
    /// Await one SDK call; on error return a Failure naming the operation.
    async fn send<T, E, F>(&mut self, what: &str, fut: F) -> Result<T, Failure>
    where
        F: Future<Output = Result<T, SdkError<E, aws_smithy_runtime_api::http::Response>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        LAST_STATUS.store(0, Ordering::SeqCst);
        let result = fut.await;
        let last = Some(LAST_STATUS.load(Ordering::SeqCst)).filter(|s| *s != 0);
        match result {
            Ok(out) => {
                self.status = last;
                self.code = None;
                Ok(out)
            }
            Err(err) => {
                self.status = err.raw_response().map(|r| r.status().as_u16()).or(last);
                self.code = err.code().map(str::to_string);
                let detail = match (&self.status, &self.code) {
                    (Some(s), Some(c)) => format!("{s} {c} {}", err.message().unwrap_or("")),
                    (Some(s), None) => format!("{s} {}", error_chain(&err)),
                    _ => error_chain(&err),
                };
                Err(self.fail(format!("{what}: S3 requires success; got {}", detail.trim())))
            }
        }
    }

    fn fail(&self, message: String) -> Failure {
        Failure { message, status: self.status, code: self.code.clone() }
    }

    fn check(&self, cond: bool, message: impl FnOnce() -> String) -> StepResult {
        if cond {
            Ok(())
        } else {
            Err(self.fail(message()))
        }
    }

    fn check_bytes(&self, what: &str, got: &[u8], want: &[u8]) -> StepResult {
        self.check(got.len() == want.len(), || format!("{what}: S3 requires {} bytes; got {}", want.len(), got.len()))?;
        let diff = got.iter().zip(want).position(|(a, b)| a != b);
        self.check(diff.is_none(), || {
            format!("{what}: S3 requires the bytes as written; got a difference at offset {}", diff.unwrap())
        })
    }
}

struct App {
    s3: Client,
    plain: Connector,
    bucket: String,
    region: String,
    client_name: String,
    small: Vec<u8>,
    large: Vec<u8>,
}

fn md5_etag(data: &[u8]) -> String {
    let hex: String = Md5::digest(data).iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

fn s3_error_code(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let start = text.find("<Code>")? + "<Code>".len();
    let end = text[start..].find("</Code>")? + start;
    Some(text[start..end].to_string())
}

impl App {
    async fn get_bytes(
        &self,
        ctx: &mut Ctx,
        key: &str,
        range: Option<&str>,
    ) -> Result<(aws_sdk_s3::operation::get_object::GetObjectOutput, Vec<u8>), Failure> {
        let mut out = ctx
            .send(
                &format!("GetObject {key}"),
                self.s3.get_object().bucket(&self.bucket).key(key).set_range(range.map(str::to_string)).send(),
            )
            .await?;
        let body = std::mem::replace(&mut out.body, ByteStream::new(SdkBody::empty()));
        let bytes =
            body.collect().await.map_err(|e| ctx.fail(format!("GetObject {key}: reading the body failed: {e}")))?;
        Ok((out, bytes.to_vec()))
    }

    /// Plain HTTP (no SDK signing) for a presigned request: the SDK's own hyper connector.
    async fn plain_http(
        &self,
        ctx: &mut Ctx,
        what: &str,
        signed: &PresignedRequest,
        body: Option<&[u8]>,
    ) -> Result<Vec<u8>, Failure> {
        let mut req = HttpRequest::new(body.map(|b| SdkBody::from(b.to_vec())).unwrap_or_else(SdkBody::empty));
        req.set_method(signed.method()).map_err(|e| ctx.fail(format!("{what}: bad method: {e}")))?;
        req.set_uri(signed.uri().to_string()).map_err(|e| ctx.fail(format!("{what}: bad URL: {e}")))?;
        for (name, value) in signed.headers() {
            if !name.eq_ignore_ascii_case("host") {
                req.headers_mut().insert(name.to_string(), value.to_string());
            }
        }
        if let Some(b) = body {
            req.headers_mut().insert("content-length", b.len().to_string());
        }
        let resp =
            self.plain.call(req).await.map_err(|e| ctx.fail(format!("{what}: S3 requires a response; got {e}")))?;
        ctx.status = Some(resp.status().as_u16());
        let bytes = ByteStream::new(resp.into_body()).collect().await.map(|b| b.to_vec());
        let bytes = bytes.map_err(|e| ctx.fail(format!("{what}: reading the body failed: {e}")))?;
        ctx.code = if ctx.status.unwrap_or(0) >= 300 { s3_error_code(&bytes) } else { None };
        Ok(bytes)
    }

    async fn list_keys(
        &self,
        ctx: &mut Ctx,
        prefix: Option<&str>,
        page_size: Option<i32>,
    ) -> Result<(Vec<String>, usize), Failure> {
        let mut paginator =
            self.s3.list_objects_v2().bucket(&self.bucket).set_prefix(prefix.map(str::to_string)).into_paginator();
        if let Some(n) = page_size {
            paginator = paginator.page_size(n);
        }
        let mut stream = paginator.send();
        let (mut keys, mut pages, mut last_status) = (Vec::new(), 0, None);
        loop {
            let next = ctx.send("ListObjectsV2 (paginator)", async { stream.next().await.transpose() }).await?;
            let Some(page) = next else { break };
            (pages, last_status) = (pages + 1, ctx.status);
            keys.extend(page.contents().iter().filter_map(|o| o.key().map(str::to_string)));
        }
        ctx.status = last_status; // the paginator's end sends nothing: report the last page's status
        Ok((keys, pages))
    }

    async fn run_step(&self, name: &str, ctx: &mut Ctx) -> StepResult {
        let b = &self.bucket;
        match name {
            "create_bucket" => {
                let mut req = self.s3.create_bucket().bucket(b);
                if self.region != "us-east-1" {
                    req = req.create_bucket_configuration(
                        CreateBucketConfiguration::builder()
                            .location_constraint(BucketLocationConstraint::from(self.region.as_str()))
                            .build(),
                    );
                }
                ctx.send("CreateBucket", req.send()).await?;
            }
            "put_small" => {
                let out = ctx
                    .send(
                        &format!("PutObject {SMALL}"),
                        self.s3
                            .put_object()
                            .bucket(b)
                            .key(SMALL)
                            .body(ByteStream::from(self.small.clone()))
                            .content_type("application/octet-stream")
                            .metadata("client", &self.client_name)
                            .send(),
                    )
                    .await?;
                ctx.provided = true;
                let want = md5_etag(&self.small);
                ctx.check(out.e_tag() == Some(want.as_str()), || {
                    format!("PutObject {SMALL}: S3 requires ETag {want} (MD5); got {:?}", out.e_tag())
                })?;
            }
            "put_multipart" => {
                let created = ctx
                    .send(
                        &format!("CreateMultipartUpload {LARGE}"),
                        self.s3.create_multipart_upload().bucket(b).key(LARGE).send(),
                    )
                    .await?;
                let upload_id = created.upload_id().unwrap_or_default().to_string();
                let mut parts = Vec::new();
                for (i, chunk) in self.large.chunks(PART_SIZE).enumerate() {
                    let n = i as i32 + 1;
                    let out = ctx
                        .send(
                            &format!("UploadPart {n} of {LARGE}"),
                            self.s3
                                .upload_part()
                                .bucket(b)
                                .key(LARGE)
                                .upload_id(&upload_id)
                                .part_number(n)
                                .body(ByteStream::from(chunk.to_vec()))
                                .send(),
                        )
                        .await?;
                    parts.push(
                        CompletedPart::builder().part_number(n).set_e_tag(out.e_tag().map(str::to_string)).build(),
                    );
                }
                ctx.send(
                    &format!("CompleteMultipartUpload {LARGE}"),
                    self.s3
                        .complete_multipart_upload()
                        .bucket(b)
                        .key(LARGE)
                        .upload_id(&upload_id)
                        .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
                        .send(),
                )
                .await?;
                ctx.provided = true;
                let head =
                    ctx.send(&format!("HeadObject {LARGE}"), self.s3.head_object().bucket(b).key(LARGE).send()).await?;
                ctx.check(head.content_length() == Some(LARGE_SIZE as i64), || {
                    format!(
                        "HeadObject {LARGE}: S3 requires ContentLength {LARGE_SIZE}; got {:?}",
                        head.content_length()
                    )
                })?;
                let etag = head.e_tag().unwrap_or("");
                let n: Option<u64> =
                    etag.strip_suffix('"').and_then(|s| s.rsplit_once('-')).and_then(|(_, n)| n.parse().ok());
                ctx.check(n.is_some_and(|n| n >= 2), || {
                    format!("HeadObject {LARGE}: S3 requires a multipart ETag ending -<N>\" with N >= 2; got {etag}")
                })?;
            }
            "get_whole" => {
                for (key, want) in [(SMALL, &self.small), (LARGE, &self.large)] {
                    let (out, body) = self.get_bytes(ctx, key, None).await?;
                    ctx.check(ctx.status == Some(200), || {
                        format!("GetObject {key}: S3 requires status 200; got {:?}", ctx.status)
                    })?;
                    ctx.check(out.content_length() == Some(want.len() as i64), || {
                        format!(
                            "GetObject {key}: S3 requires ContentLength {}; got {:?}",
                            want.len(),
                            out.content_length()
                        )
                    })?;
                    ctx.check_bytes(&format!("GetObject {key}"), &body, want)?;
                }
            }
            "get_range" => {
                let range = format!("bytes={RANGE_START}-{RANGE_END}");
                let (out, body) = self.get_bytes(ctx, LARGE, Some(&range)).await?;
                ctx.check(ctx.status == Some(206) && body.len() == 100, || {
                    format!(
                        "Range {range}: S3 requires 206 and 100 bytes; got status {:?} and {} bytes",
                        ctx.status,
                        body.len()
                    )
                })?;
                let want_cr = format!("bytes {RANGE_START}-{RANGE_END}/{LARGE_SIZE}");
                ctx.check(out.content_range() == Some(want_cr.as_str()), || {
                    format!("Range {range}: S3 requires Content-Range {want_cr}; got {:?}", out.content_range())
                })?;
                ctx.check_bytes(&format!("Range {range}"), &body, &self.large[RANGE_START..=RANGE_END])?;
            }
            "head" => {
                let out =
                    ctx.send(&format!("HeadObject {SMALL}"), self.s3.head_object().bucket(b).key(SMALL).send()).await?;
                let want = md5_etag(&self.small);
                ctx.check(out.content_length() == Some(1024), || {
                    format!("HeadObject {SMALL}: S3 requires ContentLength 1024; got {:?}", out.content_length())
                })?;
                ctx.check(out.e_tag() == Some(want.as_str()), || {
                    format!("HeadObject {SMALL}: S3 requires ETag {want} as put; got {:?}", out.e_tag())
                })?;
                let meta = out.metadata().and_then(|m| m.get("client")).map(String::as_str);
                ctx.check(meta == Some(self.client_name.as_str()), || {
                    format!("HeadObject {SMALL}: S3 requires metadata client={}; got {meta:?}", self.client_name)
                })?;
                ctx.check(out.content_type() == Some("application/octet-stream"), || {
                    format!(
                        "HeadObject {SMALL}: S3 requires ContentType application/octet-stream; got {:?}",
                        out.content_type()
                    )
                })?;
            }
            "list_paginated" => {
                let want: Vec<String> = (0..5).map(|i| format!("dir/{i}")).collect();
                let data = payload(10, 3);
                for key in &want {
                    ctx.send(
                        &format!("PutObject {key}"),
                        self.s3.put_object().bucket(b).key(key).body(ByteStream::from(data.clone())).send(),
                    )
                    .await?;
                }
                let (keys, pages) = self.list_keys(ctx, Some("dir/"), Some(2)).await?;
                ctx.check(keys == want, || {
                    let got = if keys.is_empty() { "none".to_string() } else { keys.join(",") };
                    format!("ListObjectsV2 Prefix dir/ MaxKeys 2: S3 requires keys {}; got {got}", want.join(","))
                })?;
                ctx.check(pages == 3, || {
                    format!("ListObjectsV2 Prefix dir/ MaxKeys 2: S3 requires 3 pages; got {pages}")
                })?;
            }
            "copy" => {
                ctx.send(
                    &format!("CopyObject {SMALL} -> {COPY}"),
                    self.s3.copy_object().bucket(b).key(COPY).copy_source(format!("{b}/{SMALL}")).send(),
                )
                .await?;
                let (_, body) = self.get_bytes(ctx, COPY, None).await?;
                ctx.check_bytes(&format!("GetObject {COPY}"), &body, &self.small)?;
            }
            "presign_get" | "presign_put" => {
                let expires = PresigningConfig::expires_in(Duration::from_secs(300))
                    .map_err(|e| ctx.fail(format!("PresigningConfig: {e}")))?;
                let (verb, key, data) = if name == "presign_get" {
                    ("GET", SMALL, None)
                } else {
                    ("PUT", PRESIGNED, Some(payload(2048, 4)))
                };
                let signed = if data.is_none() {
                    ctx.send(
                        &format!("presign GetObject {key}"),
                        self.s3.get_object().bucket(b).key(key).presigned(expires),
                    )
                    .await?
                } else {
                    ctx.send(
                        &format!("presign PutObject {key}"),
                        self.s3.put_object().bucket(b).key(key).presigned(expires),
                    )
                    .await?
                };
                let what = format!("presigned {verb} {key}");
                let body = self.plain_http(ctx, &what, &signed, data.as_deref()).await?;
                ctx.check(ctx.status == Some(200), || {
                    let code = ctx.code.as_deref().map(|c| format!(" {c}")).unwrap_or_default();
                    format!("{what}: S3 requires 200; got {}{code}", ctx.status.unwrap_or(0))
                })?;
                match data {
                    None => ctx.check_bytes(&what, &body, &self.small)?,
                    Some(want) => {
                        let (_, got) = self.get_bytes(ctx, key, None).await?;
                        ctx.check_bytes(&format!("GetObject {key}"), &got, &want)?;
                    }
                }
            }
            "delete_many" => {
                let (keys, _) = self.list_keys(ctx, None, None).await?;
                if !keys.is_empty() {
                    let ids: Vec<ObjectIdentifier> =
                        keys.iter().map(|k| ObjectIdentifier::builder().key(k).build().expect("key set")).collect();
                    let delete = Delete::builder().set_objects(Some(ids)).build().expect("objects set");
                    let out = ctx
                        .send(
                            &format!("DeleteObjects ({} keys)", keys.len()),
                            self.s3.delete_objects().bucket(b).delete(delete).send(),
                        )
                        .await?;
                    let errs = out.errors();
                    ctx.check(errs.is_empty(), || {
                        let some: Vec<String> = errs
                            .iter()
                            .take(3)
                            .map(|e| format!("{} {}", e.key().unwrap_or(""), e.code().unwrap_or("")))
                            .collect();
                        format!("DeleteObjects: S3 requires no Errors; got {}: {}", errs.len(), some.join(", "))
                    })?;
                }
                let after =
                    ctx.send("ListObjectsV2 after DeleteObjects", self.s3.list_objects_v2().bucket(b).send()).await?;
                let left: Vec<&str> = after.contents().iter().filter_map(|o| o.key()).collect();
                ctx.check(left.is_empty(), || {
                    format!("ListObjectsV2 after DeleteObjects: S3 requires no keys; got {}", left.join(","))
                })?;
            }
            "delete_bucket" => {
                ctx.send("DeleteBucket", self.s3.delete_bucket().bucket(b).send()).await?;
                let deleted = ctx.status;
                let head = self.s3.head_bucket().bucket(b).send().await;
                let status = match &head {
                    Ok(_) => Some(LAST_STATUS.load(Ordering::SeqCst)),
                    Err(err) => err.raw_response().map(|r| r.status().as_u16()),
                };
                if let Err(err) = &head {
                    if status.is_none() {
                        return Err(ctx.fail(format!(
                            "HeadBucket after DeleteBucket: S3 requires a 404 response; got {}",
                            error_chain(err)
                        )));
                    }
                }
                ctx.status = status;
                ctx.check(status == Some(404), || {
                    format!("HeadBucket after DeleteBucket: S3 requires 404; got {}", status.unwrap_or(0))
                })?;
                ctx.status = deleted; // the expected 404 is not the step's error: report DeleteBucket's status
            }
            other => unreachable!("unknown step {other}"),
        }
        Ok(())
    }
}

/// The 12 steps in order, each with the steps it needs.
const STEPS: &[(&str, &[&str])] = &[
    ("create_bucket", &[]),
    ("put_small", &["create_bucket"]),
    ("put_multipart", &["create_bucket"]),
    ("get_whole", &["put_small", "put_multipart"]),
    ("get_range", &["put_multipart"]),
    ("head", &["put_small"]),
    ("list_paginated", &["create_bucket"]),
    ("copy", &["put_small"]),
    ("presign_get", &["put_small"]),
    ("presign_put", &["create_bucket"]),
    ("delete_many", &["create_bucket"]),
    ("delete_bucket", &["create_bucket"]),
];

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out + "\""
}

fn json_opt<T: ToString>(v: &Option<T>, quote: bool) -> String {
    match v {
        None => "null".to_string(),
        Some(v) if quote => json_str(&v.to_string()),
        Some(v) => v.to_string(),
    }
}

/// The TLS context for an https endpoint: GAUNTLET_CA_BUNDLE's PEM when given, else the system roots.
fn tls_context(endpoint: &str) -> Result<Option<TlsContext>, String> {
    let ca = env("GAUNTLET_CA_BUNDLE", "");
    if !endpoint.starts_with("https://") || ca.is_empty() {
        return Ok(None);
    }
    let pem = std::fs::read(&ca).map_err(|e| format!("reading GAUNTLET_CA_BUNDLE: {e}"))?;
    let store = TrustStore::empty().with_native_roots(false).with_pem_certificate(pem);
    TlsContext::builder().with_trust_store(store).build().map(Some).map_err(|e| format!("GAUNTLET_CA_BUNDLE: {e}"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client_name = env("GAUNTLET_CLIENT", "rust-sdk");
    println!("{{\"client\": {}, \"version\": {}}}", json_str(&client_name), json_str(SDK_VERSION));
    let endpoint = env("GAUNTLET_ENDPOINT", "");
    let region = env("GAUNTLET_REGION", "us-east-1");
    let creds =
        Credentials::new(env("GAUNTLET_ACCESS_KEY", ""), env("GAUNTLET_SECRET_KEY", ""), None, None, "gauntlet");
    let provider = || tls::Provider::Rustls(CryptoMode::AwsLc);
    let tls = tls_context(&endpoint);
    let mut config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(&endpoint)
        .force_path_style(true)
        .region(Region::new(region.clone()))
        .credentials_provider(creds)
        .interceptor(StatusRecorder);
    let mut plain = Connector::builder().tls_provider(provider());
    if let Ok(Some(ctx)) = &tls {
        // the SDK's default client (hyper + rustls/aws-lc), trusting only the given CA
        config = config.http_client(
            aws_smithy_http_client::Builder::new().tls_provider(provider()).tls_context(ctx.clone()).build_https(),
        );
        plain = plain.tls_context(ctx.clone());
    }
    let app = App {
        s3: Client::from_conf(config.build()),
        plain: plain.build(),
        bucket: env("GAUNTLET_BUCKET", ""),
        region,
        client_name,
        small: payload(1024, 1),
        large: payload(LARGE_SIZE, 2),
    };
    let mut provided: HashSet<&str> = HashSet::new();
    for (name, needs) in STEPS {
        if let Some(blocker) = needs.iter().find(|n| !provided.contains(*n)) {
            println!(
                "{{\"step\": \"{name}\", \"ok\": false, \"status\": null, \"error_code\": null, \"blocked_by\": \"{blocker}\", \"message\": \"not run: {blocker} failed\", \"duration_s\": 0}}"
            );
            continue;
        }
        let mut ctx = Ctx::default();
        let t0 = Instant::now();
        let result = match &tls {
            Err(e) => Err(ctx.fail(format!("client setup failed: {e}"))),
            Ok(_) => app.run_step(name, &mut ctx).await,
        };
        let (ok, message) = match result {
            Ok(()) => (true, String::new()),
            Err(f) => {
                ctx.status = f.status;
                ctx.code = f.code;
                (false, f.message)
            }
        };
        if ok || ctx.provided {
            provided.insert(name);
        }
        println!(
            "{{\"step\": \"{name}\", \"ok\": {ok}, \"status\": {}, \"error_code\": {}, \"message\": {}, \"duration_s\": {:.3}}}",
            json_opt(&ctx.status, false),
            json_opt(&ctx.code, true),
            json_str(&message),
            t0.elapsed().as_secs_f64()
        );
    }
}
