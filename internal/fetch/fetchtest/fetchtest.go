// Package fetchtest is a network for tests of the download guard (package
// fetch) that never leaves the machine: a resolver that answers from a
// table and a dialer that records every attempt and connects only to
// loopback.
package fetchtest

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
)

// Net is a fetch.Resolver and a fetch.Config.DialContext. Give it to the
// guard with fetch.Config{Resolver: n, DialContext: n.DialContext}.
type Net struct {
	// Hosts maps a name to the addresses it resolves to. A name missing
	// from it does not exist (a *net.DNSError with IsNotFound).
	Hosts map[string][]netip.Addr
	// LookupFunc, when set, answers first; it returns ok false to leave
	// the name to Hosts. Tests use it for flaky or rebinding names.
	LookupFunc func(host string) (addrs []netip.Addr, err error, ok bool)
	// Route maps a vetted address (an IP, as the guard dials it) to the
	// loopback address really dialled, so that a "public" address reaches
	// a test server.
	Route map[string]string
	// Loopback lets the dialer connect to 127.0.0.1 and ::1 as they are
	// (for guards whose allow list opens loopback).
	Loopback bool

	mu      sync.Mutex
	dialed  []string
	refused []string
	looked  []string
}

// LookupNetIP implements fetch.Resolver.
func (n *Net) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	n.mu.Lock()
	n.looked = append(n.looked, host)
	n.mu.Unlock()
	if n.LookupFunc != nil {
		if addrs, err, ok := n.LookupFunc(host); ok {
			return addrs, err
		}
	}
	if a, ok := n.Hosts[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// DialContext records the attempt and connects when addr's host is routed
// (or is loopback and [Net.Loopback] is set); otherwise it fails without
// sending a packet.
func (n *Net) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, _ := net.SplitHostPort(addr)
	target, routed := n.Route[host]
	if !routed && n.Loopback {
		if a, err := netip.ParseAddr(host); err == nil && a.IsLoopback() {
			target, routed = addr, true
		}
	}
	n.mu.Lock()
	n.dialed = append(n.dialed, addr)
	if !routed {
		n.refused = append(n.refused, addr)
	}
	n.mu.Unlock()
	if !routed {
		return nil, fmt.Errorf("fetchtest: refusing to connect to %s", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, target)
}

// Dialed returns every address the guard dialled, in order.
func (n *Net) Dialed() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.dialed)
}

// Refused returns the dialled addresses that were not connected.
func (n *Net) Refused() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.refused)
}

// Lookups returns every name resolved, in order.
func (n *Net) Lookups() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.looked)
}
