// Package notify delivers keyward's notifications by e-mail through an SMTP
// server. The in-app list is kept by the credential store; this package only
// sends the mail copy.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/keyward/keyward/internal/credential"
)

// Config says how to reach the SMTP server.
type Config struct {
	// Addr is host:port of the server; required.
	Addr string
	// From is the sender; default keyward@HOST.
	From string
	// Username and Password authenticate with SMTP AUTH PLAIN when set.
	Username, Password string
	// TLS is "starttls", "tls" or "none". Default: "starttls" when
	// authenticating (credentials never cross in clear), else "none"
	// (opportunistic STARTTLS).
	TLS string
	// PublicURL is put in the mail as the link to the portal.
	PublicURL string
	// Timeout bounds one delivery. Default 10s.
	Timeout time.Duration
	// Logger receives delivery failures. Default slog.Default().
	Logger *slog.Logger
}

// Mailer sends notifications as e-mail. It implements
// [credential.Notifier].
type Mailer struct {
	cfg  Config
	host string
	port int
}

var _ credential.Notifier = (*Mailer)(nil)

// New returns a Mailer for cfg.
func New(cfg Config) (*Mailer, error) {
	host, portText, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("notify: smtp addr %q: %w", cfg.Addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("notify: smtp port %q: %w", portText, err)
	}
	if cfg.From == "" {
		cfg.From = "keyward@" + host
	}
	if cfg.TLS == "" {
		cfg.TLS = "none"
		if cfg.Username != "" {
			cfg.TLS = "starttls"
		}
	}
	switch cfg.TLS {
	case "starttls", "tls", "none":
	default:
		return nil, fmt.Errorf("notify: smtp tls %q: want starttls, tls or none", cfg.TLS)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Mailer{cfg: cfg, host: host, port: port}, nil
}

// Notify mails n to the account.
func (m *Mailer) Notify(ctx context.Context, to *credential.Account, n *credential.Notification) error {
	if to == nil || to.Email == "" {
		return errors.New("notify: recipient has no e-mail")
	}
	msg := mail.NewMsg()
	if err := msg.From(m.cfg.From); err != nil {
		return fmt.Errorf("notify: from: %w", err)
	}
	if err := msg.To(to.Email); err != nil {
		return fmt.Errorf("notify: to: %w", err)
	}
	msg.Subject(n.Subject)
	var body strings.Builder
	if to.Name != "" {
		fmt.Fprintf(&body, "Hello %s,\n\n", to.Name)
	}
	body.WriteString(n.Body)
	body.WriteString("\n")
	if m.cfg.PublicURL != "" {
		fmt.Fprintf(&body, "\nSee it in the portal: %s/portal/notifications\n", m.cfg.PublicURL)
	}
	msg.SetBodyString(mail.TypeTextPlain, body.String())

	opts := []mail.Option{mail.WithPort(m.port), mail.WithTimeout(m.cfg.Timeout)}
	switch m.cfg.TLS {
	case "tls":
		opts = append(opts, mail.WithSSL())
	case "starttls":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	}
	if m.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(m.cfg.Username), mail.WithPassword(m.cfg.Password))
	}
	c, err := mail.NewClient(m.host, opts...)
	if err != nil {
		return fmt.Errorf("notify: smtp client: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("notify: send to %s: %w", to.Email, err)
	}
	return nil
}
