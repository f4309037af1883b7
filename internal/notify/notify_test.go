package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/notify"
	"github.com/keyward/keyward/internal/smtpsink"
)

func TestMailerDelivers(t *testing.T) {
	t.Parallel()
	sink := smtpsink.Start(t)
	m, err := notify.New(notify.Config{Addr: sink.Addr, From: "portal@keyward.test", PublicURL: "http://127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	to := &credential.Account{Email: "dev@example.test", Name: "Dev"}
	n := &credential.Notification{Subject: "Your API access request was approved", Body: "Groups: encoding."}
	if err := m.Notify(context.Background(), to, n); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	msg := sink.Wait(t, 5*time.Second)
	if msg.From != "portal@keyward.test" || len(msg.To) != 1 || msg.To[0] != "dev@example.test" {
		t.Errorf("envelope from %q to %v", msg.From, msg.To)
	}
	for _, want := range []string{"Subject: Your API access request was approved", "Hello Dev", "Groups: encoding.", "http://127.0.0.1:8080/portal/notifications"} {
		if !strings.Contains(string(msg.Data), want) {
			t.Errorf("mail lacks %q:\n%s", want, msg.Data)
		}
	}
}

func TestMailerErrors(t *testing.T) {
	t.Parallel()
	if _, err := notify.New(notify.Config{Addr: "no-port"}); err == nil {
		t.Error("New(no port) = nil error")
	}
	if _, err := notify.New(notify.Config{Addr: "127.0.0.1:25", TLS: "maybe"}); err == nil {
		t.Error("New(tls maybe) = nil error")
	}
	m, _ := notify.New(notify.Config{Addr: "127.0.0.1:1", Timeout: time.Second})
	if err := m.Notify(context.Background(), &credential.Account{Email: "a@b.test"}, &credential.Notification{Subject: "s"}); err == nil {
		t.Error("Notify to a closed port = nil error")
	}
	if err := m.Notify(context.Background(), &credential.Account{}, &credential.Notification{}); err == nil {
		t.Error("Notify without e-mail = nil error")
	}
}
