// s3gauntlet interop client: AWS SDK for Go v2 (service/s3, feature/s3/manager)
// with its default settings.
//
// The contract (environment in, one JSON object per line out, the 12 SDK steps and
// their checks, the payload formula) is interop/README.md; keep this file to it.
// Never print the secret key, an Authorization header or a full presigned URL.
package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

const (
	small, large, copied, presigned = "small.bin", "large.bin", "copy.bin", "presigned.bin"
	largeSize                       = 17 * 1024 * 1024 // 17825792
	rangeStart, rangeEnd            = 1048576, 1048675
)

// payload(n, seed): byte i = (seed + 31*i) % 251
func payload(n, seed int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte((seed + 31*i) % 251)
	}
	return b
}

var (
	bucket, clientName, region string
	client                     *s3.Client
	plain                      *http.Client
	smallData, largeData       = payload(1024, 1), payload(largeSize, 2)
	dirData, presignedData     = payload(10, 3), payload(2048, 4)
	bg                         = context.Background()
)

// failure: what S3 requires and what happened, with the failing request's status/code.
type failure struct {
	msg    string
	status *int
	code   *string
}

func (f *failure) Error() string { return f.msg }

// step state: the status and error code of the last request.
type stepCtx struct {
	status   *int
	code     *string
	provided bool
}

func (c *stepCtx) ok(md middleware.Metadata) {
	c.code = nil
	c.status = nil
	if raw, isResp := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); isResp && raw != nil {
		c.status = &raw.StatusCode
	}
}

// sdkErr records an SDK error's status and code and turns it into a failure.
func (c *stepCtx) sdkErr(what string, err error) error {
	c.status, c.code = nil, nil
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() != 0 { // 0: no answer at all
		s := re.HTTPStatusCode()
		c.status = &s
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() != "" {
		code := ae.ErrorCode()
		c.code = &code
		return &failure{fmt.Sprintf("%s: S3 requires success; got %s %s: %s", what, fmtInt(c.status), code, ae.ErrorMessage()),
			c.status, c.code}
	}
	return &failure{fmt.Sprintf("%s: S3 requires success; got %v", what, err), c.status, c.code}
}

func (c *stepCtx) check(cond bool, format string, args ...any) {
	if !cond {
		panic(&failure{fmt.Sprintf(format, args...), c.status, c.code})
	}
}

func (c *stepCtx) must(what string, err error) {
	if err != nil {
		panic(c.sdkErr(what, err))
	}
}

func (c *stepCtx) checkBytes(what string, got, want []byte) {
	c.check(len(got) == len(want), "%s: S3 requires %d bytes; got %d", what, len(want), len(got))
	if !bytes.Equal(got, want) {
		i := 0
		for got[i] == want[i] {
			i++
		}
		c.check(false, "%s: S3 requires the bytes as written; got a difference at offset %d", what, i)
	}
}

func (c *stepCtx) getBytes(key string, rng *string) (*s3.GetObjectOutput, []byte) {
	out, err := client.GetObject(bg, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String(key), Range: rng})
	c.must("GetObject "+key, err)
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	c.must("GetObject "+key+" (reading the body)", err)
	c.ok(out.ResultMetadata)
	return out, body
}

// listKeys lists through the SDK's paginator; pageSize 0 leaves MaxKeys unset.
func (c *stepCtx) listKeys(prefix string, pageSize int32) (keys []string, pages int) {
	in := &s3.ListObjectsV2Input{Bucket: &bucket}
	if prefix != "" {
		in.Prefix = &prefix
	}
	if pageSize > 0 {
		in.MaxKeys = &pageSize
	}
	keys = []string{}
	for p := s3.NewListObjectsV2Paginator(client, in); p.HasMorePages(); {
		page, err := p.NextPage(bg)
		c.must("ListObjectsV2 (paginator)", err)
		c.ok(page.ResultMetadata)
		pages++
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys, pages
}

// plainHTTP sends the presigned request with net/http (URL only, no SDK).
func (c *stepCtx) plainHTTP(what, method, url string, body []byte) []byte {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		panic(&failure{what + ": could not build the request", nil, nil})
	}
	if body == nil {
		req.Body = nil
	}
	resp, err := plain.Do(req)
	if err != nil {
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) { // *url.Error carries the URL: print only its cause
			err = ue.Unwrap()
		}
		panic(&failure{fmt.Sprintf("%s: S3 requires an answer; got %v", what, err), nil, nil})
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	c.status, c.code = &resp.StatusCode, nil
	if m := regexp.MustCompile(`<Code>([^<]*)</Code>`).FindSubmatch(data); resp.StatusCode >= 300 && m != nil {
		code := string(m[1])
		c.code = &code
	}
	c.check(resp.StatusCode == 200, "%s: S3 requires 200; got %d %s", what, resp.StatusCode, aws.ToString(c.code))
	return data
}

func md5ETag(b []byte) string { s := md5.Sum(b); return `"` + hex.EncodeToString(s[:]) + `"` }

type step struct {
	name  string
	needs []string
	run   func(c *stepCtx)
}

var steps = []step{
	{"create_bucket", nil, func(c *stepCtx) {
		in := &s3.CreateBucketInput{Bucket: &bucket}
		if region != "us-east-1" {
			in.CreateBucketConfiguration = &types.CreateBucketConfiguration{
				LocationConstraint: types.BucketLocationConstraint(region)}
		}
		out, err := client.CreateBucket(bg, in)
		c.must("CreateBucket", err)
		c.ok(out.ResultMetadata)
	}},
	{"put_small", []string{"create_bucket"}, func(c *stepCtx) {
		out, err := client.PutObject(bg, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(small),
			Body: bytes.NewReader(smallData), ContentType: aws.String("application/octet-stream"),
			Metadata: map[string]string{"client": clientName}})
		c.must("PutObject "+small, err)
		c.ok(out.ResultMetadata)
		c.provided = true
		want := md5ETag(smallData)
		c.check(aws.ToString(out.ETag) == want, "PutObject %s: S3 requires ETag %s (MD5); got %s", small, want, aws.ToString(out.ETag))
	}},
	{"put_multipart", []string{"create_bucket"}, func(c *stepCtx) {
		_, err := manager.NewUploader(client).Upload(bg, &s3.PutObjectInput{
			Bucket: &bucket, Key: aws.String(large), Body: bytes.NewReader(largeData)})
		c.must("manager.Uploader "+large, err)
		c.provided = true
		head, err := client.HeadObject(bg, &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String(large)})
		c.must("HeadObject "+large, err)
		c.ok(head.ResultMetadata)
		c.check(aws.ToInt64(head.ContentLength) == largeSize, "HeadObject %s: S3 requires ContentLength %d; got %d",
			large, largeSize, aws.ToInt64(head.ContentLength))
		m := regexp.MustCompile(`-(\d+)"$`).FindStringSubmatch(aws.ToString(head.ETag))
		n := 0
		if m != nil {
			n, _ = strconv.Atoi(m[1])
		}
		c.check(n >= 2, `HeadObject %s: S3 requires a multipart ETag ending -<N>" with N >= 2; got %s`, large, aws.ToString(head.ETag))
	}},
	{"get_whole", []string{"put_small", "put_multipart"}, func(c *stepCtx) {
		for _, o := range []struct {
			key  string
			want []byte
		}{{small, smallData}, {large, largeData}} {
			out, body := c.getBytes(o.key, nil)
			c.check(c.status != nil && *c.status == 200, "GetObject %s: S3 requires status 200; got %v", o.key, fmtInt(c.status))
			c.check(aws.ToInt64(out.ContentLength) == int64(len(o.want)), "GetObject %s: S3 requires ContentLength %d; got %d",
				o.key, len(o.want), aws.ToInt64(out.ContentLength))
			c.checkBytes("GetObject "+o.key, body, o.want)
		}
	}},
	{"get_range", []string{"put_multipart"}, func(c *stepCtx) {
		rng := fmt.Sprintf("bytes=%d-%d", rangeStart, rangeEnd)
		out, body := c.getBytes(large, &rng)
		c.check(c.status != nil && *c.status == 206 && len(body) == 100,
			"Range %s: S3 requires 206 and 100 bytes; got status %s and %d bytes", rng, fmtInt(c.status), len(body))
		want := fmt.Sprintf("bytes %d-%d/%d", rangeStart, rangeEnd, largeSize)
		c.check(aws.ToString(out.ContentRange) == want, "Range %s: S3 requires Content-Range %s; got %s", rng, want, aws.ToString(out.ContentRange))
		c.checkBytes("Range "+rng, body, largeData[rangeStart:rangeEnd+1])
	}},
	{"head", []string{"put_small"}, func(c *stepCtx) {
		out, err := client.HeadObject(bg, &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String(small)})
		c.must("HeadObject "+small, err)
		c.ok(out.ResultMetadata)
		c.check(aws.ToInt64(out.ContentLength) == 1024, "HeadObject %s: S3 requires ContentLength 1024; got %d", small, aws.ToInt64(out.ContentLength))
		want := md5ETag(smallData)
		c.check(aws.ToString(out.ETag) == want, "HeadObject %s: S3 requires ETag %s as put; got %s", small, want, aws.ToString(out.ETag))
		meta, has := out.Metadata["client"]
		c.check(has && meta == clientName, "HeadObject %s: S3 requires metadata client=%s; got %q", small, clientName, meta)
		c.check(aws.ToString(out.ContentType) == "application/octet-stream",
			"HeadObject %s: S3 requires ContentType application/octet-stream; got %s", small, aws.ToString(out.ContentType))
	}},
	{"list_paginated", []string{"create_bucket"}, func(c *stepCtx) {
		want := []string{"dir/0", "dir/1", "dir/2", "dir/3", "dir/4"}
		for _, key := range want {
			out, err := client.PutObject(bg, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(key), Body: bytes.NewReader(dirData)})
			c.must("PutObject "+key, err)
			c.ok(out.ResultMetadata)
		}
		keys, pages := c.listKeys("dir/", 2)
		c.check(strings.Join(keys, ",") == strings.Join(want, ","),
			"ListObjectsV2 Prefix dir/ MaxKeys 2: S3 requires keys %s; got %s", strings.Join(want, ","), strings.Join(keys, ","))
		c.check(pages == 3, "ListObjectsV2 Prefix dir/ MaxKeys 2: S3 requires 3 pages; got %d", pages)
	}},
	{"copy", []string{"put_small"}, func(c *stepCtx) {
		out, err := client.CopyObject(bg, &s3.CopyObjectInput{Bucket: &bucket, Key: aws.String(copied),
			CopySource: aws.String(bucket + "/" + small)})
		c.must("CopyObject "+small+" -> "+copied, err)
		c.ok(out.ResultMetadata)
		_, body := c.getBytes(copied, nil)
		c.checkBytes("GetObject "+copied, body, smallData)
	}},
	{"presign_get", []string{"put_small"}, func(c *stepCtx) {
		req, err := s3.NewPresignClient(client).PresignGetObject(bg, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String(small)},
			s3.WithPresignExpires(300*time.Second))
		c.must("PresignGetObject "+small, err)
		body := c.plainHTTP("presigned GET "+small, "GET", req.URL, nil)
		c.checkBytes("presigned GET "+small, body, smallData)
	}},
	{"presign_put", []string{"create_bucket"}, func(c *stepCtx) {
		req, err := s3.NewPresignClient(client).PresignPutObject(bg, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(presigned)},
			s3.WithPresignExpires(300*time.Second))
		c.must("PresignPutObject "+presigned, err)
		c.plainHTTP("presigned PUT "+presigned, "PUT", req.URL, presignedData)
		_, body := c.getBytes(presigned, nil)
		c.checkBytes("GetObject "+presigned, body, presignedData)
	}},
	{"delete_many", []string{"create_bucket"}, func(c *stepCtx) {
		keys, _ := c.listKeys("", 0)
		if len(keys) > 0 {
			objs := make([]types.ObjectIdentifier, len(keys))
			for i := range keys {
				objs[i] = types.ObjectIdentifier{Key: aws.String(keys[i])}
			}
			out, err := client.DeleteObjects(bg, &s3.DeleteObjectsInput{Bucket: &bucket, Delete: &types.Delete{Objects: objs}})
			c.must(fmt.Sprintf("DeleteObjects (%d keys)", len(keys)), err)
			c.ok(out.ResultMetadata)
			errs := []string{}
			for _, e := range out.Errors {
				errs = append(errs, aws.ToString(e.Key)+" "+aws.ToString(e.Code))
			}
			c.check(len(errs) == 0, "DeleteObjects: S3 requires no Errors; got %d: %s", len(errs), strings.Join(errs[:min(3, len(errs))], ", "))
		}
		out, err := client.ListObjectsV2(bg, &s3.ListObjectsV2Input{Bucket: &bucket})
		c.must("ListObjectsV2 after DeleteObjects", err)
		c.ok(out.ResultMetadata)
		left := []string{}
		for _, o := range out.Contents {
			left = append(left, aws.ToString(o.Key))
		}
		c.check(len(left) == 0, "ListObjectsV2 after DeleteObjects: S3 requires no keys; got %s", strings.Join(left, ","))
	}},
	{"delete_bucket", []string{"create_bucket"}, func(c *stepCtx) {
		out, err := client.DeleteBucket(bg, &s3.DeleteBucketInput{Bucket: &bucket})
		c.must("DeleteBucket", err)
		c.ok(out.ResultMetadata)
		deleted := *c
		head, err := client.HeadBucket(bg, &s3.HeadBucketInput{Bucket: &bucket})
		if err == nil {
			c.ok(head.ResultMetadata)
		} else {
			var re *awshttp.ResponseError
			if !errors.As(err, &re) {
				c.must("HeadBucket after DeleteBucket", err)
			}
			s := re.HTTPStatusCode()
			c.status = &s
		}
		c.check(c.status != nil && *c.status == 404, "HeadBucket after DeleteBucket: S3 requires 404; got %s", fmtInt(c.status))
		*c = deleted // the expected 404 is not the step's error: report DeleteBucket's status
	}},
}

func fmtInt(p *int) string {
	if p == nil {
		return "none"
	}
	return strconv.Itoa(*p)
}

type line struct {
	Step      string  `json:"step"`
	OK        bool    `json:"ok"`
	Status    *int    `json:"status"`
	ErrorCode *string `json:"error_code"`
	Message   string  `json:"message"`
	Duration  float64 `json:"duration_s"`
	BlockedBy string  `json:"blocked_by,omitempty"`
}

// runStep runs one step body, turning a failure (or a client panic) into the line.
func runStep(s step, c *stepCtx) (ok bool, msg string) {
	defer func() {
		if r := recover(); r != nil {
			ok = false
			var f *failure
			if err, isErr := r.(error); isErr && errors.As(err, &f) {
				msg, c.status, c.code = f.msg, f.status, f.code
			} else {
				msg = fmt.Sprintf("unexpected client error: %v", r)
				fmt.Fprintf(os.Stderr, "%s: %v\n%s\n", s.name, r, debug.Stack())
			}
		}
	}()
	s.run(c)
	return true, ""
}

func main() {
	endpoint := os.Getenv("GAUNTLET_ENDPOINT")
	bucket, clientName, region = os.Getenv("GAUNTLET_BUCKET"), os.Getenv("GAUNTLET_CLIENT"), os.Getenv("GAUNTLET_REGION")
	if clientName == "" {
		clientName = "go-v2"
	}
	if region == "" {
		region = "us-east-1"
	}
	httpClient := awshttp.NewBuildableClient()
	if ca := os.Getenv("GAUNTLET_CA_BUNDLE"); ca != "" && strings.HasPrefix(endpoint, "https://") {
		pem, err := os.ReadFile(ca)
		if err != nil {
			fmt.Fprintln(os.Stderr, "reading GAUNTLET_CA_BUNDLE:", err)
			os.Exit(2)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		httpClient = httpClient.WithTransportOptions(func(tr *http.Transport) {
			tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		})
	}
	plain = &http.Client{Transport: httpClient.GetTransport(), Timeout: 5 * time.Minute}
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(os.Getenv("GAUNTLET_ACCESS_KEY"), os.Getenv("GAUNTLET_SECRET_KEY"), ""),
		HTTPClient:  httpClient,
	}
	client = s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
	})

	version := "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if d.Path == "github.com/aws/aws-sdk-go-v2/service/s3" {
				version = strings.TrimPrefix(d.Version, "v")
			}
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]string{"client": clientName, "version": version})

	provided := map[string]bool{}
	for _, s := range steps {
		blocker := ""
		for _, n := range s.needs {
			if !provided[n] {
				blocker = n
				break
			}
		}
		if blocker != "" {
			_ = enc.Encode(line{Step: s.name, Message: "not run: " + blocker + " failed", BlockedBy: blocker})
			continue
		}
		c := &stepCtx{}
		t0 := time.Now()
		ok, msg := runStep(s, c)
		if ok || c.provided {
			provided[s.name] = true
		}
		d := math.Round(time.Since(t0).Seconds()*1000) / 1000
		_ = enc.Encode(line{Step: s.name, OK: ok, Status: c.status, ErrorCode: c.code, Message: msg, Duration: d})
	}
}
