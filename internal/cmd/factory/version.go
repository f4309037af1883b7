package factory

import (
	"runtime/debug"
	"strings"
)

// BuildVersion describes the running binary for --version: set, when it
// is not "" or "dev" (a release sets it with -ldflags "-X main.version=…"),
// else the module version from the build info ("(devel)" for a build from a
// checkout), followed by the VCS revision, its time and "modified" when the
// tree had uncommitted changes, as "go build" records them.
func BuildVersion(set string, info *debug.BuildInfo) string {
	v := set
	if (v == "" || v == "dev") && info != nil && info.Main.Version != "" {
		v = info.Main.Version
	}
	if v == "" {
		v = "dev"
	}
	if info == nil {
		return v
	}
	var rev, at string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	var extra []string
	if rev != "" {
		extra = append(extra, "revision "+rev)
	}
	if at != "" {
		extra = append(extra, at)
	}
	if modified {
		extra = append(extra, "modified")
	}
	if info.GoVersion != "" {
		extra = append(extra, info.GoVersion)
	}
	if len(extra) == 0 {
		return v
	}
	return v + " (" + strings.Join(extra, ", ") + ")"
}
