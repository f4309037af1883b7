package keyward

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPackageDocs checks that every package in the module has exactly one
// package comment, starting "Package name " (or "Command name " for a
// main package), so that no license header or stray comment becomes the
// package doc and no package goes undocumented.
func TestPackageDocs(t *testing.T) {
	t.Parallel()
	type pkg struct {
		name string
		docs []string // files that carry a package comment
	}
	pkgs := map[string]*pkg{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "testdata", "node_modules", ".git":
				return filepath.SkipDir
			}
			if path != "." && fileExists(filepath.Join(path, "go.mod")) {
				return filepath.SkipDir // another module (bench/) has its own test
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		p := pkgs[dir]
		if p == nil {
			p = &pkg{name: f.Name.Name}
			pkgs[dir] = p
		}
		if f.Doc != nil {
			p.docs = append(p.docs, path)
			text := f.Doc.Text()
			want := "Package " + f.Name.Name + " "
			if f.Name.Name == "main" {
				want = "Command " + filepath.Base(dir) + " "
			}
			if !strings.HasPrefix(text, want) {
				t.Errorf("%s: package comment starts %q, want %q", path, firstLine(text), want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 5 {
		t.Fatalf("found only %d packages: is the walk broken?", len(pkgs))
	}
	for dir, p := range pkgs {
		switch len(p.docs) {
		case 1:
		case 0:
			t.Errorf("package %s (%s) has no package comment", p.name, dir)
		default:
			t.Errorf("package %s (%s) has package comments in %d files: %v", p.name, dir, len(p.docs), p.docs)
		}
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
