// Package smtpsink is an SMTP server for tests: it listens on loopback,
// accepts every message and hands each one to the test. It is test support
// shipped as a real package so that every layer's tests share it.
package smtpsink

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one mail received.
type Message struct {
	From string
	To   []string
	Data []byte
}

// Sink is a running SMTP server.
type Sink struct {
	// Addr is the host:port it listens on.
	Addr string

	mu   sync.Mutex
	msgs []Message
	ch   chan Message
	srv  *smtp.Server
}

// Start runs a sink on 127.0.0.1 until tb ends.
func Start(tb testing.TB) *Sink {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("smtpsink: listen: %v", err)
	}
	s := &Sink{Addr: ln.Addr().String(), ch: make(chan Message, 64)}
	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	go s.srv.Serve(ln)
	tb.Cleanup(func() { s.srv.Close() })
	return s
}

// Wait returns the next message, or fails tb after timeout.
func (s *Sink) Wait(tb testing.TB, timeout time.Duration) Message {
	tb.Helper()
	select {
	case m := <-s.ch:
		return m
	case <-time.After(timeout):
		tb.Fatalf("smtpsink: no message within %v", timeout)
		return Message{}
	}
}

// Messages returns every message received so far.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

type backend struct{ s *Sink }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s    *Sink
	from string
	to   []string
}

func (x *session) AuthPlain(username, password string) error { return nil }

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(io.LimitReader(r, 10<<20))
	if err != nil {
		return err
	}
	if len(x.to) == 0 {
		return errors.New("smtpsink: no recipient")
	}
	m := Message{From: x.from, To: x.to, Data: b}
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, m)
	x.s.mu.Unlock()
	select {
	case x.s.ch <- m:
	default:
	}
	return nil
}

func (x *session) Reset() { x.from, x.to = "", nil }

func (x *session) Logout() error { return nil }
