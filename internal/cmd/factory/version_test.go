package factory

import (
	"runtime/debug"
	"testing"
)

// TestBuildVersion is issue 13.9: --version reports the module version and
// the VCS revision from the build info, not "dev".
func TestBuildVersion(t *testing.T) {
	t.Parallel()
	vcs := []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-12-05T15:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}
	tests := []struct {
		name string
		set  string
		info *debug.BuildInfo
		want string
	}{
		{"no build info", "dev", nil, "dev"},
		{"checkout build", "dev", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: vcs},
			"(devel) (revision 0123456789abcdef0123456789abcdef01234567, 2026-12-05T15:00:00Z, modified, go1.26.8)"},
		{"go install module@version", "dev", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}},
			"v1.4.0 (go1.26.8)"},
		{"release sets it", "v2.0.0", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs[:2]},
			"v2.0.0 (revision 0123456789abcdef0123456789abcdef01234567)"},
	}
	for _, tt := range tests {
		if got := BuildVersion(tt.set, tt.info); got != tt.want {
			t.Errorf("%s: BuildVersion(%q, …) = %q, want %q", tt.name, tt.set, got, tt.want)
		}
	}
}
