package webhook_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/testenv"
	"github.com/keyward/keyward/internal/webhook"
)

// TestDocVerifyExample runs the Python receiver check of docs/webhooks.md
// against posts signed by [webhook.Sign]: it accepts the good one and
// refuses a changed body, a wrong secret and a stale time.
func TestDocVerifyExample(t *testing.T) {
	t.Parallel()
	python := testenv.Command(t, "python3")
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "webhooks.md"))
	if err != nil {
		t.Fatalf("read docs/webhooks.md: %v", err)
	}
	_, rest, ok := strings.Cut(string(doc), "```python\n")
	code, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("docs/webhooks.md has no python block")
	}
	secret, body := "whsec_doc", `{"id":"e1","type":"peer.joined"}`
	now := time.Now()
	good := webhook.Sign(secret, now, []byte(body))
	stale := webhook.Sign(secret, now.Add(-10*time.Minute), []byte(body))
	script := code + `
import sys
secret, good, stale, body = sys.argv[1:5]
checks = [
    verify(secret, good, body.encode()),
    not verify(secret, good, body.replace("e1", "e2").encode()),
    not verify("whsec_other", good, body.encode()),
    not verify(secret, stale, body.encode()),
    not verify(secret, "t=1,v1=zz", body.encode()),
]
print(" ".join("ok" if c else "FAIL" for c in checks))
`
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, "-c", script, secret, good, stale, body).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok ok ok ok ok" {
		t.Fatalf("the documented Python check: %v\n%s", err, out)
	}
}
