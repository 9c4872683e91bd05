// s3gauntlet interop client: AWS SDK for JavaScript v3 (client-s3, lib-storage,
// s3-request-presigner) with its default settings.
//
// The contract (environment in, one JSON object per line out, the 12 SDK steps and
// their checks, the payload formula) is interop/README.md; keep this file to it.
// Never print the secret key, an Authorization header or a full presigned URL.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import https from "node:https";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import {
  S3Client, S3ServiceException, CreateBucketCommand, PutObjectCommand, GetObjectCommand,
  HeadObjectCommand, CopyObjectCommand, DeleteObjectsCommand, DeleteBucketCommand,
  HeadBucketCommand, ListObjectsV2Command, paginateListObjectsV2,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { NodeHttpHandler } from "@smithy/node-http-handler";

const env = (name, dflt = "") => process.env[name] ?? dflt;
const ENDPOINT = env("GAUNTLET_ENDPOINT");
const REGION = env("GAUNTLET_REGION", "us-east-1") || "us-east-1";
const BUCKET = env("GAUNTLET_BUCKET");
const CLIENT_NAME = env("GAUNTLET_CLIENT", "js-v3") || "js-v3";
const CA_FILE = env("GAUNTLET_CA_BUNDLE");
const CA = ENDPOINT.startsWith("https://") && CA_FILE ? readFileSync(CA_FILE) : null;

const SMALL = "small.bin", LARGE = "large.bin", COPY = "copy.bin", PRESIGNED = "presigned.bin";
const LARGE_SIZE = 17 * 1024 * 1024; // 17825792
const RANGE_START = 1048576, RANGE_END = 1048675;

/** payload(n, seed): byte i = (seed + 31*i) % 251 */
function payload(n, seed) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (seed + 31 * i) % 251;
  return b;
}
const SMALL_DATA = payload(1024, 1);
const LARGE_DATA = payload(LARGE_SIZE, 2);
const DIR_DATA = payload(10, 3);
const PRESIGNED_DATA = payload(2048, 4);

const client = new S3Client({
  endpoint: ENDPOINT,
  region: REGION,
  forcePathStyle: true,
  credentials: { accessKeyId: env("GAUNTLET_ACCESS_KEY"), secretAccessKey: env("GAUNTLET_SECRET_KEY") },
  ...(CA ? { requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca: CA }) }) } : {}),
});

function emit(obj) { process.stdout.write(JSON.stringify(obj) + "\n"); }

/** A failed check or request: message says what S3 requires and what happened. */
class StepFailure extends Error {
  constructor(message, status = null, errorCode = null) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
  }
}

/** Per-step state: the status/code of the last request, for the output line. */
class Ctx {
  constructor() { this.status = null; this.errorCode = null; }
  /** Send one SDK command; on error throw a StepFailure naming the operation. */
  async send(command, what = command.constructor.name.replace(/Command$/, "")) {
    try {
      const out = await client.send(command);
      this.status = out?.$metadata?.httpStatusCode ?? null;
      this.errorCode = null;
      return out;
    } catch (err) {
      throw this.sdkError(what, err);
    }
  }
  sdkError(what, err) {
    const status = err?.$metadata?.httpStatusCode ?? err?.$response?.statusCode ?? null;
    const code = err instanceof S3ServiceException || err?.$fault ? (err.Code ?? err.name ?? null) : null;
    this.status = status;
    this.errorCode = code;
    const detail = [status, code && `${code}:`, err?.message].filter((x) => x !== null && x !== undefined && x !== "").join(" ");
    return new StepFailure(`${what}: S3 requires success; got ${detail || String(err)}`, status, code);
  }
  check(cond, message) {
    if (!cond) throw new StepFailure(message, this.status, this.errorCode);
  }
}

function firstDiff(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
function checkBytes(ctx, what, got, want) {
  ctx.check(got.length === want.length, `${what}: S3 requires ${want.length} bytes; got ${got.length}`);
  const d = firstDiff(got, want);
  ctx.check(d < 0, `${what}: S3 requires the bytes as written; got a difference at offset ${d}`);
}
async function getBytes(ctx, key, extra = {}) {
  const out = await ctx.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, ...extra }), `GetObject ${key}`);
  return { out, body: Buffer.from(await out.Body.transformToByteArray()) };
}
const md5Etag = (buf) => `"${createHash("md5").update(buf).digest("hex")}"`;

/** Plain HTTP (no SDK): global fetch, or https.request when a CA bundle is given. */
async function plainHttp(method, url, body) {
  if (!CA) {
    const r = await fetch(url, { method, body });
    return { status: r.status, body: Buffer.from(await r.arrayBuffer()) };
  }
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca: CA, headers: body ? { "content-length": body.length } : {} }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}
function s3ErrorCode(body) {
  const m = /<Code>([^<]*)<\/Code>/.exec(body.toString("utf8"));
  return m ? m[1] : null;
}

async function listKeys(ctx, prefix, pageSize) {
  const keys = [];
  let pages = 0;
  const params = { Bucket: BUCKET, ...(prefix ? { Prefix: prefix } : {}) };
  try {
    for await (const page of paginateListObjectsV2({ client, ...(pageSize ? { pageSize } : {}) }, params)) {
      pages++;
      ctx.status = page.$metadata?.httpStatusCode ?? null;
      for (const o of page.Contents ?? []) keys.push(o.Key);
    }
  } catch (err) {
    throw ctx.sdkError("ListObjectsV2 (paginator)", err);
  }
  return { keys, pages };
}

// ---- the 12 steps: [name, prerequisites, body]; a body calls ctx.provide() once the
// ---- thing later steps need exists (so a failed check after it does not block them).
const STEPS = [
  ["create_bucket", [], async (ctx) => {
    const cfg = REGION !== "us-east-1" ? { CreateBucketConfiguration: { LocationConstraint: REGION } } : {};
    await ctx.send(new CreateBucketCommand({ Bucket: BUCKET, ...cfg }));
    ctx.provide();
  }],
  ["put_small", ["create_bucket"], async (ctx) => {
    const out = await ctx.send(new PutObjectCommand({
      Bucket: BUCKET, Key: SMALL, Body: SMALL_DATA,
      ContentType: "application/octet-stream", Metadata: { client: CLIENT_NAME },
    }), `PutObject ${SMALL}`);
    ctx.provide();
    const want = md5Etag(SMALL_DATA);
    ctx.check(out.ETag === want, `PutObject ${SMALL}: S3 requires ETag ${want} (MD5); got ${out.ETag}`);
  }],
  ["put_multipart", ["create_bucket"], async (ctx) => {
    const upload = new Upload({ client, params: { Bucket: BUCKET, Key: LARGE, Body: LARGE_DATA } });
    try {
      const out = await upload.done();
      ctx.status = out?.$metadata?.httpStatusCode ?? null;
    } catch (err) {
      throw ctx.sdkError(`lib-storage Upload ${LARGE}`, err);
    }
    ctx.provide();
    const head = await ctx.send(new HeadObjectCommand({ Bucket: BUCKET, Key: LARGE }), `HeadObject ${LARGE}`);
    ctx.check(head.ContentLength === LARGE_SIZE,
      `HeadObject ${LARGE}: S3 requires ContentLength ${LARGE_SIZE}; got ${head.ContentLength}`);
    const m = /-(\d+)"$/.exec(head.ETag ?? "");
    ctx.check(m && Number(m[1]) >= 2,
      `HeadObject ${LARGE}: S3 requires a multipart ETag ending -<N>" with N >= 2; got ${head.ETag}`);
  }],
  ["get_whole", ["put_small", "put_multipart"], async (ctx) => {
    for (const [key, want] of [[SMALL, SMALL_DATA], [LARGE, LARGE_DATA]]) {
      const { out, body } = await getBytes(ctx, key);
      ctx.check(ctx.status === 200, `GetObject ${key}: S3 requires status 200; got ${ctx.status}`);
      ctx.check(out.ContentLength === want.length,
        `GetObject ${key}: S3 requires ContentLength ${want.length}; got ${out.ContentLength}`);
      checkBytes(ctx, `GetObject ${key}`, body, want);
    }
  }],
  ["get_range", ["put_multipart"], async (ctx) => {
    const range = `bytes=${RANGE_START}-${RANGE_END}`;
    const { out, body } = await getBytes(ctx, LARGE, { Range: range });
    ctx.check(ctx.status === 206 && body.length === 100,
      `Range ${range}: S3 requires 206 and 100 bytes; got status ${ctx.status} and ${body.length} bytes`);
    const wantCR = `bytes ${RANGE_START}-${RANGE_END}/${LARGE_SIZE}`;
    ctx.check(out.ContentRange === wantCR, `Range ${range}: S3 requires Content-Range ${wantCR}; got ${out.ContentRange}`);
    checkBytes(ctx, `Range ${range}`, body, LARGE_DATA.subarray(RANGE_START, RANGE_END + 1));
  }],
  ["head", ["put_small"], async (ctx) => {
    const out = await ctx.send(new HeadObjectCommand({ Bucket: BUCKET, Key: SMALL }), `HeadObject ${SMALL}`);
    const want = md5Etag(SMALL_DATA);
    ctx.check(out.ContentLength === 1024, `HeadObject ${SMALL}: S3 requires ContentLength 1024; got ${out.ContentLength}`);
    ctx.check(out.ETag === want, `HeadObject ${SMALL}: S3 requires ETag ${want} as put; got ${out.ETag}`);
    const meta = out.Metadata?.client;
    ctx.check(meta === CLIENT_NAME, `HeadObject ${SMALL}: S3 requires metadata client=${CLIENT_NAME}; got ${meta}`);
    ctx.check(out.ContentType === "application/octet-stream",
      `HeadObject ${SMALL}: S3 requires ContentType application/octet-stream; got ${out.ContentType}`);
  }],
  ["list_paginated", ["create_bucket"], async (ctx) => {
    const want = [0, 1, 2, 3, 4].map((i) => `dir/${i}`);
    for (const key of want) {
      await ctx.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: DIR_DATA }), `PutObject ${key}`);
    }
    const { keys, pages } = await listKeys(ctx, "dir/", 2);
    ctx.check(JSON.stringify(keys) === JSON.stringify(want),
      `ListObjectsV2 Prefix dir/ MaxKeys 2: S3 requires keys ${want.join(",")}; got ${keys.join(",") || "none"}`);
    ctx.check(pages === 3, `ListObjectsV2 Prefix dir/ MaxKeys 2: S3 requires 3 pages; got ${pages}`);
  }],
  ["copy", ["put_small"], async (ctx) => {
    await ctx.send(new CopyObjectCommand({ Bucket: BUCKET, Key: COPY, CopySource: `${BUCKET}/${SMALL}` }),
      `CopyObject ${SMALL} -> ${COPY}`);
    const { body } = await getBytes(ctx, COPY);
    checkBytes(ctx, `GetObject ${COPY}`, body, SMALL_DATA);
  }],
  ["presign_get", ["put_small"], async (ctx) => {
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: BUCKET, Key: SMALL }), { expiresIn: 300 });
    const r = await plainHttp("GET", url);
    ctx.status = r.status;
    ctx.errorCode = r.status >= 300 ? s3ErrorCode(r.body) : null;
    ctx.check(r.status === 200,
      `presigned GET ${SMALL}: S3 requires 200; got ${r.status}${ctx.errorCode ? " " + ctx.errorCode : ""}`);
    checkBytes(ctx, `presigned GET ${SMALL}`, r.body, SMALL_DATA);
  }],
  ["presign_put", ["create_bucket"], async (ctx) => {
    const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: BUCKET, Key: PRESIGNED }), { expiresIn: 300 });
    const r = await plainHttp("PUT", url, PRESIGNED_DATA);
    ctx.status = r.status;
    ctx.errorCode = r.status >= 300 ? s3ErrorCode(r.body) : null;
    // name (never print) the checksum parameters the presigner put into the URL: they explain a BadDigest
    const sums = [...new URL(url).searchParams.keys()].filter((k) => /^x-amz-(sdk-)?checksum/i.test(k));
    ctx.check(r.status === 200,
      `presigned PUT ${PRESIGNED}: S3 requires 200; got ${r.status}${ctx.errorCode ? " " + ctx.errorCode : ""}` +
      (sums.length ? ` (the presigned URL carries ${sums.join(", ")})` : ""));
    const { body } = await getBytes(ctx, PRESIGNED);
    checkBytes(ctx, `GetObject ${PRESIGNED}`, body, PRESIGNED_DATA);
  }],
  ["delete_many", ["create_bucket"], async (ctx) => {
    const { keys } = await listKeys(ctx);
    if (keys.length > 0) {
      const out = await ctx.send(new DeleteObjectsCommand({
        Bucket: BUCKET, Delete: { Objects: keys.map((Key) => ({ Key })) },
      }), `DeleteObjects (${keys.length} keys)`);
      const errs = out.Errors ?? [];
      ctx.check(errs.length === 0, `DeleteObjects: S3 requires no Errors; got ${errs.length}: ` +
        errs.slice(0, 3).map((e) => `${e.Key} ${e.Code}`).join(", "));
    }
    const after = await ctx.send(new ListObjectsV2Command({ Bucket: BUCKET }), "ListObjectsV2 after DeleteObjects");
    const left = (after.Contents ?? []).map((o) => o.Key);
    ctx.check(left.length === 0, `ListObjectsV2 after DeleteObjects: S3 requires no keys; got ${left.join(",")}`);
  }],
  ["delete_bucket", ["create_bucket"], async (ctx) => {
    await ctx.send(new DeleteBucketCommand({ Bucket: BUCKET }));
    const deleted = { status: ctx.status, errorCode: ctx.errorCode };
    let headStatus;
    try {
      const out = await client.send(new HeadBucketCommand({ Bucket: BUCKET }));
      headStatus = out.$metadata?.httpStatusCode ?? null;
    } catch (err) {
      headStatus = err?.$metadata?.httpStatusCode ?? err?.$response?.statusCode ?? null;
      if (headStatus === null) throw ctx.sdkError("HeadBucket after DeleteBucket", err);
    }
    ctx.status = headStatus;
    ctx.check(headStatus === 404, `HeadBucket after DeleteBucket: S3 requires 404; got ${headStatus}`);
    Object.assign(ctx, deleted); // the expected 404 is not the step's error: report DeleteBucket's status
  }],
];

async function main() {
  const pkg = createRequire(import.meta.url)("@aws-sdk/client-s3/package.json");
  emit({ client: CLIENT_NAME, version: pkg.version });
  const provided = new Set();
  for (const [name, needs, body] of STEPS) {
    const blocker = needs.find((n) => !provided.has(n));
    if (blocker) {
      emit({ step: name, ok: false, status: null, error_code: null, blocked_by: blocker,
        message: `not run: ${blocker} failed`, duration_s: 0 });
      continue;
    }
    const ctx = new Ctx();
    ctx.provide = () => provided.add(name);
    const t0 = performance.now();
    let ok = true, message = "";
    try {
      await body(ctx);
      provided.add(name);
    } catch (err) {
      ok = false;
      if (err instanceof StepFailure) {
        message = err.message;
        ctx.status = err.status;
        ctx.errorCode = err.errorCode;
      } else {
        message = `unexpected client error: ${err?.name ?? ""}: ${err?.message ?? String(err)}`;
        console.error(err);
      }
    }
    const duration_s = Math.round((performance.now() - t0)) / 1000;
    emit({ step: name, ok, status: ctx.status, error_code: ctx.errorCode, message, duration_s });
  }
}

await main();
