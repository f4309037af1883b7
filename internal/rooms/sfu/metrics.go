package sfu

import (
	"github.com/prometheus/client_golang/prometheus"
)

// collector reports forwarding and connection statistics of the live rooms
// at scrape time, so nothing is kept for rooms that have ended.
type collector struct {
	s *SFU

	packets, bytes, peers, tracks    *prometheus.Desc
	rtt, fractionLost, packetsLostIn *prometheus.Desc
}

// Collector returns a Prometheus collector of the SFU's statistics: per room
// the packets and bytes forwarded and the live peers and tracks, and per peer
// the round-trip time and loss its connection reports.
func (s *SFU) Collector() prometheus.Collector {
	room := []string{"room"}
	peer := []string{"room", "peer"}
	return &collector{
		s:             s,
		packets:       prometheus.NewDesc("keyward_rtc_forwarded_packets_total", "RTP packets forwarded to subscribers in a live room (one packet to three subscribers counts three).", room, nil),
		bytes:         prometheus.NewDesc("keyward_rtc_forwarded_bytes_total", "RTP bytes forwarded to subscribers in a live room.", room, nil),
		peers:         prometheus.NewDesc("keyward_rtc_peers", "Peers with a media connection in a live room.", room, nil),
		tracks:        prometheus.NewDesc("keyward_rtc_tracks", "Tracks published in a live room.", room, nil),
		rtt:           prometheus.NewDesc("keyward_rtc_peer_rtt_seconds", "Latest round-trip time reported by a peer for the media it receives.", peer, nil),
		fractionLost:  prometheus.NewDesc("keyward_rtc_peer_fraction_lost", "Latest fraction (0-1) of the packets sent to a peer that it reported lost.", peer, nil),
		packetsLostIn: prometheus.NewDesc("keyward_rtc_peer_packets_lost_total", "Packets lost on the way from a peer to the server.", peer, nil),
	}
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.packets, c.bytes, c.peers, c.tracks, c.rtt, c.fractionLost, c.packetsLostIn} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	for _, r := range c.s.Rooms() {
		st := r.Stats()
		ch <- prometheus.MustNewConstMetric(c.packets, prometheus.CounterValue, float64(st.Packets), r.id)
		ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.CounterValue, float64(st.Bytes), r.id)
		ch <- prometheus.MustNewConstMetric(c.peers, prometheus.GaugeValue, float64(st.Peers), r.id)
		ch <- prometheus.MustNewConstMetric(c.tracks, prometheus.GaugeValue, float64(st.Tracks), r.id)
		for _, p := range r.Peers() {
			ps := p.Stats()
			ch <- prometheus.MustNewConstMetric(c.rtt, prometheus.GaugeValue, ps.RTT, r.id, p.id)
			ch <- prometheus.MustNewConstMetric(c.fractionLost, prometheus.GaugeValue, ps.FractionLost, r.id, p.id)
			ch <- prometheus.MustNewConstMetric(c.packetsLostIn, prometheus.CounterValue, float64(ps.PacketsLost), r.id, p.id)
		}
	}
}
