// s3gauntlet interop client: AWS SDK for Java v2 (S3Client, the Java-based multipart
// S3AsyncClient, S3Presigner) with its default settings.
//
// The contract (environment in, one JSON object per line out, the 12 SDK steps and their
// checks, the payload formula) is interop/README.md; keep this file to it.
// Never print the secret key, an Authorization header or a full presigned URL.
package s3gauntlet.interop;

import java.io.FileInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.util.VersionInfo;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.*;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

public final class Main {
  static String env(String name, String dflt) {
    String v = System.getenv(name);
    return v == null || v.isEmpty() ? dflt : v;
  }

  static final String ENDPOINT = env("GAUNTLET_ENDPOINT", "");
  static final String REGION = env("GAUNTLET_REGION", "us-east-1");
  static final String BUCKET = env("GAUNTLET_BUCKET", "");
  static final String CLIENT_NAME = env("GAUNTLET_CLIENT", "java-v2");
  static final String CA_FILE = env("GAUNTLET_CA_BUNDLE", "");

  static final String SMALL = "small.bin", LARGE = "large.bin", COPY = "copy.bin", PRESIGNED = "presigned.bin";
  static final int LARGE_SIZE = 17 * 1024 * 1024; // 17825792
  static final int RANGE_START = 1048576, RANGE_END = 1048675;

  /** payload(n, seed): byte i = (seed + 31*i) % 251 */
  static byte[] payload(int n, int seed) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) b[i] = (byte) ((seed + 31L * i) % 251);
    return b;
  }

  static final byte[] SMALL_DATA = payload(1024, 1), LARGE_DATA = payload(LARGE_SIZE, 2);
  static final byte[] DIR_DATA = payload(10, 3), PRESIGNED_DATA = payload(2048, 4);

  static S3Client s3;
  static S3AsyncClient s3Async;
  static S3Presigner presigner;
  static HttpClient plain;

  /** A failed check or request: message says what S3 requires and what happened. */
  static final class StepFailure extends Exception {
    final Integer status;
    final String errorCode;

    StepFailure(String message, Integer status, String errorCode) {
      super(message);
      this.status = status;
      this.errorCode = errorCode;
    }
  }

  @FunctionalInterface
  interface Call<T> { T run() throws Exception; }

  @FunctionalInterface
  interface Body { void run(Ctx ctx) throws Exception; }

  /** Per-step state: the status/code of the last request, for the output line. */
  static final class Ctx {
    Integer status;
    String errorCode;
    boolean provided;

    /** Run one SDK call; on error throw a StepFailure naming the operation. */
    <T extends S3Response> T send(String what, Call<T> call) throws StepFailure {
      T out = sdk(what, call);
      status = out.sdkHttpResponse().statusCode();
      errorCode = null;
      return out;
    }

    <T> T sdk(String what, Call<T> call) throws StepFailure {
      try {
        return call.run();
      } catch (Exception err) {
        throw sdkError(what, err);
      }
    }

    StepFailure sdkError(String what, Throwable err) {
      while (err instanceof CompletionException && err.getCause() != null) err = err.getCause();
      String detail;
      if (err instanceof SdkServiceException se) {
        status = se.statusCode();
        errorCode = null;
        String msg = se.getMessage();
        if (se instanceof S3Exception s3e && s3e.awsErrorDetails() != null) {
          errorCode = s3e.awsErrorDetails().errorCode();
          if (s3e.awsErrorDetails().errorMessage() != null) msg = s3e.awsErrorDetails().errorMessage();
        }
        detail = status + (errorCode != null ? " " + errorCode : "") + (msg != null ? " " + msg : "");
      } else {
        status = null;
        errorCode = null;
        detail = err.getClass().getSimpleName() + ": " + err.getMessage();
      }
      return new StepFailure(what + ": S3 requires success; got " + detail, status, errorCode);
    }

    void check(boolean cond, String message) throws StepFailure {
      if (!cond) throw new StepFailure(message, status, errorCode);
    }
  }

  static void checkBytes(Ctx ctx, String what, byte[] got, byte[] want) throws StepFailure {
    ctx.check(got.length == want.length, what + ": S3 requires " + want.length + " bytes; got " + got.length);
    int d = java.util.Arrays.mismatch(got, want);
    ctx.check(d < 0, what + ": S3 requires the bytes as written; got a difference at offset " + d);
  }

  static ResponseBytes<GetObjectResponse> getBytes(Ctx ctx, String key, String range) throws StepFailure {
    GetObjectRequest.Builder req = GetObjectRequest.builder().bucket(BUCKET).key(key);
    if (range != null) req.range(range);
    ResponseBytes<GetObjectResponse> out = ctx.sdk("GetObject " + key, () -> s3.getObjectAsBytes(req.build()));
    ctx.status = out.response().sdkHttpResponse().statusCode();
    ctx.errorCode = null;
    return out;
  }

  static String md5Etag(byte[] data) throws Exception {
    StringBuilder sb = new StringBuilder("\"");
    for (byte b : MessageDigest.getInstance("MD5").digest(data)) sb.append(String.format("%02x", b));
    return sb.append('"').toString();
  }

  /** Plain HTTP (no SDK) for a presigned request: java.net.http, HTTP/1.1. */
  static HttpResponse<byte[]> plainHttp(Ctx ctx, String what, SdkHttpRequest signed, byte[] body) throws StepFailure {
    HttpRequest.Builder req = HttpRequest.newBuilder(signed.getUri()).timeout(Duration.ofSeconds(60))
        .method(signed.method().name(), body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    for (Map.Entry<String, List<String>> h : signed.headers().entrySet()) {
      if (h.getKey().equalsIgnoreCase("host")) continue; // set from the URL
      for (String v : h.getValue()) req.header(h.getKey(), v);
    }
    HttpResponse<byte[]> r = ctx.sdk(what, () -> plain.send(req.build(), HttpResponse.BodyHandlers.ofByteArray()));
    ctx.status = r.statusCode();
    ctx.errorCode = null;
    if (r.statusCode() >= 300) {
      Matcher m = Pattern.compile("<Code>([^<]*)</Code>").matcher(new String(r.body(), StandardCharsets.UTF_8));
      if (m.find()) ctx.errorCode = m.group(1);
    }
    return r;
  }

  static List<String> listKeys(Ctx ctx, String prefix, Integer pageSize, int[] pages) throws StepFailure {
    ListObjectsV2Request.Builder req = ListObjectsV2Request.builder().bucket(BUCKET);
    if (prefix != null) req.prefix(prefix);
    if (pageSize != null) req.maxKeys(pageSize);
    List<String> keys = new ArrayList<>();
    ctx.sdk("ListObjectsV2 (paginator)", () -> {
      for (ListObjectsV2Response page : s3.listObjectsV2Paginator(req.build())) {
        pages[0]++;
        ctx.status = page.sdkHttpResponse().statusCode();
        for (S3Object o : page.contents()) keys.add(o.key());
      }
      return null;
    });
    return keys;
  }

  record Step(String name, List<String> needs, Body body) {}

  // ---- the 12 steps; a body sets ctx.provided once the thing later steps need exists
  // ---- (so a failed check after it does not block them).
  static final List<Step> STEPS = List.of(
      new Step("create_bucket", List.of(), ctx -> {
        CreateBucketRequest.Builder req = CreateBucketRequest.builder().bucket(BUCKET);
        if (!REGION.equals("us-east-1")) {
          req.createBucketConfiguration(CreateBucketConfiguration.builder().locationConstraint(REGION).build());
        }
        ctx.send("CreateBucket", () -> s3.createBucket(req.build()));
      }),
      new Step("put_small", List.of("create_bucket"), ctx -> {
        PutObjectResponse out = ctx.send("PutObject " + SMALL, () -> s3.putObject(PutObjectRequest.builder()
            .bucket(BUCKET).key(SMALL).contentType("application/octet-stream")
            .metadata(Map.of("client", CLIENT_NAME)).build(), RequestBody.fromBytes(SMALL_DATA)));
        ctx.provided = true;
        String want = md5Etag(SMALL_DATA);
        ctx.check(want.equals(out.eTag()), "PutObject " + SMALL + ": S3 requires ETag " + want + " (MD5); got " + out.eTag());
      }),
      new Step("put_multipart", List.of("create_bucket"), ctx -> {
        ctx.send("multipart S3AsyncClient PutObject " + LARGE, () -> s3Async.putObject(
            PutObjectRequest.builder().bucket(BUCKET).key(LARGE).build(),
            AsyncRequestBody.fromBytes(LARGE_DATA)).join());
        ctx.provided = true;
        HeadObjectResponse head = ctx.send("HeadObject " + LARGE,
            () -> s3.headObject(HeadObjectRequest.builder().bucket(BUCKET).key(LARGE).build()));
        ctx.check(head.contentLength() != null && head.contentLength() == LARGE_SIZE,
            "HeadObject " + LARGE + ": S3 requires ContentLength " + LARGE_SIZE + "; got " + head.contentLength());
        Matcher m = Pattern.compile("-(\\d+)\"$").matcher(head.eTag() == null ? "" : head.eTag());
        ctx.check(m.find() && Long.parseLong(m.group(1)) >= 2,
            "HeadObject " + LARGE + ": S3 requires a multipart ETag ending -<N>\" with N >= 2; got " + head.eTag());
      }),
      new Step("get_whole", List.of("put_small", "put_multipart"), ctx -> {
        for (Object[] kv : new Object[][] {{SMALL, SMALL_DATA}, {LARGE, LARGE_DATA}}) {
          String key = (String) kv[0];
          byte[] want = (byte[]) kv[1];
          ResponseBytes<GetObjectResponse> out = getBytes(ctx, key, null);
          ctx.check(ctx.status == 200, "GetObject " + key + ": S3 requires status 200; got " + ctx.status);
          Long cl = out.response().contentLength();
          ctx.check(cl != null && cl == want.length,
              "GetObject " + key + ": S3 requires ContentLength " + want.length + "; got " + cl);
          checkBytes(ctx, "GetObject " + key, out.asByteArray(), want);
        }
      }),
      new Step("get_range", List.of("put_multipart"), ctx -> {
        String range = "bytes=" + RANGE_START + "-" + RANGE_END;
        ResponseBytes<GetObjectResponse> out = getBytes(ctx, LARGE, range);
        byte[] body = out.asByteArray();
        ctx.check(ctx.status == 206 && body.length == 100, "Range " + range
            + ": S3 requires 206 and 100 bytes; got status " + ctx.status + " and " + body.length + " bytes");
        String wantCR = "bytes " + RANGE_START + "-" + RANGE_END + "/" + LARGE_SIZE;
        String cr = out.response().contentRange();
        ctx.check(wantCR.equals(cr), "Range " + range + ": S3 requires Content-Range " + wantCR + "; got " + cr);
        checkBytes(ctx, "Range " + range, body, java.util.Arrays.copyOfRange(LARGE_DATA, RANGE_START, RANGE_END + 1));
      }),
      new Step("head", List.of("put_small"), ctx -> {
        HeadObjectResponse out = ctx.send("HeadObject " + SMALL,
            () -> s3.headObject(HeadObjectRequest.builder().bucket(BUCKET).key(SMALL).build()));
        String want = md5Etag(SMALL_DATA);
        ctx.check(out.contentLength() != null && out.contentLength() == 1024,
            "HeadObject " + SMALL + ": S3 requires ContentLength 1024; got " + out.contentLength());
        ctx.check(want.equals(out.eTag()), "HeadObject " + SMALL + ": S3 requires ETag " + want + " as put; got " + out.eTag());
        String meta = out.metadata().get("client");
        ctx.check(CLIENT_NAME.equals(meta),
            "HeadObject " + SMALL + ": S3 requires metadata client=" + CLIENT_NAME + "; got " + meta);
        ctx.check("application/octet-stream".equals(out.contentType()),
            "HeadObject " + SMALL + ": S3 requires ContentType application/octet-stream; got " + out.contentType());
      }),
      new Step("list_paginated", List.of("create_bucket"), ctx -> {
        List<String> want = List.of("dir/0", "dir/1", "dir/2", "dir/3", "dir/4");
        for (String key : want) {
          ctx.send("PutObject " + key, () -> s3.putObject(PutObjectRequest.builder().bucket(BUCKET).key(key).build(),
              RequestBody.fromBytes(DIR_DATA)));
        }
        int[] pages = {0};
        List<String> keys = listKeys(ctx, "dir/", 2, pages);
        ctx.check(keys.equals(want), "ListObjectsV2 Prefix dir/ MaxKeys 2: S3 requires keys " + String.join(",", want)
            + "; got " + (keys.isEmpty() ? "none" : String.join(",", keys)));
        ctx.check(pages[0] == 3, "ListObjectsV2 Prefix dir/ MaxKeys 2: S3 requires 3 pages; got " + pages[0]);
      }),
      new Step("copy", List.of("put_small"), ctx -> {
        ctx.send("CopyObject " + SMALL + " -> " + COPY, () -> s3.copyObject(CopyObjectRequest.builder()
            .sourceBucket(BUCKET).sourceKey(SMALL).destinationBucket(BUCKET).destinationKey(COPY).build()));
        checkBytes(ctx, "GetObject " + COPY, getBytes(ctx, COPY, null).asByteArray(), SMALL_DATA);
      }),
      new Step("presign_get", List.of("put_small"), ctx -> {
        SdkHttpRequest signed = ctx.sdk("presign GetObject " + SMALL, () -> presigner.presignGetObject(r -> r
            .signatureDuration(Duration.ofSeconds(300))
            .getObjectRequest(g -> g.bucket(BUCKET).key(SMALL))).httpRequest());
        HttpResponse<byte[]> r = plainHttp(ctx, "presigned GET " + SMALL, signed, null);
        ctx.check(r.statusCode() == 200, "presigned GET " + SMALL + ": S3 requires 200; got " + r.statusCode()
            + (ctx.errorCode != null ? " " + ctx.errorCode : ""));
        checkBytes(ctx, "presigned GET " + SMALL, r.body(), SMALL_DATA);
      }),
      new Step("presign_put", List.of("create_bucket"), ctx -> {
        SdkHttpRequest signed = ctx.sdk("presign PutObject " + PRESIGNED, () -> presigner.presignPutObject(r -> r
            .signatureDuration(Duration.ofSeconds(300))
            .putObjectRequest(p -> p.bucket(BUCKET).key(PRESIGNED))).httpRequest());
        HttpResponse<byte[]> r = plainHttp(ctx, "presigned PUT " + PRESIGNED, signed, PRESIGNED_DATA);
        ctx.check(r.statusCode() == 200, "presigned PUT " + PRESIGNED + ": S3 requires 200; got " + r.statusCode()
            + (ctx.errorCode != null ? " " + ctx.errorCode : ""));
        checkBytes(ctx, "GetObject " + PRESIGNED, getBytes(ctx, PRESIGNED, null).asByteArray(), PRESIGNED_DATA);
      }),
      new Step("delete_many", List.of("create_bucket"), ctx -> {
        List<String> keys = listKeys(ctx, null, null, new int[1]);
        if (!keys.isEmpty()) {
          List<ObjectIdentifier> ids = keys.stream().map(k -> ObjectIdentifier.builder().key(k).build()).toList();
          DeleteObjectsResponse out = ctx.send("DeleteObjects (" + keys.size() + " keys)", () -> s3.deleteObjects(
              DeleteObjectsRequest.builder().bucket(BUCKET).delete(Delete.builder().objects(ids).build()).build()));
          List<S3Error> errs = out.errors();
          ctx.check(errs.isEmpty(), "DeleteObjects: S3 requires no Errors; got " + errs.size() + ": "
              + String.join(", ", errs.stream().limit(3).map(e -> e.key() + " " + e.code()).toList()));
        }
        ListObjectsV2Response after = ctx.send("ListObjectsV2 after DeleteObjects",
            () -> s3.listObjectsV2(ListObjectsV2Request.builder().bucket(BUCKET).build()));
        List<String> left = after.contents().stream().map(S3Object::key).toList();
        ctx.check(left.isEmpty(), "ListObjectsV2 after DeleteObjects: S3 requires no keys; got " + String.join(",", left));
      }),
      new Step("delete_bucket", List.of("create_bucket"), ctx -> {
        ctx.send("DeleteBucket", () -> s3.deleteBucket(DeleteBucketRequest.builder().bucket(BUCKET).build()));
        Integer deletedStatus = ctx.status;
        Integer headStatus;
        try {
          headStatus = s3.headBucket(HeadBucketRequest.builder().bucket(BUCKET).build()).sdkHttpResponse().statusCode();
        } catch (SdkServiceException e) {
          headStatus = e.statusCode();
        } catch (Exception e) {
          throw ctx.sdkError("HeadBucket after DeleteBucket", e);
        }
        ctx.status = headStatus;
        ctx.check(headStatus == 404, "HeadBucket after DeleteBucket: S3 requires 404; got " + headStatus);
        ctx.status = deletedStatus; // the expected 404 is not the step's error: report DeleteBucket's status
      }));

  // ---- clients
  static TrustManager[] trustManagers() throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    try (InputStream in = new FileInputStream(CA_FILE)) {
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        ks.setCertificateEntry("gauntlet-ca-" + i++, c);
      }
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    return tmf.getTrustManagers();
  }

  static void buildClients() throws Exception {
    URI endpoint = URI.create(ENDPOINT);
    Region region = Region.of(REGION);
    StaticCredentialsProvider creds = StaticCredentialsProvider.create(
        AwsBasicCredentials.create(env("GAUNTLET_ACCESS_KEY", ""), env("GAUNTLET_SECRET_KEY", "")));
    var sync = S3Client.builder().endpointOverride(endpoint).forcePathStyle(true).region(region).credentialsProvider(creds);
    var async = S3AsyncClient.builder().endpointOverride(endpoint).forcePathStyle(true).region(region)
        .credentialsProvider(creds).multipartEnabled(true);
    HttpClient.Builder plainBuilder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(30));
    if (ENDPOINT.startsWith("https://") && !CA_FILE.isEmpty()) {
      TrustManager[] tms = trustManagers();
      // the SDK's own default HTTP clients (Apache 5 sync, Netty async), trusting the given CA
      sync.httpClient(Apache5HttpClient.builder().tlsTrustManagersProvider(() -> tms).build());
      async.httpClient(NettyNioAsyncHttpClient.builder().tlsTrustManagersProvider(() -> tms).build());
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, tms, null);
      plainBuilder.sslContext(ssl);
    }
    s3 = sync.build();
    s3Async = async.build();
    presigner = S3Presigner.builder().endpointOverride(endpoint).region(region).credentialsProvider(creds)
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build();
    plain = plainBuilder.build();
  }

  // ---- output
  static String json(Object v) {
    if (v == null) return "null";
    if (v instanceof Boolean || v instanceof Integer) return v.toString();
    if (v instanceof Double d) return String.format(java.util.Locale.ROOT, "%.3f", d);
    StringBuilder sb = new StringBuilder("\"");
    for (char c : v.toString().toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> sb.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
      }
    }
    return sb.append('"').toString();
  }

  static void emit(Object... kv) {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < kv.length; i += 2) {
      if (i > 0) sb.append(", ");
      sb.append(json(kv[i])).append(": ").append(json(kv[i + 1]));
    }
    System.out.println(sb.append('}'));
    System.out.flush();
  }

  public static void main(String[] args) throws Exception {
    emit("client", CLIENT_NAME, "version", VersionInfo.SDK_VERSION);
    String setupError = null;
    try {
      buildClients();
    } catch (Exception e) {
      setupError = "client setup failed: " + e.getClass().getSimpleName() + ": " + e.getMessage();
      e.printStackTrace();
    }
    Set<String> provided = new HashSet<>();
    for (Step step : STEPS) {
      String blocker = step.needs().stream().filter(n -> !provided.contains(n)).findFirst().orElse(null);
      if (blocker != null) {
        emit("step", step.name(), "ok", false, "status", null, "error_code", null, "blocked_by", blocker,
            "message", "not run: " + blocker + " failed", "duration_s", 0.0);
        continue;
      }
      Ctx ctx = new Ctx();
      long t0 = System.nanoTime();
      boolean ok = true;
      String message = "";
      try {
        if (setupError != null) throw new StepFailure(setupError, null, null);
        step.body().run(ctx);
      } catch (StepFailure f) {
        ok = false;
        message = f.getMessage();
        ctx.status = f.status;
        ctx.errorCode = f.errorCode;
      } catch (Exception e) {
        ok = false;
        message = "unexpected client error: " + e.getClass().getSimpleName() + ": " + e.getMessage();
        e.printStackTrace();
      }
      if (ok || ctx.provided) provided.add(step.name());
      emit("step", step.name(), "ok", ok, "status", ctx.status, "error_code", ctx.errorCode, "message", message,
          "duration_s", Math.round((System.nanoTime() - t0) / 1e6) / 1000.0);
    }
    System.exit(0); // the async client's event loop threads would keep the JVM alive a moment longer
  }
}
