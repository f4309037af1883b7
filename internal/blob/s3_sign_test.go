package blob

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// The examples of Amazon's "Signature Calculations for the Authorization
// Header" and "Authenticating Requests: Using Query Parameters" pages.
const (
	exampleAccessKey = "AKIAIOSFODNN7EXAMPLE"
	exampleSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

var exampleTime = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)

func TestSignRequestAWSExample(t *testing.T) {
	t.Parallel()
	req, err := http.NewRequest(http.MethodGet, "https://examplebucket.s3.amazonaws.com/test.txt", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Range", "bytes=0-9")
	signRequest(req, exampleAccessKey, exampleSecretKey, "us-east-1", emptyHash, exampleTime)
	want := "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
		"SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, " +
		"Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
	if got := req.Header.Get("Authorization"); got != want {
		t.Errorf("signRequest(GET /test.txt) Authorization =\n%s\nwant\n%s", got, want)
	}
}

func TestPresignAWSExample(t *testing.T) {
	t.Parallel()
	s, err := NewS3(S3Config{
		Endpoint: "https://s3.amazonaws.com", Bucket: "examplebucket", VirtualHost: true,
		AccessKey: exampleAccessKey, SecretKey: exampleSecretKey,
		NowFunc: func() time.Time { return exampleTime },
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.SignedURL(t.Context(), "test.txt", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	const wantSig = "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
	if !strings.HasPrefix(got, "https://examplebucket.s3.amazonaws.com/test.txt?") || !strings.Contains(got, wantSig) {
		t.Errorf("SignedURL(test.txt) = %s, want the host examplebucket.s3.amazonaws.com and %s", got, wantSig)
	}
}
