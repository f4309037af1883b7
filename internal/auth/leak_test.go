package auth_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBadTrafficNoLeak sends a burst of hostile requests (no token, two
// tokens, bodies that are not JSON, "data" not a string, 10 MB bodies,
// clients that send their body too slowly or give up half way) and checks
// that goroutines and heap come back to where they were.
//
// It is not parallel on purpose: runtime.NumGoroutine counts the whole
// process, so it runs while no other test does. KEYWARD_SOAK=60s makes it a
// 60-second soak (the default is 2 s).
func TestBadTrafficNoLeak(t *testing.T) {
	dur := 2 * time.Second
	if s := os.Getenv("KEYWARD_SOAK"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("KEYWARD_SOAK: %v", err)
		}
		dur = d
	}
	b := setup(t, setupOpts{readTimeo: 200 * time.Millisecond})
	addr := b.srv.Listener.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}, Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()

	goroutines, heap := settle()
	tok := mgmtToken(t, devKey, devSecret)
	big := bytes.Repeat([]byte("a"), 10<<20)
	kinds := []func() error{
		func() error { return send(client, "GET", b.srv.URL+"/mgmt", nil, nil, 401) },
		func() error {
			return send(client, "POST", b.srv.URL+"/v3/sl/query", map[string]string{"Authorization": "Bearer " + tok}, []byte(`{"data":"x.y.z"}`), 401)
		},
		func() error { return send(client, "POST", b.srv.URL+"/v3/sl/query", nil, []byte(`not json`), 400) },
		func() error { return send(client, "POST", b.srv.URL+"/v3/sl/query", nil, []byte(`{"data":[1]}`), 401) },
		func() error { return send(client, "POST", b.srv.URL+"/v3/sl/query", nil, big, 413) },
		func() error { return slowBody(addr, true) },
		func() error { return slowBody(addr, false) },
		func() error {
			return send(client, "GET", b.srv.URL+"/mgmt", map[string]string{"Authorization": "Bearer " + tok}, nil, 200)
		},
	}
	var (
		mu       sync.Mutex
		counts   = make([]int, len(kinds))
		failures []string
	)
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; time.Now().Before(deadline); i++ {
				k := i % len(kinds)
				err := kinds[k]()
				mu.Lock()
				counts[k]++
				if err != nil && len(failures) < 10 {
					failures = append(failures, fmt.Sprintf("kind %d: %v", k, err))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	client.CloseIdleConnections()
	if len(failures) > 0 {
		t.Fatalf("bad traffic got wrong answers:\n%s", strings.Join(failures, "\n"))
	}

	var g int
	var h uint64
	for end := time.Now().Add(10 * time.Second); ; {
		g, h = settle()
		if g <= goroutines+4 || time.Now().After(end) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%v of bad traffic, requests by kind %v; goroutines %d -> %d; heap %d KiB -> %d KiB",
		dur, counts, goroutines, g, heap>>10, h>>10)
	if g > goroutines+4 {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines %d after the burst, %d before: leak\n%s", g, goroutines, buf[:runtime.Stack(buf, true)])
	}
	if h > heap+32<<20 {
		t.Fatalf("heap %d KiB after the burst, %d KiB before: leak", h>>10, heap>>10)
	}
}

func settle() (int, uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return runtime.NumGoroutine(), ms.HeapAlloc
}

func send(c *http.Client, method, url string, header map[string]string, body []byte, want int) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		if want == 413 {
			return nil // the server may close before the client has sent 10 MB
		}
		return err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: %d, want %d", method, url, res.StatusCode, want)
	}
	return nil
}

// slowBody announces a body and sends it too slowly; wait makes it wait for
// the 408, else it gives up half way.
func slowBody(addr string, wait bool) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /v3/sl/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"da")
	if !wait {
		return nil
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 512)
	n, _ := io.ReadAtLeast(c, buf, 12)
	if !bytes.HasPrefix(buf[:n], []byte("HTTP/1.1 408")) {
		return fmt.Errorf("slow body: got %q, want a 408", buf[:n])
	}
	return nil
}
